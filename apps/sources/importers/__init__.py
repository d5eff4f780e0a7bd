"""Turn uploaded bytes into canonical text + passages.

    detect_format(data) -> (format, decoded text or None)   cheap, run by the upload form
    extract(data) -> ExtractedDocument                        the import task's work

Every failure raises ImportRejected with a message meant for the person who uploaded.
"""

from .base import Block, ExtractedDocument, ImportRejected
from .detect import decode_text, detect_format, validate_upload
from .pipeline import extract

__all__ = [
    "Block",
    "ExtractedDocument",
    "ImportRejected",
    "decode_text",
    "detect_format",
    "extract",
    "validate_upload",
]
