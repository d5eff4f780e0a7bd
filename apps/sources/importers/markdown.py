"""Markdown: headings and paragraphs from markdown-it-py's token stream; optional
YAML-style front matter (key: value lines between --- fences) becomes metadata."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from .base import Block, normalize_whitespace

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _inline_text(token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            # The alt text is the image's words in the text (markdown-it keeps it here).
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return normalize_whitespace("".join(parts))


def front_matter(text: str) -> dict:
    """The ``key: value`` lines between the opening --- fences, keys lower-cased."""
    metadata: dict = {}
    match = _FRONT.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip():
                metadata[key.strip().lower()] = value.strip().strip("\"'")
    return metadata


def markdown_blocks(text: str) -> tuple[list[Block], dict]:
    metadata = front_matter(text)
    match = _FRONT.match(text)
    if match:
        text = text[match.end() :]
    blocks: list[Block] = []
    tokens = _md.parse(text)
    kind = None
    for token in tokens:
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "paragraph_open":
            kind = "paragraph"
        elif token.type == "inline" and kind:
            content = _inline_text(token)
            if content:
                blocks.append(Block(kind, content))
            kind = None
        elif token.type in ("fence", "code_block"):
            content = token.content.strip()
            if content:
                blocks.append(Block("paragraph", content))
    return blocks, metadata
