"""Recent activity and contributor pages, built from the same per-app discovery modules
as search (``apps/<app>/search_providers.py``):

- ``ACTIVITY = [provider, ...]``: each has ``kinds`` and
  ``recent(*, viewer, filters, limit) -> list[ActivityItem]`` (newest first, only what
  the viewer may see, through the app's selectors) and ``facet_names`` it can filter by.
- ``CONTRIBUTIONS = [provider, ...]``: each has ``title`` and
  ``for_user(*, user, viewer, limit) -> list[ActivityItem]`` for a section of
  ``/users/<username>/`` (the annotations app lists public annotations, the atlas app
  published entries).

- ``PERSONAL_FRAGMENTS = [callable, ...]``: each takes the user of ``/users/<username>/``
  and gives the URL of a private HTML fragment for that page (or ""): the public page
  holds an empty ``data-personal`` slot per URL, the same for every viewer, and
  static/js/site.js fills it for a signed-in viewer; the fragment decides who sees
  what (the coding app: a coder's agreement, to the coder and moderators).

Each provider runs a fixed number of queries (usually one), whatever ``limit`` is. An
optional ``order`` (default 100) places it among the others: lowest first, then in
INSTALLED_APPS order (the sections of a user's page come in this order).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import registry

ACTIVITY_LIMIT = 50


@dataclass
class ActivityItem:
    kind: str  # "source_added", "version_added", later "annotation", "reply", "entry"
    kind_label: str
    title: str
    url: str
    timestamp: datetime
    actor: Any = None  # a User or None
    summary: str = ""
    facets: dict[str, Any] = field(default_factory=dict)


@functools.cache
def _collect(attribute: str) -> tuple:
    found = registry.discovered(attribute)
    return tuple(sorted(found, key=lambda provider: getattr(provider, "order", 100)))


def activity_providers() -> tuple:
    return _collect("ACTIVITY")


def contribution_providers() -> tuple:
    return _collect("CONTRIBUTIONS")


def personal_fragments(*, user) -> list[str]:
    """The private fragment URLs of ``user``'s page (no query: URLs only)."""
    return [url for provider in _collect("PERSONAL_FRAGMENTS") if (url := provider(user))]


def activity_facet_names() -> list[str]:
    names: dict[str, None] = {}
    for provider in activity_providers():
        for name in provider.facet_names:
            names.setdefault(name, None)
    return list(names)


def parse_activity_filters(params, *, viewer) -> dict[str, Any]:
    """Cleaned filters from the query string; unknown values raise
    ``providers.SearchInputError``.
    Parameter names that are not filters are ignored (feed readers add their own)."""
    facets = registry.facets()
    filters = {}
    for name in activity_facet_names():
        value = params.get(name, "").strip()
        if value:
            filters[name] = facets[name].clean(value, viewer=viewer)
    return filters


def recent_activity(
    *, viewer, filters: dict[str, Any], limit: int = ACTIVITY_LIMIT
) -> list[ActivityItem]:
    """The newest ``limit`` items across providers that support every given filter."""
    items: list[ActivityItem] = []
    for provider in activity_providers():
        if set(filters) <= set(provider.facet_names):
            items.extend(provider.recent(viewer=viewer, filters=filters, limit=limit))
    items.sort(key=lambda item: item.timestamp, reverse=True)
    return items[:limit]


def contributions(*, user, viewer, limit: int = 20) -> list[tuple[str, list[ActivityItem]]]:
    return [
        (provider.title, provider.for_user(user=user, viewer=viewer, limit=limit))
        for provider in contribution_providers()
    ]


def describe_filters(filters: dict[str, Any]) -> str:
    facets = registry.facets()
    return ", ".join(f"{facets[name].label}: {value}" for name, value in filters.items())
