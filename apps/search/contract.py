"""The search contract's types (docs/search.md): a validated request, a hit, a facet and
the provider base class. :mod:`apps.search.providers` re-exports them beside
``ModelSearchProvider``, the PostgreSQL implementation most providers subclass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.utils.safestring import SafeString

from . import languages
from .query import ParsedQuery

# A passage hit links to the reader with its words in this parameter; the search app's
# reader extension (apps.py) then marks them on the page.
HIGHLIGHT_PARAM = "highlight"
# One text-search configuration for every vector and query: vectors built with one
# language's stemmer cannot be matched by a query stemmed with another's.
SEARCH_CONFIG = "english"
# Per kind, at most this many matches are ranked, counted and used for facet counts: the
# first COUNT_CAP + 1 the scan finds (unordered, see ModelSearchProvider.sample). Below it
# everything is exact; above it the count is a lower bound ("more than 250") and the
# ranking is that of the sampled matches.
# Ranking every match of a common word reads every matching vector (ts_rank), which
# cost 0.3-1 s per request at 100,000 passages; see docs/benchmarks.md. The sample's cost
# grows with its size (reading, ranking and counting each sampled row): 1,000 put the
# search page at 150-170x the bare view on the full seed_bench corpus, 250 at about 90x,
# with the judged queries' NDCG@10 0.87 at 1,000 and 0.90 at 250 (ADR 0024).
COUNT_CAP = 250


class SearchInputError(Exception):
    """Bad search input. ``field`` names the parameter, ``message`` says what to do."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: parsed query, the viewer (visibility), kind and facet filters
    (cleaned values, keyed by facet name)."""

    query: ParsedQuery
    viewer: Any
    kind: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    # ``cursors.Cursor``: only the hits that sort after it (the API's ``search_after``).
    after: Any = None
    # Per kind, only rows whose primary key is above this (ids grow with time, and an
    # index row shares its row's key): a saved search's alerts look at the rows added
    # since they last looked, all of them, where a plain search samples COUNT_CAP + 1
    # matches in the order the scan finds them, the oldest rows first (saved_searches.py).
    newer_than: dict[str, int] = field(default_factory=dict)

    def lower_bound(self, kind: str) -> int | None:
        """The key the ``kind``'s rows must be above (``newer_than``), or None."""
        return self.newer_than.get(kind)

    def search_text(self) -> str:
        """The text PostgreSQL parses as the query (``websearch_to_tsquery``): the query as
        typed, or, with CJK text, rewritten so each CJK run is the phrase of its bigrams
        (languages.py)."""
        text = self.query.raw
        if languages.has_cjk(text):
            text = " or ".join(
                " ".join(
                    ("-" if term.negated else "")
                    + languages.term_for_websearch(term.text, phrase=term.phrase)
                    for term in alternative
                )
                for alternative in self.query.alternatives
            )
        return text

    def search_query(self, config: str = SEARCH_CONFIG) -> SearchQuery:
        """The query as PostgreSQL parses it with ``config`` (``search_text``)."""
        return SearchQuery(self.search_text(), search_type="websearch", config=config)

    def words_text(self) -> str | None:
        """For a query with a phrase: the same query with every phrase loosened to its
        words (ANDed) and excluded phrases left out. It matches every row the query
        matches (and more), without word positions. None when there is no phrase, or when
        an alternative would be left with nothing (``a or -"b c"``)."""
        alternatives = self.query.alternatives
        if not any(term.phrase for alternative in alternatives for term in alternative):
            return None
        loosened = []
        for alternative in alternatives:
            parts = [
                "-" + languages.term_for_websearch(term.text, phrase=False)
                if term.negated
                else _words(term.text)
                for term in alternative
                if not (term.phrase and term.negated)
            ]
            if not parts:
                return None
            loosened.append(" ".join(parts))
        return " or ".join(loosened)

    def words_query(self, config: str = SEARCH_CONFIG) -> SearchQuery | None:
        """``words_text`` as a query, or None."""
        text = self.words_text()
        if text is None:
            return None
        return SearchQuery(text, search_type="websearch", config=config)

    def excluded_text(self) -> str | None:
        """The excluded ("-word") terms, any of them, or None."""
        excluded = [
            '"' + _words(term.text) + '"'
            for alt in self.query.alternatives
            for term in alt
            if term.negated
        ]
        return " or ".join(excluded) if excluded else None

    def excluded_query(self, config: str = SEARCH_CONFIG) -> SearchQuery | None:
        """Matches rows containing any excluded ("-word") term, or None."""
        text = self.excluded_text()
        if text is None:
            return None
        return SearchQuery(text, search_type="websearch", config=config)

    def near_miss_text(self) -> str:
        """The words a near miss (trigram similarity of titles and names) is measured
        against: the query's positive terms."""
        return " ".join(self.query.positive_terms)


