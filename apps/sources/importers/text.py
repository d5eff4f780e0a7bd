"""Plain text: paragraphs are separated by blank lines; short lone lines are headings."""

from __future__ import annotations

import re

from .base import Block, normalize_whitespace

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-z])")
_HEADING_END = re.compile(r"[.,;:!]$")
HEADING_MAX_CHARS = 120
HEADING_MAX_WORDS = 16


def looks_like_heading(text: str) -> bool:
    return (
        "\n" not in text
        and len(text) <= HEADING_MAX_CHARS
        and len(text.split()) <= HEADING_MAX_WORDS
        and not _HEADING_END.search(text)
        and (text[:1].isupper() or text[:1].isdigit())
    )


def join_lines(raw: str) -> str:
    """Undo end-of-line hyphenation, then fold the remaining line breaks to spaces."""
    return normalize_whitespace(_HYPHEN_BREAK.sub(r"\1", raw))


def text_blocks(text: str) -> list[Block]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = []
    for raw in _PARAGRAPH_BREAK.split(text):
        stripped = raw.strip()
        if not stripped:
            continue
        kind = "heading" if looks_like_heading(stripped) else "paragraph"
        blocks.append(Block(kind, join_lines(stripped)))
    return blocks
