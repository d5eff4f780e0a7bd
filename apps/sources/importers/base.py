from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field


class ImportRejected(Exception):
    """The file cannot become a document. ``message`` is shown to the uploader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Block:
    kind: str  # "heading" | "paragraph"
    text: str


@dataclass
class PassageSpec:
    order: int
    kind: str
    section: str
    text: str
    start: int
    end: int
    anchor: str


@dataclass
class ExtractedDocument:
    import_format: str
    text: str
    passages: list[PassageSpec]
    front_matter: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


_WS = re.compile(r"\s+")


def normalize_whitespace(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def anchor_for(text: str) -> str:
    """A short id from the passage text only, so identical text keeps its permalink."""
    return hashlib.sha1(normalize_whitespace(text).lower().encode("utf-8")).hexdigest()[:10]
