"""PDF with pypdf: text per page, running headers/footers and page numbers dropped,
lines joined into paragraphs, end-of-line hyphenation undone. A paragraph cut by a page
break is joined later by pipeline.join_split_paragraphs."""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter

from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from .base import Block, ImportRejected, normalize_whitespace
from .text import looks_like_heading

MAX_PAGES = 2000
PRECHECK_PAGES = 5
_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d+(\s*(of|/)\s*\d+)?\s*$", re.I)
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.!?:\"'”’)]\s*$")


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Permission-only encryption has an empty user password; real locks do not.
            try:
                unlocked = reader.decrypt("")
            except Exception:  # noqa: BLE001 - pypdf raises several types here
                unlocked = 0
            if not unlocked:
                raise ImportRejected(
                    _("This PDF is password-protected. Upload a copy without a password.")
                )
        page_count = len(reader.pages)
    except ImportRejected:
        raise
    except (
        PdfReadError,
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
    ) as exc:
        raise ImportRejected(_("This PDF is damaged and could not be read.")) from exc
    if page_count == 0:
        raise ImportRejected(_("This PDF has no pages."))
    if page_count > MAX_PAGES:
        raise ImportRejected(
            _("This PDF has %(count)d pages; the limit is %(limit)d.")
            % {"count": page_count, "limit": MAX_PAGES}
        )
    return reader


def _page_text(reader: PdfReader, index: int) -> str:
    try:
        return reader.pages[index].extract_text() or ""
    except Exception as exc:  # noqa: BLE001 - a damaged content stream can raise anything
        raise ImportRejected(
            _("Page %(page)d of this PDF is damaged and could not be read.") % {"page": index + 1}
        ) from exc


def precheck_pdf(data: bytes) -> None:
    """Fast checks for the upload form: opens, not locked, and (for short files) has text."""
    reader = _open(data)
    pages = len(reader.pages)
    if pages <= PRECHECK_PAGES and not any(_page_text(reader, i).strip() for i in range(pages)):
        raise ImportRejected(_no_text_message())


def _no_text_message() -> str:
    return _(
        "This PDF has no extractable text; it is probably a scanned image. "
        "Upload a PDF with a text layer, or the text itself."
    )


def _repeated_lines(pages: list[list[str]]) -> set[str]:
    """Lines (digits ignored) found at the top or bottom of most pages: running heads."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = {_DIGITS.sub("#", line.strip()) for line in lines[:2] + lines[-2:] if line.strip()}
        counts.update(edge)
    return {line for line, count in counts.items() if count >= max(3, len(pages) // 2)}


def pdf_blocks(data: bytes) -> list[Block]:
    reader = _open(data)
    pages = [
        _page_text(reader, i).replace("\r", "\n").split("\n") for i in range(len(reader.pages))
    ]
    if not any(line.strip() for lines in pages for line in lines):
        raise ImportRejected(_no_text_message())
    running = _repeated_lines(pages)
    lines: list[str] = []
    for page_lines in pages:
        for line in page_lines:
            stripped = line.strip()
            if not stripped:
                lines.append("")
                continue
            if _PAGE_NUMBER.match(stripped) or _DIGITS.sub("#", stripped) in running:
                continue
            lines.append(stripped)
        lines.append("")  # a page end closes a paragraph; the pipeline rejoins if needed
    lengths = [len(line) for line in lines if len(line) > 20]
    full_line = statistics.quantiles(lengths, n=10)[-1] if len(lengths) >= 10 else 60

    blocks: list[Block] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            text = "\n".join(current)
            text = normalize_whitespace(re.sub(r"(\w)-\n(?=[a-z])", r"\1", text))
            blocks.append(Block("paragraph", text))
            current.clear()

    for line in lines:
        if not line:
            flush()
            continue
        if not current and looks_like_heading(line) and len(line) < 0.8 * full_line:
            blocks.append(Block("heading", normalize_whitespace(line)))
            continue
        current.append(line)
        # A short line that ends a sentence ends its paragraph.
        if len(line) < 0.8 * full_line and _SENTENCE_END.search(line):
            flush()
    flush()
    return _demote_false_headings(blocks)


def _demote_false_headings(blocks: list[Block]) -> list[Block]:
    """A 'heading' directly followed by a lower-case line is a broken paragraph line."""
    out: list[Block] = []
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block.kind == "heading" and following and following.text[:1].islower():
            out.append(Block("paragraph", block.text))
        else:
            out.append(block)
    return out
