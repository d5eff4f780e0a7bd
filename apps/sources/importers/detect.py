"""Format detection by content (never by file name) and text decoding."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import ImportRejected

# Lazy: named in the uploader's language when the upload is refused.
_BINARY_SIGNATURES = [
    (b"\x89PNG", gettext_lazy("a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"GIF8", gettext_lazy("a GIF image")),
    (b"PK\x03\x04", gettext_lazy("a ZIP archive (or a Word/OpenDocument file)")),
    (b"\x1f\x8b", gettext_lazy("a gzip archive")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("an old Microsoft Office file")),
    (b"{\\rtf", gettext_lazy("an RTF document")),
    (b"\x7fELF", gettext_lazy("a program")),
    (b"MZ", gettext_lazy("a program")),
    (b"OggS", gettext_lazy("an audio file")),
    (b"ID3", gettext_lazy("an audio file")),
    (b"RIFF", gettext_lazy("a media file")),
]

_HTML_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+html|<html\b)", re.I | re.S
)
_HTML_TAGS = re.compile(r"<(p|div|h[1-6]|article|section|body|head|span|a\s)[\s>]", re.I)
_MD_SIGNS = [
    re.compile(r"^#{1,6}\s+\S", re.M),
    re.compile(r"^\s*```", re.M),
    re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),
    re.compile(r"^(\*\*|__)[^\n]+(\*\*|__)", re.M),
    re.compile(r"^[^\n]+\n(=+|-+)\s*$", re.M),
    re.compile(r"\A---\s*\n.*?\n---\s*\n", re.S),
]
_SUPPORTED = gettext_lazy("plain text, Markdown, HTML or PDF")


def decode_text(data: bytes) -> str:
    """UTF-8 first (with or without BOM); otherwise a confident detection; else reject."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    # charset-normalizer's chaos measures how unlike text the decoded result looks.
    if best is not None and best.encoding and best.percent_chaos <= 10:
        return str(best)
    raise ImportRejected(
        _(
            "This file is not valid UTF-8 text and its encoding could not be recognised. "
            "Save it as UTF-8 and upload it again."
        )
    )


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return "\x00" in sample or controls / len(sample) > 0.02


def detect_format(data: bytes) -> tuple[str, str | None]:
    """Return (format, decoded text). PDF returns None for the text."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf", None
    for signature, label in _BINARY_SIGNATURES:
        if head.startswith(signature):
            raise ImportRejected(
                _("This file looks like %(what)s. Upload %(supported)s.")
                % {"what": label, "supported": _SUPPORTED}
            )
    # NUL bytes never occur in text outside UTF-16 (which carries a BOM): say "binary"
    # rather than blaming the encoding of what is not text at all.
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRejected(
            _("This file is not %(supported)s: its content is binary.") % {"supported": _SUPPORTED}
        )
    text = decode_text(data)
    if _looks_binary(text):
        raise ImportRejected(
            _("This file is not %(supported)s: its content is binary.") % {"supported": _SUPPORTED}
        )
    if _HTML_START.match(data[:4096]) or len(_HTML_TAGS.findall(text[:8192])) >= 3:
        return "html", text
    sample = text[:20000]
    if any(pattern.search(sample) for pattern in _MD_SIGNS):
        return "markdown", text
    return "text", text


def validate_upload(data: bytes) -> str:
    """Cheap checks the upload form runs before storing anything. Returns the format."""
    limit = settings.SOURCE_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise ImportRejected(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(limit)}
        )
    if not data.strip():
        raise ImportRejected(_("The file is empty."))
    import_format, text = detect_format(data)
    if import_format == "pdf":
        from .pdf import precheck_pdf

        precheck_pdf(data)
    elif not text or not text.strip():
        raise ImportRejected(_("The file is empty."))
    return import_format
