"""PDF: pypdf opens the file and checks locks (fast, clear errors), and pdf_structure
refuses files built to explode (nested or circular drawings, too many pages or objects,
decompression bombs) before any layout pass; pdfminer.six's layout analysis, in a child
process capped in memory and time (pdf_layout), gives text boxes, i.e. paragraphs and
headings (larger type). Running headers, footers and page numbers are dropped,
end-of-line hyphenation undone. A paragraph cut by a page break is joined later by
pipeline.join_split_paragraphs."""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError

from .base import Block, ImportRejected, normalize_whitespace
from .pdf_layout import run_layout
from .pdf_structure import (
    MAX_DECODED_CONTENT_BYTES,
    PdfLimits,
    check_counts,
    check_pages,
    decoded_size_message,
)
from .text import looks_like_heading

PRECHECK_PAGES = 5
# The upload form scans page content for this long at most (a 20 MB file can decode to
# 100 MB, a few seconds of scanning); pages it did not reach are scanned by the import,
# in the worker, before the layout pass.
PRECHECK_SECONDS = 5.0
# pypdf's own caps (pypdf docs, user/security.md), stated here so that an upgrade which
# loosens a default does not loosen ours: 75 MB per decoded stream, at most 10,000
# objects read while recovering a damaged file's catalog.
PYPDF_MAX_STREAM_BYTES = 75_000_000
PYPDF_ROOT_RECOVERY_LIMIT = 10_000
_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d+(\s*(of|/)\s*\d+)?\s*$", re.I)
_DIGITS = re.compile(r"\d+")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-z])")
HEADING_SIZE_RATIO = 1.15


@contextmanager
def _pypdf_caps(limits: PdfLimits) -> Iterator[None]:
    """pypdf's configuration for everything read from one upload."""
    with apply_configuration(
        zlib_maximum_output_length=PYPDF_MAX_STREAM_BYTES,
        lzw_maximum_output_length=PYPDF_MAX_STREAM_BYTES,
        run_length_maximum_output_length=PYPDF_MAX_STREAM_BYTES,
        maximum_declared_stream_length=PYPDF_MAX_STREAM_BYTES,
        # Nodes of the page tree: the pages plus a few intermediate nodes. Past this the
        # file is refused before its page count is known.
        page_tree_maximum_entries=2 * limits.max_pages + 100,
        # The upload check's text probe paints no more forms than the structure allows.
        xform_maximum_invocations_per_extraction=limits.max_form_invocations,
    ):
        yield


def _open(data: bytes, limits: PdfLimits) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), root_object_recovery_limit=PYPDF_ROOT_RECOVERY_LIMIT)
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
        check_counts(reader, limits)
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
        RecursionError,
    ) as exc:
        raise ImportRejected(_("This PDF is damaged and could not be read.")) from exc
    if page_count == 0:
        raise ImportRejected(_("This PDF has no pages."))
    return reader


def _bomb_message() -> str:
    return decoded_size_message(MAX_DECODED_CONTENT_BYTES)


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
    """Checks for the upload form, before anything is stored: opens, not locked, within
    the page and object limits, no explosive page structure (every page, for up to
    PRECHECK_SECONDS), and (for short files) has text."""
    limits = PdfLimits.from_settings()
    with _pypdf_caps(limits):
        reader = _open(data, limits)
        pages = len(reader.pages)
        check_pages(reader, range(pages), limits, deadline=time.monotonic() + PRECHECK_SECONDS)
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


def _layout_boxes(data: bytes, limits: PdfLimits) -> list[list[_Box]]:
    """pdfminer's layout analysis groups lines into text boxes by their spacing, which is
    how a reader sees paragraphs; pypdf's plain extraction loses those gaps. It runs in a
    child process capped in memory and time (pdf_layout)."""
    pages = run_layout(data, max_pages=limits.max_pages)
    return [
        [
            _Box(str(text), float(size), int(lines), bool(margin))
            for text, size, lines, margin in boxes
        ]
        for boxes in pages
    ]


def _join_box_lines(text: str) -> str:
    return normalize_whitespace(_HYPHEN_BREAK.sub(r"\1", text.strip()))


def pdf_blocks(data: bytes) -> list[Block]:
    # Clear messages for locked, broken or explosive files before the slower layout pass:
    # every page, however long it takes (the task's time limit bounds it).
    limits = PdfLimits.from_settings()
    with _pypdf_caps(limits):
        reader = _open(data, limits)
        check_pages(reader, range(len(reader.pages)), limits)
    pages = _layout_boxes(data, limits)
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


def pdf_info(data: bytes) -> tuple[dict[str, str], str]:
    """The document information dictionary (title, author, dates, subject, keywords) and
    the first page's text, for the upload's metadata suggestions. Run after
    precheck_pdf, under the same pypdf caps; a damaged page gives no text rather than an
    error (the import reports it)."""
    limits = PdfLimits.from_settings()
    with _pypdf_caps(limits):
        reader = _open(data, limits)
        info: dict[str, str] = {}
        try:
            raw = reader.metadata or {}
            for key in ("/Title", "/Author", "/Subject", "/Keywords", "/CreationDate"):
                value = raw.get(key)
                if value:
                    info[key[1:].lower()] = str(value)[:2000]
        except Exception:  # noqa: BLE001 - a damaged info dictionary is only a lost hint
            info = {}
        try:
            first_page = _page_text(reader, 0)
        except ImportRejected:
            first_page = ""
    return info, first_page[:20000]
