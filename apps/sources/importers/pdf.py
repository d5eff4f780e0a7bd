"""PDF: pypdf opens the file and checks locks (fast, clear errors); pdfminer.six's layout
analysis gives text boxes, i.e. paragraphs and headings (larger type). Running headers,
footers and page numbers are dropped, end-of-line hyphenation undone. A paragraph cut by
a page break is joined later by pipeline.join_split_paragraphs."""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError

from .base import Block, ImportRejected, normalize_whitespace
from .text import looks_like_heading

MAX_PAGES = 2000
# A 20 MB upload of compressed page content can expand to gigabytes (a decompression
# bomb). Real text PDFs decode to a few KB of content per page, so 100 MB in total (and
# pypdf's own 75 MB per stream) leaves room for 2,000 dense pages while bounding memory.
MAX_DECODED_CONTENT_BYTES = 100 * 1024 * 1024
PRECHECK_PAGES = 5
_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d+(\s*(of|/)\s*\d+)?\s*$", re.I)
_DIGITS = re.compile(r"\d+")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-z])")
HEADING_SIZE_RATIO = 1.15
MARGIN_FRACTION = 0.07


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


def _bomb_message() -> str:
    return _(
        "This PDF's pages expand to more than %(limit)d MB when decompressed; it cannot be "
        "read safely."
    ) % {"limit": MAX_DECODED_CONTENT_BYTES // (1024 * 1024)}


def _check_decoded_size(reader: PdfReader) -> None:
    """Decode each page's content stream once, one at a time (pypdf caps a single stream),
    and reject the file before pdfminer, which has no cap, decodes it all in memory."""
    total = 0
    for index, page in enumerate(reader.pages):
        try:
            contents = page.get_contents()
            total += len(contents.get_data()) if contents is not None else 0
        except LimitReachedError as exc:
            raise ImportRejected(_bomb_message()) from exc
        except Exception as exc:  # noqa: BLE001 - a damaged content stream can raise anything
            raise ImportRejected(
                _("Page %(page)d of this PDF is damaged and could not be read.")
                % {"page": index + 1}
            ) from exc
        if total > MAX_DECODED_CONTENT_BYTES:
            raise ImportRejected(_bomb_message())


def _page_text(reader: PdfReader, index: int) -> str:
    try:
        return reader.pages[index].extract_text() or ""
    except LimitReachedError as exc:
        raise ImportRejected(_bomb_message()) from exc
    except Exception as exc:  # noqa: BLE001 - a damaged content stream can raise anything
        raise ImportRejected(
            _("Page %(page)d of this PDF is damaged and could not be read.") % {"page": index + 1}
        ) from exc


def precheck_pdf(data: bytes) -> None:
    """Fast checks for the upload form: opens, not locked, and (for short files) has text."""
    reader = _open(data)
    pages = len(reader.pages)
    if pages <= PRECHECK_PAGES:
        _check_decoded_size(reader)
    if pages <= PRECHECK_PAGES and not any(_page_text(reader, i).strip() for i in range(pages)):
        raise ImportRejected(_no_text_message())


def _no_text_message() -> str:
    return _(
        "This PDF has no extractable text; it is probably a scanned image. "
        "Upload a PDF with a text layer, or the text itself."
    )


def _edge_key(box: _Box) -> str:
    return _DIGITS.sub("#", normalize_whitespace(box.text))


def _running_heads(pages: list[list[_Box]]) -> set[str]:
    """Single-line boxes in the top or bottom margin that recur (digits ignored) on most
    pages: running headers and footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for boxes in pages:
        counts.update({_edge_key(box) for box in boxes if box.in_margin and box.lines == 1})
    return {key for key, count in counts.items() if count >= max(3, len(pages) // 2)}


@dataclass
class _Box:
    text: str
    size: float
    lines: int
    in_margin: bool  # near the top or bottom edge, where running heads live


def _layout_boxes(data: bytes) -> list[list[_Box]]:
    """pdfminer's layout analysis groups lines into text boxes by their spacing, which is
    how a reader sees paragraphs; pypdf's plain extraction loses those gaps."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine

    pages: list[list[_Box]] = []
    try:
        for layout in extract_pages(io.BytesIO(data), laparams=LAParams(), maxpages=MAX_PAGES):
            boxes = []
            margin = layout.height * MARGIN_FRACTION
            for element in layout:
                if not isinstance(element, LTTextContainer):
                    continue
                in_margin = element.y1 > layout.height - margin or element.y0 < margin
                # A heading set close above its paragraph can share a box with it: split
                # the box where the type size changes.
                group: list[str] = []
                group_size = None
                for line in element:
                    if not isinstance(line, LTTextLine):
                        continue
                    sizes = [ch.size for ch in line if isinstance(ch, LTChar)]
                    size = statistics.median(sizes) if sizes else 0.0
                    if group and group_size and size and abs(size - group_size) > 0.1 * group_size:
                        boxes.append(_Box("".join(group), group_size, len(group), in_margin))
                        group = []
                    if not group:
                        group_size = size
                    group.append(line.get_text())
                if group and "".join(group).strip():
                    boxes.append(_Box("".join(group), group_size or 0.0, len(group), in_margin))
            pages.append(boxes)
    except ImportRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on broken files
        raise ImportRejected(_("This PDF is damaged and could not be read.")) from exc
    return pages


def _join_box_lines(text: str) -> str:
    return normalize_whitespace(_HYPHEN_BREAK.sub(r"\1", text.strip()))


def pdf_blocks(data: bytes) -> list[Block]:
    # Clear messages for locked, broken or explosive files before the slower layout pass.
    _check_decoded_size(_open(data))
    pages = _layout_boxes(data)
    if not any(box.text.strip() for boxes in pages for box in boxes):
        raise ImportRejected(_no_text_message())
    running = _running_heads(pages)
    kept: list[_Box] = []
    for boxes in pages:
        for box in boxes:
            if box.in_margin and (_PAGE_NUMBER.match(box.text) or _edge_key(box) in running):
                continue
            kept.append(box)
    weights = [(box.size, len(box.text)) for box in kept if box.size]
    body_size = _weighted_median(weights) if weights else 0.0

    blocks: list[Block] = []
    for box in kept:
        text = _join_box_lines(box.text)
        if not text:
            continue
        larger = body_size and box.size >= body_size * HEADING_SIZE_RATIO
        if box.lines <= 3 and looks_like_heading(text) and (larger or box.lines == 1):
            blocks.append(Block("heading", text))
        else:
            blocks.append(Block("paragraph", text))
    return _demote_false_headings(blocks)


def _weighted_median(pairs: list[tuple[float, int]]) -> float:
    ordered = sorted(pairs)
    half = sum(weight for _, weight in ordered) / 2
    running = 0
    for value, weight in ordered:
        running += weight
        if running >= half:
            return value
    return ordered[-1][0]


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
