"""Refuse explosive PDFs before any layout pass: the checks need only pypdf (whose own
caps bound every stream it decodes) and a scan of the content streams' operators.

A small PDF can make a renderer do exponential work without being large or compressed
much: a Form XObject (a reusable drawing) that paints another form ten times, five levels
deep, is painted 100,000 times (tests/security/hostile_files.py measures 53 s and 3 GB
for a 3 KB file in pdfminer.six). So, per page, the forms the page paints are followed
through their resources, and the file is refused when

- forms nest deeper than ``SOURCE_PDF_MAX_FORM_DEPTH`` or paint themselves (a cycle),
- one page paints more than ``SOURCE_PDF_MAX_FORM_INVOCATIONS`` forms in all,
- the content painted (each form's content counted once per time it is painted) passes
  ``MAX_DECODED_CONTENT_BYTES`` for the whole file,
- ``q`` (save graphics state) nests deeper than ``SOURCE_PDF_MAX_GRAPHICS_NESTING``, or
- the file has more pages or objects than ``SOURCE_PDF_MAX_PAGES`` / ``SOURCE_PDF_MAX_OBJECTS``.

Each limit is far above what real documents need (a text PDF paints a handful of forms
per page, a few levels deep), so only built-to-explode files meet them.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from .base import ImportRejected

# A 20 MB upload of compressed page content can expand to gigabytes (a decompression
# bomb). Real text PDFs decode to a few KB of content per page, so 100 MB in total (and
# pypdf's own 75 MB per stream) leaves room for 2,000 dense pages while bounding memory.
MAX_DECODED_CONTENT_BYTES = 100 * 1024 * 1024


# Content streams are scanned with whole-buffer regex passes (C speed: 30-45 MB/s on
# ordinary content here) rather than a token loop in Python. First strings, comments and
# inline image data are blanked, so a "q" in "(quote)" or in image bytes is not taken
# for an operator. The regex reads strings with up to three levels of unescaped balanced
# parentheses, as "(f(g(x)))"; a string it cannot read leaves its "(" behind, and then
# the stream is read again by an exact (slower) tokenizer, so that no operator is ever
# hidden inside what the regex mistook for a string or a comment.
def _string_pattern(levels: int) -> bytes:
    inner = rb"\((?:\\.|[^\\()])*\)"
    for _level in range(levels):
        inner = rb"\((?:\\.|[^\\()]|" + inner + rb")*\)"
    return inner


_SKIPPED = re.compile(
    _string_pattern(3)  # literal string
    + rb"|%[^\r\n]*"  # comment
    + rb"|\bBI\s.*?\sID\s.*?\sEI\b",  # inline image
    re.DOTALL,
)
# The exact tokenizer stops at these only: string delimiters, escapes, comment starts and
# ends, and the start of inline image data.
_SIGNIFICANT = re.compile(rb"[()\\%\r\n]|(?<![^\s\[\]()<>{}/%])ID\s")
_INLINE_IMAGE_END = re.compile(rb"\sEI(?![^\s\[\]()<>{}/%])")
# More stops than this in a stream the regex could not read is no real document.
MAX_EXACT_SCAN_STOPS = 2_000_000
_PAINT = re.compile(rb"/([^\s\[\]()<>{}/%]+)\s+Do(?![^\s\[\]()<>{}/%])")  # /Name Do
_DO = re.compile(rb"(?<![^\s\[\]()<>{}%])Do(?![^\s\[\]()<>{}/%])")  # any Do
# A name may spell any byte as #xx ("/X#31" is "/X1"): renderers decode it, so must we.
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_NAME = re.compile(rb"/[^\s\[\]()<>{}/%]*")
# Once names are blanked, q and Q occur only as operators: no other operator, number or
# keyword of a content stream contains the letter.
_NOT_GRAPHICS_STATE = re.compile(rb"[^qQ]+")


@dataclass(frozen=True)
class PdfLimits:
    max_pages: int
    max_objects: int
    max_form_depth: int
    max_form_invocations: int
    max_graphics_nesting: int
    max_decoded_bytes: int = MAX_DECODED_CONTENT_BYTES

    @classmethod
    def from_settings(cls) -> PdfLimits:
        return cls(
            max_pages=settings.SOURCE_PDF_MAX_PAGES,
            max_objects=settings.SOURCE_PDF_MAX_OBJECTS,
            max_form_depth=settings.SOURCE_PDF_MAX_FORM_DEPTH,
            max_form_invocations=settings.SOURCE_PDF_MAX_FORM_INVOCATIONS,
            max_graphics_nesting=settings.SOURCE_PDF_MAX_GRAPHICS_NESTING,
        )


@dataclass(frozen=True)
class _Scan:
    """One content stream: its decoded length, deepest q nesting, forms painted by name."""

    length: int
    graphics_depth: int
    painted: Counter[str]
    # "Do" not right after a name (malformed, e.g. "/X ] Do" or "/X /Y 1 Tf Do"): which
    # form a reader paints then depends on its operand stack, so the check assumes the
    # costliest form in reach.
    unattributed: int = 0


@dataclass(frozen=True)
class _Cost:
    """What painting one form costs, the forms inside it included."""

    invocations: int  # forms painted, this one not included
    content_bytes: int  # content interpreted, its own included
    depth: int = 0  # levels of forms below, this one included


def _blank_exactly(data: bytes) -> bytes:
    """Strings, comments and inline image data blanked as a PDF reader tokenizes them:
    nested parentheses to any depth, backslash escapes, comments outside strings only."""
    out = bytearray(data)
    depth = 0
    start = 0
    escaped_at = -1
    position = 0
    stops = 0
    while (match := _SIGNIFICANT.search(data, position)) is not None:
        stops += 1
        if stops > MAX_EXACT_SCAN_STOPS:
            raise ImportRejected(unreadable_content_message())
        index = match.start()
        position = match.end()
        char = data[index]
        if depth:  # inside a string
            if index == escaped_at:
                continue
            if char == 0x5C:  # backslash: the next byte is literal
                escaped_at = index + 1
            elif char == 0x28:  # (
                depth += 1
            elif char == 0x29:  # )
                depth -= 1
                if depth == 0:  # an operand stays behind, as in _blank
                    out[start : index + 1] = b"0" + b" " * (index - start)
            continue
        if char == 0x28:
            depth, start = 1, index
        elif char == 0x25:  # % : a comment to the end of the line
            end = len(data)
            for terminator in (b"\n", b"\r"):
                found = data.find(terminator, index)
                if found != -1:
                    end = min(end, found)
            out[index:end] = b" " * (end - index)
            position = end
        elif char == 0x49:  # ID: binary image data up to EI
            found = _INLINE_IMAGE_END.search(data, position)
            end = found.end() if found else len(data)
            out[index:end] = b"0" + b" " * (end - index - 1)
            position = end
    if depth:  # an unterminated string runs to the end
        out[start:] = b" " * (len(data) - start)
    return bytes(out)


def _blank(match: re.Match) -> bytes:
    # A comment is whitespace to a reader; a string or an image is an operand, so it
    # leaves one behind ("/X () Do" paints nothing: the operand of Do is the string).
    return b" " if match.group(0)[:1] == b"%" else b" 0 "


def scan_content(data: bytes) -> _Scan:
    text = _SKIPPED.sub(_blank, data)
    if b"(" in text:
        text = _blank_exactly(data)
    painted = Counter(
        _NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), name).decode("latin-1")
        for name in _PAINT.findall(text)
    )
    unattributed = len(_DO.findall(text)) - sum(painted.values())
    operators = _NOT_GRAPHICS_STATE.sub(b"", _NAME.sub(b" ", text))
    depth = deepest = 0
    for operator in operators:
        if operator == 113:  # q
            depth += 1
            deepest = max(deepest, depth)
        elif depth:  # Q; a surplus Q restores nothing (renderers ignore it)
            depth -= 1
    return _Scan(len(data), deepest, painted, unattributed)


def object_count(reader: PdfReader) -> int:
    """Objects the cross-reference table lists (or pypdf found when rebuilding it)."""
    listed = sum(len(entries) for entries in reader.xref.values())
    return listed + len(reader.xref_objStm)


def _stream_data(stream: StreamObject) -> bytes:
    return stream.get_data()


def _page_content(page) -> bytes:
    contents = page.get("/Contents")
    if contents is None:
        return b""
    contents = contents.get_object()
    if isinstance(contents, ArrayObject):
        # The parts of a page's content join at token boundaries.
        return b"\n".join(
            _stream_data(part.get_object())
            for part in contents
            if isinstance(part.get_object(), StreamObject)
        )
    if isinstance(contents, StreamObject):
        return _stream_data(contents)
    return b""


def _dictionary(value) -> DictionaryObject | None:
    value = value.get_object() if value is not None else None
    return value if isinstance(value, DictionaryObject) else None


class _Checker:
    """Follows the forms each page paints; one instance per file, so a form shared by
    every page (a logo, a letterhead) is scanned once."""

    def __init__(self, limits: PdfLimits):
        self.limits = limits
        self.decoded_total = 0
        self.scans: dict[int, _Scan] = {}
        self.costs: dict[tuple[int, int], _Cost] = {}

    def check_page(self, index: int, page) -> None:
        scan = self._scan(None, lambda: _page_content(page))
        self._check_graphics(scan, index)
        resources = _dictionary(page.get("/Resources"))
        cost = self._painting_cost(scan, resources, path=(), page=index)
        self.decoded_total += cost.content_bytes
        if self.decoded_total > self.limits.max_decoded_bytes:
            raise ImportRejected(decoded_size_message(self.limits.max_decoded_bytes))

    # -- forms ----------------------------------------------------------------------------

    def _form_cost(self, resources, name: str, *, path: tuple[int, ...], page: int):
        """The cost of painting form ``name`` from ``resources``, or None when the name is
        not a form (an image, or missing: renderers skip those)."""
        xobjects = _dictionary(resources.get("/XObject")) if resources is not None else None
        if xobjects is None or f"/{name}" not in xobjects:
            return None
        reference = xobjects.raw_get(f"/{name}")
        form = reference.get_object()
        if not isinstance(form, StreamObject) or form.get("/Subtype") != "/Form":
            return None
        key = reference.idnum if isinstance(reference, IndirectObject) else id(form)
        if key in path:
            raise ImportRejected(form_cycle_message(page))
        if len(path) + 1 > self.limits.max_form_depth:
            raise ImportRejected(form_depth_message(page, self.limits.max_form_depth))
        own = _dictionary(form.get("/Resources"))
        # A form without resources of its own uses those of whatever paints it.
        effective = own if own is not None else resources
        memo_key = (key, 0 if own is not None else id(resources))
        cost = self.costs.get(memo_key)
        if cost is None:
            scan = self._scan(key, lambda: _stream_data(form))
            self._check_graphics(scan, page)
            cost = self._painting_cost(scan, effective, path=(*path, key), page=page)
            self.costs[memo_key] = cost
        # A form first met near the top may be met again deeper down: its own depth
        # counts wherever it is painted.
        if len(path) + cost.depth > self.limits.max_form_depth:
            raise ImportRejected(form_depth_message(page, self.limits.max_form_depth))
        return cost

    def _painting_cost(self, scan: _Scan, resources, *, path: tuple[int, ...], page: int):
        """What one content stream paints: its forms, and theirs, each time painted."""
        invocations = 0
        content_bytes = scan.length
        below = 0
        paintings = [
            (self._form_cost(resources, name, path=path, page=page), count)
            for name, count in scan.painted.items()
        ]
        if scan.unattributed:
            paintings.append(
                (self._costliest_form(resources, path=path, page=page), scan.unattributed)
            )
        for cost, count in paintings:
            if cost is None:
                continue
            invocations += count * (1 + cost.invocations)
            content_bytes += count * cost.content_bytes
            below = max(below, cost.depth)
            # Stop adding as soon as a limit is passed (the numbers grow exponentially).
            self._check_invocations(invocations, page)
            if content_bytes > self.limits.max_decoded_bytes:
                raise ImportRejected(decoded_size_message(self.limits.max_decoded_bytes))
        # For a form: itself plus the deepest chain below it (a page is not a form).
        return _Cost(invocations, content_bytes, depth=below + (1 if path else 0))

    def _costliest_form(self, resources, *, path: tuple[int, ...], page: int):
        """An upper bound for painting any one form ``resources`` lists, or None."""
        xobjects = _dictionary(resources.get("/XObject")) if resources is not None else None
        costs = [
            self._form_cost(resources, name[1:], path=path, page=page) for name in (xobjects or {})
        ]
        costs = [cost for cost in costs if cost is not None]
        if not costs:
            return None
        return _Cost(
            max(cost.invocations for cost in costs),
            max(cost.content_bytes for cost in costs),
            max(cost.depth for cost in costs),
        )

    # -- helpers --------------------------------------------------------------------------

    def _scan(self, key: int | None, read) -> _Scan:
        if key is not None and key in self.scans:
            return self.scans[key]
        # Forms are decoded and scanned once however often they are painted.
        scan = scan_content(read())
        if key is not None:
            self.scans[key] = scan
        return scan

    def _check_graphics(self, scan: _Scan, page: int) -> None:
        if scan.graphics_depth > self.limits.max_graphics_nesting:
            raise ImportRejected(graphics_nesting_message(page, self.limits.max_graphics_nesting))

    def _check_invocations(self, invocations: int, page: int) -> None:
        if invocations > self.limits.max_form_invocations:
            raise ImportRejected(form_invocations_message(page, self.limits.max_form_invocations))


def check_counts(reader: PdfReader, limits: PdfLimits) -> None:
    """Pages and objects: cheap, from the page tree and the cross-reference table."""
    objects = object_count(reader)
    if objects > limits.max_objects:
        raise ImportRejected(
            _(
                "This PDF is made of %(count)s objects; the limit is %(limit)s. Save it "
                "again with a PDF printer or an “optimise” option and upload that copy."
            )
            % {"count": f"{objects:,}", "limit": f"{limits.max_objects:,}"}
        )
    try:
        pages = len(reader.pages)
    except LimitReachedError as exc:
        raise ImportRejected(page_tree_message()) from exc
    if pages > limits.max_pages:
        raise ImportRejected(
            _("This PDF has %(count)d pages; the limit is %(limit)d.")
            % {"count": pages, "limit": limits.max_pages}
        )


def check_pages(
    reader: PdfReader,
    page_indices: Iterable[int],
    limits: PdfLimits,
    *,
    deadline: float | None = None,
) -> None:
    """Scan the given pages' content and the forms they paint; raise ImportRejected with
    a message for the uploader at the first limit passed. With a ``deadline``
    (``time.monotonic()``), pages not reached by then are left unchecked (the upload
    form's budget; the import checks every page)."""
    checker = _Checker(limits)
    for index in page_indices:
        if deadline is not None and time.monotonic() > deadline:
            return
        page = reader.pages[index]
        try:
            checker.check_page(index + 1, page)
        except ImportRejected:
            raise
        except LimitReachedError as exc:
            raise ImportRejected(decoded_size_message(limits.max_decoded_bytes)) from exc
        except RecursionError as exc:
            raise ImportRejected(form_depth_message(index + 1, limits.max_form_depth)) from exc
        except Exception as exc:  # noqa: BLE001 - a damaged stream can raise anything
            raise ImportRejected(
                _("Page %(page)d of this PDF is damaged and could not be read.")
                % {"page": index + 1}
            ) from exc


# -- Messages (for the uploader: what is wrong, and what to do) ---------------------------


def decoded_size_message(limit: int) -> str:
    return _(
        "This PDF's pages expand to more than %(limit)d MB when decompressed; it cannot be "
        "read safely."
    ) % {"limit": limit // (1024 * 1024)}


def form_depth_message(page: int, limit: int) -> str:
    return _(
        "Page %(page)d of this PDF nests drawings inside drawings more than %(limit)d levels "
        "deep; it cannot be read safely. Print it to a new PDF and upload that copy."
    ) % {"page": page, "limit": limit}


def form_cycle_message(page: int) -> str:
    return _(
        "Page %(page)d of this PDF contains a drawing that includes itself, which would never "
        "finish; it cannot be read safely. Print it to a new PDF and upload that copy."
    ) % {"page": page}


def form_invocations_message(page: int, limit: int) -> str:
    return _(
        "Page %(page)d of this PDF repeats embedded drawings more than %(limit)s times; it "
        "cannot be read safely. Print it to a new PDF and upload that copy."
    ) % {"page": page, "limit": f"{limit:,}"}


def graphics_nesting_message(page: int, limit: int) -> str:
    return _(
        "Page %(page)d of this PDF nests its drawing instructions more than %(limit)d levels "
        "deep; it cannot be read safely. Print it to a new PDF and upload that copy."
    ) % {"page": page, "limit": limit}


def unreadable_content_message() -> str:
    return _(
        "This PDF's page content is written in a way that cannot be checked safely. Print "
        "it to a new PDF and upload that copy."
    )


def page_tree_message() -> str:
    return _("This PDF's list of pages is too large or too deeply nested to be read safely.")
