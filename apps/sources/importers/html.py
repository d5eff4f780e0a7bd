"""HTML: trafilatura finds the main content (drops navigation, scripts, footers and
other boilerplate); its XML output keeps headings and paragraphs apart."""

from __future__ import annotations

import re

import trafilatura
from django.utils.translation import gettext as _
from lxml import etree

from .base import Block, ImportRejected, normalize_whitespace

# Deeply nested markup is a cheap way to exhaust a parser; real pages stay far below.
MAX_HTML_DEPTH = 400


_NESTING_TAG = re.compile(
    r"<(/?)(div|span|section|article|aside|main|ul|ol|table|tbody|tr|td|blockquote|b|i|em|"
    r"strong|a|font|form|nav|header|footer)\b",
    re.I,
)


def _check_depth(html: str) -> None:
    depth = 0
    for match in _NESTING_TAG.finditer(html):
        depth += -1 if match.group(1) else 1
        if depth > MAX_HTML_DEPTH:
            raise ImportRejected(_("This HTML page is nested too deeply to be read safely."))


def html_blocks(html: str) -> tuple[list[Block], dict]:
    _check_depth(html)
    xml = trafilatura.extract(
        html,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=True,
        favor_recall=True,
    )
    if not xml:
        raise ImportRejected(_("No main text was found on this HTML page."))
    root = etree.fromstring(xml.encode("utf-8"))
    metadata = {
        key: root.get(key)
        for key in ("title", "author", "date", "sitename", "url")
        if root.get(key)
    }
    main = root.find("main")
    blocks: list[Block] = []
    if main is None:
        return blocks, metadata
    for element in main.iter("head", "p", "item", "row", "quote", "code"):
        if (
            element.tag in ("p", "quote")
            and element.getparent() is not None
            and element.getparent().tag in ("item", "quote", "cell")
        ):
            continue
        text = normalize_whitespace("".join(element.itertext()))
        if not text:
            continue
        blocks.append(Block("heading" if element.tag == "head" else "paragraph", text))
    return blocks, metadata
