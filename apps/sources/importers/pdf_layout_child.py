"""pdfminer.six's layout analysis in a process of its own, under an address-space and CPU
limit, so a file that explodes in the layout pass takes only this process down.

Run by pdf_layout.run_layout as ``python -I pdf_layout_child.py MEGABYTES SECONDS
MAX_PAGES`` with the PDF on stdin; prints ``{"pages": [[[text, size, lines, in_margin],
…], …]}`` on stdout. Exit codes say why it failed (see pdf_layout). Deliberately imports
nothing from the project or Django: ``-I`` keeps the importers' directory (which holds
``html.py``) off ``sys.path`` and the environment out, and the process starts in about
0.15 s.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys

EXIT_MEMORY = 3
EXIT_RECURSION = 4
EXIT_DAMAGED = 5
MARGIN_FRACTION = 0.07


def limit_resources(megabytes: int, seconds: int) -> None:
    """Cap this process's address space (allocations past it raise MemoryError) and its
    CPU time (past it the kernel sends SIGXCPU, which ends the process): the second
    matters when the parent is killed and this process would otherwise run on alone."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux or macOS
        return
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def layout_pages(data: bytes, max_pages: int) -> list[list[list]]:
    """pdfminer's layout analysis groups lines into text boxes by their spacing, which is
    how a reader sees paragraphs. Per page, the boxes as [text, type size, lines,
    in_margin]; a box whose type size changes is split there (a heading set close above
    its paragraph can share a box with it)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine

    pages = []
    for layout in extract_pages(io.BytesIO(data), laparams=LAParams(), maxpages=max_pages):
        boxes = []
        margin = layout.height * MARGIN_FRACTION
        for element in layout:
            if not isinstance(element, LTTextContainer):
                continue
            # Near the top or bottom edge, where running heads live.
            in_margin = element.y1 > layout.height - margin or element.y0 < margin
            group: list[str] = []
            group_size = None
            for line in element:
                if not isinstance(line, LTTextLine):
                    continue
                sizes = [ch.size for ch in line if isinstance(ch, LTChar)]
                size = statistics.median(sizes) if sizes else 0.0
                if group and group_size and size and abs(size - group_size) > 0.1 * group_size:
                    boxes.append(["".join(group), group_size, len(group), in_margin])
                    group = []
                if not group:
                    group_size = size
                group.append(line.get_text())
            if group and "".join(group).strip():
                boxes.append(["".join(group), group_size or 0.0, len(group), in_margin])
        pages.append(boxes)
    return pages


def die_with_parent() -> None:
    """Linux: be killed when the process that started this one dies (a worker killed at
    its hard time limit), rather than run on until the CPU limit."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(EXIT_DAMAGED)


def main(argv: list[str]) -> None:
    megabytes, seconds, max_pages = (int(value) for value in argv[1:4])
    die_with_parent()
    limit_resources(megabytes, seconds)
    data = sys.stdin.buffer.read()
    try:
        output = json.dumps({"pages": layout_pages(data, max_pages)})
    except MemoryError:
        # Little memory is left to report with: leave at once, the code says it all.
        os._exit(EXIT_MEMORY)
    except RecursionError:
        os._exit(EXIT_RECURSION)
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on broken files
        sys.stderr.write(f"{type(exc).__name__}: {exc}"[:2000])
        sys.stderr.flush()
        os._exit(EXIT_DAMAGED)
    sys.stdout.write(output)
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
