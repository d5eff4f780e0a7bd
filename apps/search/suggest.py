"""Suggestions as you type in the header's search box (issue 18).

An app offers suggestions by listing ``SUGGESTERS`` in its ``search_providers`` module
(collected like ``PROVIDERS``, see registry.py). A suggester has ``kind``, ``label``,
``order`` and ``suggest(words, *, text, limit) -> list[Suggestion]``: what *everyone* may see
(the endpoint is a public, cached payload, the same bytes for every viewer), best first.
``words`` is the typed text split into words, the last one possibly unfinished; ``text``
the typed text with its spaces collapsed.

``suggest`` merges them: at most ``SUGGESTIONS_SHOWN`` in all, round-robin over the kinds in
their order, so one kind with many matches (entry titles) does not crowd out the others.

Entries' titles are matched through a prefix index (search migration 0003); sources
(few) row by row; tags from a cached vocabulary; countries in Python.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from . import registry

SUGGESTIONS_SHOWN = 8
MIN_PREFIX = 2
MAX_SUGGEST_LENGTH = 100
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Suggestion:
    kind: str
    kind_label: str
    label: str
    url: str


@functools.cache
def suggesters() -> tuple:
    found = registry.discovered("SUGGESTERS")
    return tuple(sorted(found, key=lambda suggester: getattr(suggester, "order", 100)))


def words_of(text: str) -> list[str]:
    """The typed text as lower-case words (letters and digits; everything else splits)."""
    return [word.lower() for word in _WORD.findall(text)]


def suggest(text: str, *, limit: int = SUGGESTIONS_SHOWN) -> list[Suggestion]:
    """Up to ``limit`` suggestions for the typed ``text``; none below MIN_PREFIX letters."""
    text = " ".join(text[:MAX_SUGGEST_LENGTH].split())
    words = words_of(text)
    if not words or sum(len(word) for word in words) < MIN_PREFIX:
        return []
    per_kind = [
        list(suggester.suggest(words, text=text, limit=limit)) for suggester in suggesters()
    ]
    merged: list[Suggestion] = []
    seen: set[tuple[str, str]] = set()
    while len(merged) < limit and any(per_kind):
        for found in per_kind:
            if found and len(merged) < limit:
                suggestion = found.pop(0)
                if (suggestion.kind, suggestion.label) not in seen:
                    seen.add((suggestion.kind, suggestion.label))
                    merged.append(suggestion)
    return merged
