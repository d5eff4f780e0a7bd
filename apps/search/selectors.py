"""Reads for search. ``search`` asks every provider that can answer, merges their hits
by score and pages through them; visibility is each provider's (its app's selectors)."""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.common import http_cache

from . import cursors, registry, spelling
from .contract import FACET_VALUES_SHOWN
from .providers import (
    COUNT_CAP,
    FacetValue,
    Hit,
    SearchInputError,
    SearchRequest,
)
from .query import MAX_QUERY_LENGTH, parse_query

# Deep pages cost as much as all the pages before them (each kind's best hits are merged),
# so browsing stops here; narrowing the search is the better tool anyway.
MAX_RESULTS_WINDOW = 1000
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
RESERVED_PARAMS = frozenset({"q", "kind", "page", "page_size", "format", "search_after"})
logger = logging.getLogger(__name__)


@dataclass
class SearchResults:
    request: SearchRequest | None
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    counts_by_kind: dict[str, int] = field(default_factory=dict)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # Set when there was nothing to search for: says what to type instead.
    message: str = ""
    # The ``search_after`` value for the hits after this page (None: there are none).
    next_cursor: str | None = None
    # The query with near-miss words replaced (spelling.py), or "".
    did_you_mean: str = ""

    # False when some kind had more than COUNT_CAP matches (or more than a phrase's
    # bounded sample held): ``total`` is then a lower bound ("more than …").
    count_is_exact: bool = True
    # Kinds whose count is a lower bound.
    inexact_kinds: set[str] = field(default_factory=set)

    @property
    def count_cap(self) -> int:
        return COUNT_CAP

    @property
    def num_pages(self) -> int:
        reachable = min(self.total, MAX_RESULTS_WINDOW)
        return max(1, -(-reachable // self.page_size))


def parse_search_params(
    params: QueryDict, *, viewer, strict: bool
) -> tuple[SearchRequest, int, int]:
    """Validate query-string parameters into (request, page, page size).

    Raises SearchInputError for a query over MAX_QUERY_LENGTH characters, an unknown
    kind, a facet value that does not exist, or a bad page. With ``strict`` (the API) an
    unknown parameter name is an error too, so a typo is not silently ignored.
    """
    raw = params.get("q", "")
    if len(raw) > MAX_QUERY_LENGTH:
        raise SearchInputError(
            "q",
            _(
                "Search queries can be at most %(max)s characters long; this one has "
                "%(length)s. Use a few distinctive words or a short phrase in quotes."
            )
            % {"max": f"{MAX_QUERY_LENGTH:,}", "length": f"{len(raw):,}"},
        )
    kinds = registry.providers()
    kind = params.get("kind", "").strip()
    if kind in ("all",):
        kind = ""
    if kind and kind not in kinds:
        raise SearchInputError(
            "kind",
            _("Unknown kind “%(kind)s”. Choose one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(kinds)},
        )
    known_facets = registry.facets()
    filters = {}
    for name in params:
        if name in RESERVED_PARAMS:
            continue
        if name not in known_facets:
            if strict:
                raise SearchInputError(
                    name,
                    _("Unknown filter “%(name)s”. Known filters: %(names)s.")
                    % {"name": name, "names": ", ".join(["kind", *known_facets])},
                )
            continue
        value = params.get(name, "").strip()
        if value:
            filters[name] = known_facets[name].clean(value, viewer=viewer)
    page = _positive_int(params, "page", 1, strict=strict)
    page_size = _positive_int(params, "page_size", DEFAULT_PAGE_SIZE, strict=strict)
    if page_size > MAX_PAGE_SIZE:
        if strict:
            raise SearchInputError(
                "page_size", _("page_size can be at most %(max)s.") % {"max": MAX_PAGE_SIZE}
            )
        page_size = MAX_PAGE_SIZE
    if page * page_size > MAX_RESULTS_WINDOW:
        if strict:
            raise SearchInputError(
                "page",
                _(
                    "Only the first %(max)s results can be paged through. Add words or "
                    "filters to narrow the search."
                )
                % {"max": f"{MAX_RESULTS_WINDOW:,}"},
            )
        page = max(1, MAX_RESULTS_WINDOW // page_size)
    after = None
    if params.get("search_after", ""):
        if params.get("page", ""):
            raise SearchInputError("search_after", _("Use either page or search_after, not both."))
        try:
            after = cursors.decode(params["search_after"], kinds=kinds)
        except cursors.CursorError:
            raise SearchInputError(
                "search_after",
                _(
                    "This search_after value is not one the search gave out. Use the "
                    "next_search_after of the previous response as it is."
                ),
            ) from None
    request = SearchRequest(
        query=parse_query(raw), viewer=viewer, kind=kind, filters=filters, after=after
    )
    return request, page, page_size


def _positive_int(params: QueryDict, name: str, default: int, *, strict: bool) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        if strict:
            raise SearchInputError(
                name, _("%(name)s must be a whole number from 1.") % {"name": name}
            )
        return default
    return value


def search(
    *, request: SearchRequest, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE,
    with_facets: bool = False,
) -> SearchResults:  # fmt: skip
    """One page of hits across every kind the request allows, best first.

    Runs a fixed number of queries: per eligible kind one to find, count and (with
    ``with_facets``) facet-count matches, and one to build the page's hits of that kind.
    On PostgreSQL they are written for the planner settings of planner.py, which every
    connection has from its start.
    """
    results = SearchResults(request=request, page=page, page_size=page_size)
    return _search(request=request, results=results, with_facets=with_facets)


def _search(*, request: SearchRequest, results: SearchResults, with_facets: bool):
    page, page_size = results.page, results.page_size
    if not request.query.raw:
        results.message = _(
            "Type a few words to search sources, passages, annotations and atlas entries. "
            "Put a phrase in quotes, "
            "use OR for either word, and -word to leave a word out."
        )
        return results
    if not request.query.is_searchable:
        results.message = _("Your search only leaves words out. Add at least one word to look for.")
        return results

    eligible = {
        kind: provider
        for kind, provider in registry.providers().items()
        if set(request.filters) <= set(provider.facet_names)
    }
    after = request.after
    # After a cursor every ranked hit of a kind may come next (at most COUNT_CAP + 1).
    limit = page * page_size if after is None else COUNT_CAP + 1
    positions = {kind: n for n, kind in enumerate(registry.providers())}
    merged: list[tuple[float, int, str, int]] = []
    facet_counts: dict[str, dict] = defaultdict(dict)
    # One key for reading and keeping the counts: the versions as they were before the
    # search read anything (a write during it then leaves them under the older versions).
    facet_key = _facet_cache_key_or_none(request) if with_facets else None
    cached_facets = _cached_facets(facet_key)
    count_facets = with_facets and cached_facets is None
    # A facet only one counted kind has is shown as that kind counted it: the kind need
    # only send the values that can be shown (facet_sql.py).
    counted_by = defaultdict(int)
    for kind, provider in eligible.items():
        if not request.kind or request.kind == kind:
            for name in provider.facet_names:
                counted_by[name] += 1
    shown_only = frozenset(name for name, kinds in counted_by.items() if kinds == 1)
    for kind, provider in eligible.items():
        position = positions[kind]
        wanted = not request.kind or request.kind == kind
        found = provider.find(
            request,
            limit=limit if wanted else 0,
            facet_names=provider.facet_names if count_facets and wanted else (),
            shown_only=shown_only,
        )
        results.counts_by_kind[kind] = found.total
        if not found.exact:
            results.inexact_kinds.add(kind)
        if wanted:
            # Beyond the cap (or the bound of a phrase's sample) a kind's count is a
            # lower bound, shown as "more than …".
            results.total += min(found.total, COUNT_CAP)
            results.count_is_exact &= found.exact
            merged.extend((score, position, kind, pk) for score, pk in found.ranked)
            # [label, count] per value (the last kind's label): a FacetValue is made only
            # for the values shown, of some 700 counted on a page.
            for name, values in found.facets.items():
                counts = facet_counts[name]
                for value in values:
                    seen = counts.get(value.value)
                    if seen is None:
                        counts[value.value] = [value.label, value.count]
                    else:
                        seen[0] = value.label
                        seen[1] += value.count
    # Equal scores: kinds in display order, then the newest first (ids grow with time,
    # so this is a recency tie-break without reading any dates).
    merged.sort(key=lambda row: (-row[0], row[1], -row[3]))
    if after is not None:
        after_key = after.sort_key(positions)
        merged = [row for row in merged if (-row[0], row[1], -row[3]) > after_key]
        chosen, more = merged[:page_size], len(merged) > page_size
    else:
        chosen = merged[(page - 1) * page_size : page * page_size]
        more = len(merged) > page * page_size or (
            len(chosen) == page_size and results.total > page * page_size
        )
    if chosen and more:
        score, _position, kind, pk = chosen[-1]
        results.next_cursor = cursors.Cursor(score, kind, pk).encode()

    # The hits carry the scores they were ranked by: no kind matches and ranks its shown
    # rows a second time.
    scores_by_kind: dict[str, dict[int, float]] = defaultdict(dict)
    for score, _position, kind, pk in chosen:
        scores_by_kind[kind][pk] = score
    hydrated = {
        kind: eligible[kind].hydrate(list(scores), request, scores=scores)
        for kind, scores in scores_by_kind.items()
    }
    # A row can vanish between the two queries (deleted, hidden): it is skipped.
    results.hits = [
        hydrated[kind][pk] for _score, _position, kind, pk in chosen if pk in hydrated[kind]
    ]

    if results.total < spelling.CHECK_BELOW and page == 1 and after is None:
        results.did_you_mean = spelling.did_you_mean(request.query)

    if cached_facets is not None:
        results.facets = cached_facets
    elif with_facets:
        results.facets = {
            name: [
                FacetValue(value, label, count)
                for value, (label, count) in heapq.nsmallest(
                    FACET_VALUES_SHOWN,
                    values.items(),
                    key=lambda item: (-item[1][1], str(item[1][0])),
                )
            ]
            for name, values in facet_counts.items()
            if values
        }
        _cache_facets(facet_key, results.facets)
    return results


# What search results and facets read (by label: search sits below the apps whose content
# it shows): the index tables, and the content and moderation rows they are joined with.
SEARCH_DEPENDS_ON = (
    "search.SourceSearchIndex",
    "search.PassageSearchIndex",
    "search.AnnotationSearchIndex",
    "search.ExampleSearchIndex",
    "search.SearchTerm",
    "sources.Source",
    "sources.Document",
    "sources.Passage",
    "sources.Translation",
    "sources.AlignedPair",
    "annotations.Annotation",
    "annotations.AnnotationAnchor",
    "atlas.Example",
    "atlas.Category",
    "atlas.Evidence",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
    "contenttypes.ContentType",
)
# A signed-in viewer's counts also follow their roles (moderators see more).
ROLE_DEPENDS_ON = ("auth.Group", "moderation.ModeratorScope")


def _facet_cache_seconds() -> int:
    """Facet counts of a (query, kind, filters, viewer) are kept in the cache, keyed by
    the versions of what is searched (``apps.common.http_cache``): any change to it starts
    afresh, and paging through results or coming back to them skips reading the facet
    values with the sample. They live as long as a public page's body in the page cache
    (``HTTP_CACHE_BODY_SECONDS``; 0 turns both off)."""
    return getattr(settings, "HTTP_CACHE_BODY_SECONDS", 60)


def _facet_cache_key(request: SearchRequest) -> str | None:
    if not _facet_cache_seconds() or request.newer_than:
        return None  # a bounded search (alerts) counts other rows than the page
    # Counts follow the viewer's visibility (own private annotations, own drafts,
    # moderators). Only what every visitor sees is shared: the search page is a public
    # page (apps/common/public.py); a signed-in API caller's counts are not cached.
    if getattr(request.viewer, "is_authenticated", False):
        return None
    public, who = http_cache.versions(SEARCH_DEPENDS_ON), "anonymous"
    what = json.dumps(
        [request.query.raw, request.kind, sorted((k, str(v)) for k, v in request.filters.items())]
    )
    digest = hashlib.sha1(f"{public}\n{what}".encode()).hexdigest()
    return f"search-facets:{get_language()}:{who}:{digest}"


def _facet_cache_key_or_none(request: SearchRequest) -> str | None:
    try:
        return _facet_cache_key(request)
    except Exception:  # noqa: BLE001 - a cache outage degrades to counting every time
        logger.warning("Cache unreachable; counting search facets", exc_info=True)
        return None


def _cached_facets(key: str | None) -> dict[str, list[FacetValue]] | None:
    try:
        kept = cache.get(key) if key else None
    except Exception:  # noqa: BLE001 - a cache outage degrades to counting every time
        logger.warning("Cache unreachable; counting search facets", exc_info=True)
        return None
    if kept is None:
        return None
    return {name: [FacetValue(*value) for value in values] for name, values in kept.items()}


def _cache_facets(key: str | None, facets: dict[str, list[FacetValue]]) -> None:
    if not key:
        return
    # Kept as tuples: pickling the dataclasses took six times as long (45 µs a page).
    kept = {
        name: [(value.value, value.label, value.count) for value in values]
        for name, values in facets.items()
    }
    try:
        cache.set(key, kept, _facet_cache_seconds())
    except Exception:  # noqa: BLE001
        logger.warning("Cache unreachable; search facets not kept", exc_info=True)


def contributor_get(*, username: str):
    """An active user's public profile, or 404. Only public fields are shown."""
    from django.contrib.auth import get_user_model
    from django.shortcuts import get_object_or_404

    return get_object_or_404(get_user_model(), username=username, is_active=True)
