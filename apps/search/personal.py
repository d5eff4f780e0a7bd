"""The search page's private part. The page is the same for every viewer (a public page,
cached by HTTP), so what only the viewer may find (their own notes that are not public,
their reading groups' notes: ``registry.personal_providers``) comes from a private
fragment the page's ``data-personal`` slot loads for a signed-in viewer
(``views.search_personal``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import registry
from .contract import Hit, SearchRequest

PERSONAL_LIMIT = 20


@dataclass
class PersonalResults:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    exact: bool = True


def search_personal(*, request: SearchRequest, limit: int = PERSONAL_LIMIT) -> PersonalResults:
    """The best ``limit`` of what the viewer alone (or with their groups) finds for
    ``request``, and how many there are. Nothing for an anonymous viewer or a query
    without words. Two queries per personal provider the request's kind and filters
    allow: find, then build the hits shown."""
    results = PersonalResults()
    viewer = request.viewer
    if viewer is None or not viewer.is_authenticated or not request.query.is_searchable:
        return results
    for provider in registry.personal_providers():
        if request.kind and request.kind != provider.kind:
            continue
        if not set(request.filters) <= set(provider.facet_names):
            continue
        found = provider.find(request, limit=limit)
        scores = {pk: score for score, pk in found.ranked}
        by_id = provider.hydrate(list(scores), request, scores=scores)
        results.hits += [by_id[pk] for _score, pk in found.ranked if pk in by_id]
        results.total += found.total
        results.exact = results.exact and found.exact
    return results
