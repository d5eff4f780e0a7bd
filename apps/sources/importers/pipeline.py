"""From bytes to an ExtractedDocument: detect, extract blocks, tidy, lay out passages."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .base import Block, ExtractedDocument, ImportRejected, PassageSpec, anchor_for
from .detect import detect_format
from .limits import RESOURCE_ERRORS, rejection_for

PASSAGE_SEPARATOR = "\n\n"

_TERMINAL = re.compile(r"[.!?:;…\"'”’)\]]\s*$")
# A label counts only as a label ("Copyright: …", "Copyright © …", "Received 27 May …"):
# body paragraphs that merely start with the word ("Copyright law …") are not front matter.
_FRONT_MATTER_LABEL = re.compile(
    r"^\W*(corresponding author|received( date)?|accepted( date)?|published( date)?|"
    r"copyright|citation|doi|keywords|e-?mail|how to cite)(\s*[:©]|\s+\d)",
    re.I,
)
FRONT_MATTER_WINDOW = 15


def join_split_paragraphs(blocks: list[Block]) -> list[Block]:
    """Join a paragraph that stops mid-sentence with a following one that starts in lower
    case: the two halves of a paragraph cut by a page or column break."""
    out: list[Block] = []
    for block in blocks:
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous.kind == "paragraph"
            and block.kind == "paragraph"
            and not _TERMINAL.search(previous.text)
            and block.text[:1].islower()
        ):
            previous.text = f"{previous.text} {block.text}"
            continue
        out.append(Block(block.kind, block.text))
    return out


def split_front_matter(blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """A journal's title block (title, authors, dates, copyright, citation) is metadata,
    not body text. If labelled front-matter lines appear near the top, everything up to
    the last of them is front matter."""
    last = -1
    for index, block in enumerate(blocks[:FRONT_MATTER_WINDOW]):
        if _FRONT_MATTER_LABEL.match(block.text):
            last = index
    if last < 0:
        return [], blocks
    return blocks[: last + 1], blocks[last + 1 :]


def layout(blocks: list[Block]) -> tuple[str, list[PassageSpec]]:
    """Canonical text is the blocks joined by blank lines; passages index into it."""
    parts: list[str] = []
    passages: list[PassageSpec] = []
    seen: dict[str, int] = {}
    section = ""
    cursor = 0
    for order, block in enumerate(blocks):
        text = block.text
        if block.kind == "heading":
            section = text
        anchor = anchor_for(text)
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        if parts:
            cursor += len(PASSAGE_SEPARATOR)
        passages.append(
            PassageSpec(
                order=order,
                kind=block.kind,
                section=section if block.kind == "paragraph" else "",
                text=text,
                start=cursor,
                end=cursor + len(text),
                anchor=anchor,
            )
        )
        parts.append(text)
        cursor += len(text)
    return PASSAGE_SEPARATOR.join(parts), passages


def extract(data: bytes) -> ExtractedDocument:
    """The import's work. Raises ImportRejected with a message for the uploader, also when
    the file passes a resource limit (time, memory, nesting: limits.py)."""
    try:
        return _extract(data)
    except RESOURCE_ERRORS as exc:
        raise rejection_for(exc) from exc


def _extract(data: bytes) -> ExtractedDocument:
    import_format, text = detect_format(data)
    metadata: dict = {}
    if import_format == "pdf":
        from .pdf import pdf_blocks

        blocks = pdf_blocks(data)
    elif import_format == "html":
        from .html import html_blocks

        blocks, metadata = html_blocks(text)
    elif import_format == "markdown":
        from .markdown import markdown_blocks

        blocks, metadata = markdown_blocks(text)
    else:
        from .text import text_blocks

        blocks = text_blocks(text)

    blocks = [b for b in blocks if b.text.strip()]
    blocks = join_split_paragraphs(blocks)
    front, body = split_front_matter(blocks)
    if not any(b.kind == "paragraph" for b in body):
        raise ImportRejected(_("No readable text was found in this file."))
    canonical, passages = layout(body)
    return ExtractedDocument(
        import_format=import_format,
        text=canonical,
        passages=passages,
        front_matter=PASSAGE_SEPARATOR.join(b.text for b in front),
        metadata=metadata,
    )