@dataclass
class Hit:
    """One result. ``snippet`` and ``title_html`` are escaped HTML with ``<mark>``s."""

    kind: str
    id: int
    title: str
    snippet: SafeString
    url: str
    score: float
    title_html: SafeString | str = ""
    meta: str = ""
    kind_label: str = ""
    facets: dict[str, Any] = field(default_factory=dict)
    #: The hit's text language when the provider knows it (the page marks it ``lang``).
    language: str = ""
    #: The aligned text in the other language, when the hit is a passage of a translation
    #: (filled by the owning app: sources' PassageProvider): ``Aligned`` or None.
    aligned: Aligned | None = None


@dataclass
class Aligned:
    """The passage(s) a translated passage renders, in the original's language."""

    language: str
    language_label: str
    text: str
    url: str


@dataclass
class KindMatches:
    """What one kind found: the best ``(score, id)`` pairs, the number of matches (up to
    COUNT_CAP + 1), whether that number is exact, and the facet counts asked for."""

    ranked: list[tuple[float, int]]
    total: int
    exact: bool
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


# How many values of each facet a page shows (the most common first).
FACET_VALUES_SHOWN = 10


@dataclass(frozen=True)
class FacetValue:
    value: Any
    label: str
    count: int


class Facet:
    """A filter that several kinds may share (``source``, ``year``, later ``tag``,
    ``country``, ``category``). ``clean`` turns the query-string value into the value
    providers filter by, or raises SearchInputError for a value that does not exist."""

    name: ClassVar[str]
    label: ClassVar[str]
    #: Where the facet comes among the others (error messages, the activity filters):
    #: lowest first, then in INSTALLED_APPS order.
    order: ClassVar[int] = 100

    def clean(self, raw: str, *, viewer) -> Any:
        raise NotImplementedError

    def label_for(self, value: Any, label: Any) -> str:
        """How a value is shown in the facet list (``label`` comes from the provider's
        label path, or is the value itself)."""
        return str(label)

    def labeler(self) -> Callable[[Any, Any], str]:
        """``label_for`` for the many values of one request (a facet that looks something
        up per request, such as the language, does it once here)."""
        return self.label_for


class SearchProvider:
    """Interface every provider implements (``ModelSearchProvider`` does most of it).

    - ``candidates(request, limit)`` -> (``[(score, id), ...]`` best first, total matches
      counted up to ``COUNT_CAP + 1``); ``limit`` 0 means "only count"
    - ``hydrate(ids, request, scores=)`` -> ``{id: Hit}`` for the ids that made the page
      (``scores``: each id's score as ``candidates`` gave it, for the hit)
    - ``facet_counts(request, names)`` -> ``{name: [FacetValue, ...]}`` among the matches
      (one query for all the names, please)
    - ``find(request, limit, facet_names, shown_only)`` -> ``KindMatches``: what the
      search calls;
      by default ``candidates`` then ``facet_counts``, one query in ModelSearchProvider
    Visibility is the provider's job and must come from the owning app's selectors.
    """

    kind: ClassVar[str]
    label: ClassVar[str]  # plural, shown on the kind filter
    singular_label: ClassVar[str]  # shown on each hit
    # Facet names this kind can be filtered by. A search filtered by a facet a kind does
    # not have leaves that kind out (entries have no passage, annotations no category).
    facet_names: ClassVar[tuple[str, ...]] = ()
    order: ClassVar[int] = 100
    #: Text fields whose words (of rows anonymous visitors may see) make the "did you
    #: mean" vocabulary (spelling.py).
    vocabulary_fields: ClassVar[tuple[str, ...]] = ()

    def candidates(
        self, request: SearchRequest, *, limit: int
    ) -> tuple[list[tuple[float, int]], int]:
        raise NotImplementedError

    def newest_id(self) -> int | None:
        """The highest primary key of this kind's rows (visible or not; 0 when there are
        none), or None when the provider does not honour ``SearchRequest.newer_than``."""
        return None

    def newest_match(self, request: SearchRequest, *, nth: int) -> int | None:
        """The key of the ``nth`` newest match ``request.viewer`` may see, 0 when fewer
        match, or None when the provider does not honour ``newer_than``."""
        return None

    def hydrate(
        self, ids: list[int], request: SearchRequest, *, scores: dict[int, float] | None = None
    ) -> dict[int, Hit]:
        raise NotImplementedError

    def facet_counts(self, request: SearchRequest, names) -> dict[str, list[FacetValue]]:
        return {}

    def find(
        self, request: SearchRequest, *, limit: int, facet_names=(), shown_only=frozenset()
    ) -> KindMatches:
        """``candidates`` and ``facet_counts`` together (ModelSearchProvider answers both
        from one query). ``shown_only``: facet names no other kind counts, of which the
        caller shows the FACET_VALUES_SHOWN values with the highest counts (ties: the
        lowest ``str`` of the label): a provider may return just those, and every value
        tied with them."""
        rows, total = self.candidates(request, limit=limit)
        facets = self.facet_counts(request, facet_names) if facet_names else {}
        return KindMatches(rows, total, total <= COUNT_CAP, facets)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _words(text: str) -> str:
    """A term's words for a loosened (AND) or excluded query: CJK runs as bigrams."""
    return " ".join(languages.split_cjk(text).split())
