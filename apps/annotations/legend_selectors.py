"""The reader's highlight legend, as the page and its script read it (public: the same
for everyone; ``HighlightLegendEntry`` is a declared model, so the reader's ETag
changes with every edit)."""

from __future__ import annotations

from .models import HighlightLegendEntry


def legend_entries() -> list[HighlightLegendEntry]:
    """Every entry in the order they are tried (one query, at most 50 rows)."""
    return list(HighlightLegendEntry.objects.order_by("position", "id"))


def legend_for_script(entries: list[HighlightLegendEntry]) -> list[list[str]]:
    """``[[match, tag, colour], …]`` for static/js/annotations/store.js ``colourOf``."""
    return [[e.match, e.tag, e.colour] for e in entries]
