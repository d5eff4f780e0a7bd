"""Notes the browser tests put on a text before opening it (through the service)."""

from __future__ import annotations


def note_on(document, author, words: str, **fields):
    """``author``'s annotation of the first occurrence of ``words`` in ``document``."""
    from apps.annotations import services
    from apps.annotations.services import TextPositionSelector

    start = document.text.index(words)
    return services.annotation_create(
        author=author,
        document=document,
        position=TextPositionSelector(start, start + len(words)),
        **fields,
    )
