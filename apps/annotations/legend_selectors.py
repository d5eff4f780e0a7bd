"""The reader's highlight legend, as the page and its script read it (public: the same
for everyone; ``HighlightLegendEntry`` is a declared model, so the reader's ETag
changes with every edit)."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS

from apps.common.prepared import PreparedQuery

from .models import HighlightLegendEntry

_FIELDS = tuple(field.attname for field in HighlightLegendEntry._meta.concrete_fields)
# Every reader page reads it: compiled once per process (apps/common/prepared.py).
_ENTRIES = PreparedQuery(
    lambda: HighlightLegendEntry.objects.order_by("position", "id").values_list(*_FIELDS),
    plan_once=True,
)


def legend_entries() -> list[HighlightLegendEntry]:
    """Every entry in the order they are tried (one query, at most 50 rows)."""
    return [HighlightLegendEntry.from_db(DEFAULT_DB_ALIAS, _FIELDS, row) for row in _ENTRIES.rows()]


def legend_for_script(entries: list[HighlightLegendEntry]) -> list[list[str]]:
    """``[[match, tag, colour], …]`` for static/js/annotations/store.js ``colourOf``."""
    return [[e.match, e.tag, e.colour] for e in entries]
