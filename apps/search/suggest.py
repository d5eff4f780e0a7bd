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
(few) row by row; tags through ``TagUsage``'s prefix index; countries in Python.

A suggester that reads the database may also offer ``rows(words, *, text) -> (queryset,
label, key)`` (best first, unsliced; label and key field names or text expressions) and ``from_rows([(label, key), ...]) ->
list[Suggestion]``: on PostgreSQL ``suggest`` then asks all of them in **one** query (a
``UNION ALL`` of their ``LIMIT``-ed parts) instead of one query and cache read each; the
payload is the same for everyone, so its cost is a round trip, not the work.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.db import connection
from django.db.models import F, IntegerField, TextField, Value
from django.db.models.functions import Cast
from django.utils.module_loading import module_has_submodule

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
    found = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, registry.MODULE_NAME):
            module = import_module(f"{config.name}.{registry.MODULE_NAME}")
            found.extend(getattr(module, "SUGGESTERS", ()))
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
    per_kind = _per_kind(words, text=text, limit=limit)
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


def _per_kind(words: list[str], *, text: str, limit: int) -> list[list[Suggestion]]:
    """Each suggester's suggestions, best first, in the suggesters' order."""
    together = connection.vendor == "postgresql"  # SQLite: no LIMIT inside a UNION
    found: list[list[Suggestion]] = []
    parts = []
    for suggester in suggesters():
        if together and hasattr(suggester, "rows"):
            queryset, label, key = suggester.rows(words, text=text)
            part = len(parts)
            parts.append(
                (
                    len(found),
                    suggester,
                    queryset.annotate(
                        suggest_part=Value(part, output_field=IntegerField()),
                        suggest_label=Cast(_expression(label), TextField()),
                        suggest_key=Cast(_expression(key), TextField()),
                    ).values_list("suggest_part", "suggest_label", "suggest_key")[:limit],
                )
            )
            found.append([])
        else:
            found.append(list(suggester.suggest(words, text=text, limit=limit)))
    if parts:
        first, *rest = [queryset for _index, _suggester, queryset in parts]
        rows: list[list[tuple[str, str]]] = [[] for _ in parts]
        # UNION ALL runs its parts one after the other, so each part's rows arrive in its
        # own (ORDER BY … LIMIT) order.
        for part, label, key in first.union(*rest, all=True) if rest else first:
            rows[part].append((label, key))
        for part, (index, suggester, _queryset) in enumerate(parts):
            found[index] = list(suggester.from_rows(rows[part]))
    return found


def _expression(field_or_expression):
    return F(field_or_expression) if isinstance(field_or_expression, str) else field_or_expression
