"""The provider interface: how an app makes its things searchable.

An app exposes providers and facets in a module ``apps/<app>/search_providers.py``::

    PROVIDERS = [AnnotationProvider()]
    FACETS = [TagFacet()]

``registry.py`` collects them from every installed app. A provider answers for one
*kind* of result ("source", "passage", "annotation", "entry"); docs/search.md explains
the contract. Most providers subclass ``ModelSearchProvider``, which does the PostgreSQL
full-text search (stored vector, ``websearch_to_tsquery``, ``ts_rank``, ``ts_headline``,
optional trigram similarity) and the SQLite ``icontains`` fallback, and only need to say
which rows the viewer may see (through the owning app's selector), where the vector is
and how to turn a row into a ``Hit``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils.safestring import SafeString

from apps.common.markdown import markdown_to_text

from . import languages, snippets
from .query import ParsedQuery

# A passage hit links to the reader with its words in this parameter; the search app's
# reader extension (apps.py) then marks them on the page.
HIGHLIGHT_PARAM = "highlight"
# One text-search configuration for every vector and query: vectors built with one
# language's stemmer cannot be matched by a query stemmed with another's.
SEARCH_CONFIG = "english"
# word_similarity() above this counts as a near miss of a title or a name.
TRIGRAM_THRESHOLD = 0.5
# Per kind, at most this many matches are ranked, counted and used for facet counts: the
# first COUNT_CAP + 1 the scan finds (unordered, see ModelSearchProvider.sample). Below it
# everything is exact; above it the count is a lower bound ("more than 1,000") and the
# ranking is that of the sampled matches.
# Ranking every match of a common word reads every matching vector (ts_rank), which
# cost 0.3-1 s per request at 100,000 passages; see docs/benchmarks.md.
COUNT_CAP = 1_000
# A query with a phrase first takes this many times COUNT_CAP + 1 rows that contain all
# the phrase's words (the GIN index answers that without positions), then checks the
# word positions on those rows only. Matching the phrase directly made PostgreSQL check
# positions on 12,000-26,000 rows when the words are common and the phrase is not
# (docs/benchmarks.md). Beyond that bound the count is a lower bound ("more than …").
PHRASE_SAMPLE_FACTOR = 2
# Ranking (see _rank): ts_rank_cd, which rewards the query's words standing close
# together (phrase proximity), with no length normalization. Measured on the judged
# queries (bench/search_judgements.yaml, full seed_bench corpus): NDCG@10 0.84 with
# ts_rank, 0.86 with ts_rank_cd; dividing by 1 + log(length) (normalization 1) lowered
# both (0.80, 0.83): long passages that use the words in context are good answers too.
COVER_DENSITY = True
RANK_NORMALIZATION = 0
# Near misses rank below any real full-text match in a title (ts_rank of an 'A' hit ≈ 0.6).
TRIGRAM_WEIGHT = 0.3


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

    def search_query(self, config: str = SEARCH_CONFIG) -> SearchQuery:
        """The query as PostgreSQL parses it with ``config`` (a query with CJK text is
        rewritten so each CJK run is the phrase of its bigrams: languages.py)."""
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
        return SearchQuery(text, search_type="websearch", config=config)

    def words_query(self, config: str = SEARCH_CONFIG) -> SearchQuery | None:
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
        return SearchQuery(" or ".join(loosened), search_type="websearch", config=config)

    def excluded_query(self, config: str = SEARCH_CONFIG) -> SearchQuery | None:
        """Matches rows containing any excluded ("-word") term, or None."""
        excluded = [
            '"' + _words(term.text) + '"'
            for alt in self.query.alternatives
            for term in alt
            if term.negated
        ]
        if not excluded:
            return None
        return SearchQuery(" or ".join(excluded), search_type="websearch", config=config)


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


class SearchProvider:
    """Interface every provider implements (``ModelSearchProvider`` does most of it).

    - ``candidates(request, limit)`` -> (``[(score, id), ...]`` best first, total matches
      counted up to ``COUNT_CAP + 1``); ``limit`` 0 means "only count"
    - ``hydrate(ids, request)`` -> ``{id: Hit}`` for the ids that made the page
    - ``facet_counts(request, names)`` -> ``{name: [FacetValue, ...]}`` among the matches
      (one query for all the names, please)
    - ``find(request, limit, facet_names)`` -> ``KindMatches``: what the search calls;
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

    def hydrate(self, ids: list[int], request: SearchRequest) -> dict[int, Hit]:
        raise NotImplementedError

    def facet_counts(self, request: SearchRequest, names) -> dict[str, list[FacetValue]]:
        return {}

    def find(self, request: SearchRequest, *, limit: int, facet_names=()) -> KindMatches:
        """``candidates`` and ``facet_counts`` together (ModelSearchProvider answers both
        from one query)."""
        rows, total = self.candidates(request, limit=limit)
        facets = self.facet_counts(request, facet_names) if facet_names else {}
        return KindMatches(rows, total, total <= COUNT_CAP, facets)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class ModelSearchProvider(SearchProvider):
    """Full-text search over one model.

    Subclasses set:
    - ``vector_path``: lookup path to a stored, GIN-indexed ``SearchVectorField``
      (written by the owning app's services; see docs/search.md).
    - ``fallback_fields``: ``{field path: score}`` searched with ``icontains`` on SQLite;
      the score of the best matching field ranks the row (titles higher than bodies).
    - ``headline_field``: the text the snippet is cut from.
    - ``trigram_fields``: short texts (titles, names) matched by similarity on
      PostgreSQL so near-miss spellings still find them. Optional.
    - ``facet_fields``: ``{facet name: (value path, label path or None)}``.
    and implement ``visible_queryset(request)`` (from the owning app's selector),
    ``hydrate_queryset(request)`` and ``build_hit(obj, *, snippet, words, score)``.
    """

    vector_path: ClassVar[str]
    fallback_fields: ClassVar[dict[str, float]]
    headline_field: ClassVar[str]
    #: The headline field holds user Markdown: snippets show its words, not its syntax.
    headline_is_markdown: ClassVar[bool] = False
    trigram_fields: ClassVar[tuple[str, ...]] = ()
    facet_fields: ClassVar[dict[str, tuple[str, str | None]]] = {}
    #: The index table keeps each row's language beside its vector (``language``), and
    #: each row is matched in its own language (languages.py).
    multilingual: ClassVar[bool] = False
    #: The facet paths (``facet_fields``) resolve on the index table too, through its
    #: copies of the row's relations: with ``index_visibility``, a page counting its
    #: facets then reads the index table (and the small tables they name) alone.
    facet_paths_on_index: ClassVar[bool] = False

    @property
    def facet_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.facet_fields)

    # --- to implement -------------------------------------------------------------

    def visible_queryset(self, request: SearchRequest) -> QuerySet:
        raise NotImplementedError

    def hydrate_queryset(self, request: SearchRequest) -> QuerySet:
        return self.visible_queryset(request)

    def build_hit(self, obj, *, snippet: SafeString, words: list[str], score: float) -> Hit:
        raise NotImplementedError

    # --- shared machinery -------------------------------------------------------------

    @property
    def _prefix(self) -> str:
        """The lookup path to the index row (``search_index__``), ending in ``__``."""
        return self.vector_path.removesuffix("vector")

    def _query(self, request: SearchRequest, which: str, config: str = SEARCH_CONFIG):
        return {
            "search": request.search_query,
            "words": request.words_query,
            "excluded": request.excluded_query,
        }[which](config=config)

    def _matches(self, request: SearchRequest, *, prefix: str, which: str = "search") -> Q:
        """The full-text condition: the vector at ``prefix`` matches the query (each row in
        its own language when the provider is multilingual; see languages.py)."""
        condition = Q(**{f"{prefix}vector": self._query(request, which)})
        if not self.multilingual:
            return condition
        others = languages.LANGUAGE_CONFIGS
        condition &= ~Q(**{f"{prefix}language__in": list(others)})
        for code, config in others.items():
            condition |= Q(
                **{
                    f"{prefix}language": code,
                    f"{prefix}vector": self._query(request, which, config),
                }
            )
        return condition

    def _query_expression(self, request: SearchRequest, *, prefix: str):
        """The query a row is ranked and highlighted with: its language's."""
        if not self.multilingual:
            return request.search_query()
        from django.contrib.postgres.search import SearchQueryField

        return Case(
            *[
                When(Q(**{f"{prefix}language": code}), then=request.search_query(config))
                for code, config in languages.LANGUAGE_CONFIGS.items()
            ],
            default=request.search_query(),
            output_field=SearchQueryField(),
        )

    def _config_expression(self, *, prefix: str):
        if not self.multilingual:
            return SEARCH_CONFIG
        return Case(
            *[
                When(Q(**{f"{prefix}language": code}), then=Value(config))
                for code, config in languages.LANGUAGE_CONFIGS.items()
            ],
            default=Value(SEARCH_CONFIG),
            output_field=_text_field(),
        )

    def filtered_queryset(self, request: SearchRequest) -> QuerySet:
        """Visible rows narrowed by the request's facet filters (a provider whose facet
        is not a plain field, such as a list of tags, overrides this)."""
        qs = self.visible_queryset(request)
        for name, value in request.filters.items():
            qs = qs.filter(**{self.facet_fields[name][0]: value})
        return qs

    def sample(
        self, request: SearchRequest, *, paths: tuple[str, ...] = ()
    ) -> tuple[list[tuple], bool]:
        """At most COUNT_CAP + 1 matches as ``(score, pk, *paths)`` rows, in one query,
        and whether they are all the matches there are (or COUNT_CAP + 1 of them).
        Ranking, counting and facet counts all work on it, so they agree with each other
        and cost about the same for a word in every row as for a word in a thousand.

        The score is computed in the same scan, for the sampled rows only: joining the
        sample back to the table to rank it read every sampled row a second time (see
        docs/benchmarks.md). Facet values come with it (``paths``: single-valued paths,
        foreign keys or a JSON list), so the page's facet counts need no query of their
        own.

        Unordered on purpose: ``ORDER BY pk`` would make PostgreSQL either walk the
        primary key testing every row's vector, or fetch every match to sort it; both
        were 2-5x slower for words in 2-10 % of rows (docs/benchmarks.md). Which rows
        make the sample of a very common query is therefore up to the plan."""
        words = request.words_query() if is_postgres() and not self.trigram_fields else None
        if self._uses_candidates(request):
            found = self._candidate_sample(request, words, paths)
            if found is not None:
                return found
        if words is not None:
            return self._phrase_sample(request, words, paths)
        rows = list(
            self.matching(request).order_by().values_list("score", "pk", *paths)[: COUNT_CAP + 1]
        )
        return rows, True

    def _uses_candidates(self, request: SearchRequest) -> bool:
        """Whether the sample starts from the index table (``_candidate_sample``): on
        PostgreSQL, without filters (a filter can be far more selective than the words,
        so it goes first) and without near misses (sources: a few hundred rows)."""
        return is_postgres() and not self.trigram_fields and not request.filters

    def index_visibility(self, request: SearchRequest) -> Q | None:
        """A condition on the index table's own columns that holds exactly for the rows
        ``request.viewer`` may see (from the owning app's selectors), or None. With it, an
        unfiltered sample without facet values needs no probe per candidate."""
        return None

    def _index_model(self, queryset: QuerySet):
        """The side table that holds the stored vector (``search.<Kind>SearchIndex``)."""
        relation = self.vector_path.split("__")[0]
        return queryset.model._meta.get_field(relation).related_model

    def _candidate_sample(
        self, request: SearchRequest, words: SearchQuery | None, paths: tuple[str, ...]
    ) -> tuple[list[tuple], bool] | None:
        """The sample of an unfiltered query (PostgreSQL), taken from the index table
        alone: up to ``bound`` matching rows of the GIN index, ranked in that same scan,
        then each one's visibility checked by primary key (one probe per candidate).
        Joining the visibility rules first let PostgreSQL misjudge them and
        hash every passage or annotation (20-45 ms per kind on the full seed_bench corpus;
        docs/search.md). With a phrase, the candidates are the rows with its words
        (``words``) and the phrase is checked on those only, as in ``_phrase_sample``.

        Invisible candidates are dropped: a candidate set that reached its bound gives a
        lower bound for the count, never a count that includes what the viewer may not
        see. Facet values are read afterwards for the visible candidates (``paths``).
        None when most candidates are invisible to the viewer: the caller then applies
        the visibility rules first."""
        from django.db.models.expressions import RawSQL

        bound = (PHRASE_SAMPLE_FACTOR if words is not None else 1) * (COUNT_CAP + 1)
        filtered = self.filtered_queryset(request).order_by()
        index_model = self._index_model(filtered)
        key = index_model._meta.pk.attname
        vector = F("vector")
        rank = _rank(vector, self._query_expression(request, prefix=""))
        if words is None:
            score = rank
            matching = self._matches(request, prefix="")
        else:
            score = Case(
                When(self._matches(request, prefix=""), then=rank),
                default=None,
                output_field=FloatField(),
            )
            matching = self._matches(request, prefix="", which="words")
        on_index = not paths or self.facet_paths_on_index
        visibility = self.index_visibility(request) if on_index else None
        if visibility is not None:
            # Visibility is a column test on the index row (one hashed set, not a probe per
            # candidate: 85 % of a kind's query on the full corpus, docs/benchmarks.md),
            # and so are the facet values (through the row's copies of its relations).
            found = list(
                index_model.objects.filter(matching)
                .filter(visibility)
                .order_by()
                .annotate(score=score)
                .values_list("score", key, *paths)[:bound]
            )
            rows = [row for row in found if row[0] is not None]
            complete = len(found) < bound or len(rows) > COUNT_CAP
            return rows[: COUNT_CAP + 1], complete
        # Raw SQL for the one shape the ORM cannot say: a LATERAL probe per candidate.
        # Written as EXISTS (or IN), PostgreSQL may hash the whole visible set instead
        # (every passage of every current version: 50-90 ms) because it plans for every
        # match, not for the LIMIT-ed few.
        found_sql, found_params = (
            index_model.objects.filter(matching)
            .order_by()
            .annotate(score=score)
            .values_list("score", key)[:bound]
            .query.sql_with_params()
        )
        # The facet values (``paths``) come with each candidate's probe: the page's facet
        # counts cost no query of their own.
        visible_sql, visible_params = (
            filtered.filter(pk=RawSQL("candidate.id", ())).values_list("pk", *paths)
        ).query.sql_with_params()
        columns = ", ".join(["id", *(f"facet_{n}" for n in range(len(paths)))])
        facet_columns = "".join(f", visible.facet_{n}" for n in range(len(paths)))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT candidate.score, candidate.id, visible.id IS NOT NULL{facet_columns}"  # noqa: S608
                f" FROM ({found_sql}) AS candidate(score, id)"
                f" LEFT JOIN LATERAL ({visible_sql} LIMIT 1) AS visible({columns}) ON true",
                (*found_params, *visible_params),
            )
            candidates = cursor.fetchall()
        complete = len(candidates) < bound
        if not complete and sum(row[2] for row in candidates) < bound // 2:
            # Most candidates are hidden from this viewer (say a word used mostly in
            # other people's private notes): the bound would cut the visible matches
            # short, so the visibility rules go first after all (the other paths).
            return None
        rows = [(row[0], row[1], *row[3:]) for row in candidates if row[2] and row[0] is not None]
        json_columns = [2 + n for n, path in enumerate(paths) if _is_json(filtered.model, path)]
        if json_columns:
            # A raw cursor returns jsonb as text (Django's psycopg loader): decode it as the
            # ORM would.
            rows = [
                tuple(
                    json.loads(v) if n in json_columns and isinstance(v, str) else v
                    for n, v in enumerate(row)
                )
                for row in rows
            ]
        if len(rows) > COUNT_CAP:
            complete = True  # capped anyway: "more than 1,000"
        rows = rows[: COUNT_CAP + 1]
        return rows, complete

    def _phrase_sample(
        self, request: SearchRequest, words: SearchQuery, paths: tuple[str, ...]
    ) -> tuple[list[tuple], bool]:
        """The sample of a query with a phrase (PostgreSQL): up to PHRASE_SAMPLE_FACTOR ×
        (COUNT_CAP + 1) rows with all the words, of which those that match the whole
        query (word positions checked, and ranked, on these rows only) are kept."""
        bound = PHRASE_SAMPLE_FACTOR * (COUNT_CAP + 1)
        prefix = self._prefix
        score = Case(
            When(
                self._matches(request, prefix=prefix),
                then=_rank(F(self.vector_path), self._query_expression(request, prefix=prefix)),
            ),
            default=None,
            output_field=FloatField(),
        )
        rows = list(
            self.filtered_queryset(request)
            .filter(self._matches(request, prefix=prefix, which="words"))
            .annotate(score=score)
            .order_by()
            .values_list("score", "pk", *paths)[:bound]
        )
        matched = [row for row in rows if row[0] is not None]
        # Every row with the words was looked at, or the cap was reached anyway.
        complete = len(rows) < bound or len(matched) > COUNT_CAP
        return matched[: COUNT_CAP + 1], complete

    def matching(self, request: SearchRequest) -> QuerySet:
        """Visible, filtered rows that match the query, annotated with ``score``."""
        qs = self.filtered_queryset(request)
        if is_postgres():
            return self._match_postgres(qs, request)
        return self._match_fallback(qs, request)

    def _scored_postgres(self, qs: QuerySet, request: SearchRequest) -> QuerySet:
        """``qs`` annotated with ``score`` (ts_rank, plus trigram similarity for
        near misses when the provider has ``trigram_fields``)."""
        qs = qs.annotate(
            score=_rank(F(self.vector_path), self._query_expression(request, prefix=self._prefix))
        )
        if self.trigram_fields:
            terms = " ".join(request.query.positive_terms)
            similarities = [
                TrigramWordSimilarity(Value(terms), Cast(path, output_field=_text_field()))
                for path in self.trigram_fields
            ]
            similarity = Greatest(*similarities) if len(similarities) > 1 else similarities[0]
            # Only a near miss earns the similarity: added to a real match it made every
            # title that contains the word (similarity 1) outrank better matches of other
            # kinds (bench/search_judgements.yaml, "schufa", "blacklists").
            near_miss_only = Case(
                When(self._matches(request, prefix=self._prefix), then=Value(0.0)),
                default=F("similarity") * TRIGRAM_WEIGHT,
                output_field=FloatField(),
            )
            qs = qs.annotate(similarity=similarity).annotate(
                score=Coalesce(F("score"), Value(0.0)) + near_miss_only
            )
        return qs

    def _match_postgres(self, qs: QuerySet, request: SearchRequest) -> QuerySet:
        qs = self._scored_postgres(qs, request)
        condition = self._matches(request, prefix=self._prefix)
        if self.trigram_fields:
            near_miss = Q(similarity__gte=TRIGRAM_THRESHOLD)
            if request.excluded_query() is not None:
                # "-word" excludes near misses too.
                near_miss &= ~self._matches(request, prefix=self._prefix, which="excluded")
            condition |= near_miss
        return qs.filter(condition)

    def _match_fallback(self, qs: QuerySet, request: SearchRequest) -> QuerySet:
        condition = Q()
        for alternative in request.query.alternatives:
            clause = Q()
            for term in alternative:
                contains = Q()
                for path in self.fallback_fields:
                    contains |= Q(**{f"{path}__icontains": term.text})
                clause &= ~contains if term.negated else contains
            condition |= clause
        words = request.query.positive_terms
        whens = [
            When(
                Q.create([(f"{path}__icontains", word) for word in words], connector=Q.OR),
                then=Value(weight),
            )
            for path, weight in sorted(self.fallback_fields.items(), key=lambda i: -i[1])
        ]
        score = Case(*whens, default=Value(0.0), output_field=FloatField())
        return qs.filter(condition).annotate(score=score)

    def candidates(
        self, request: SearchRequest, *, limit: int
    ) -> tuple[list[tuple[float, int]], int]:
        found = self.find(request, limit=limit)
        return found.ranked, found.total

    def find(self, request: SearchRequest, *, limit: int, facet_names=()) -> KindMatches:
        # One query: the sample (the first COUNT_CAP + 1 matches PostgreSQL finds, through
        # the GIN index or a scan that stops early, whichever the planner prefers) with
        # each row's score and facet values; ranked and counted here. Sorting 1,001 pairs
        # in Python costs less than a second pass over the rows in SQL.
        paths = self._facet_paths(facet_names)
        if (
            not limit
            and not paths
            and request.words_query() is None
            and not self._uses_candidates(request)
        ):
            # Only the count (a kind left out by ``kind=``): no scores, one number back.
            sample = self.matching(request).order_by().values("pk")[: COUNT_CAP + 1]
            total = sample.count()
            return KindMatches([], total, total <= COUNT_CAP)
        rows, complete = self.sample(request, paths=paths)
        ranked = sorted(((float(row[0]), row[1]) for row in rows), key=lambda r: (-r[0], -r[1]))
        facets = self._count_facets(rows, facet_names, paths) if facet_names else {}
        return KindMatches(ranked[:limit], len(rows), complete and len(rows) <= COUNT_CAP, facets)

    def hydrate(self, ids: list[int], request: SearchRequest) -> dict[int, Hit]:
        qs = self.hydrate_queryset(request).filter(pk__in=ids)
        postgres = is_postgres()
        # ts_headline cannot mark a CJK bigram inside an unbroken run: marked here instead.
        headlines = postgres and not languages.has_cjk(request.query.raw)
        if postgres:
            qs = self._match_postgres(qs, request)
        else:
            qs = self._match_fallback(qs, request)
        if headlines:
            qs = qs.annotate(
                headline=SearchHeadline(
                    self.headline_field,
                    self._query_expression(request, prefix=self._prefix),
                    config=self._config_expression(prefix=self._prefix),
                    start_sel=snippets.START_MARKER,
                    stop_sel=snippets.STOP_MARKER,
                    max_words=snippets.SNIPPET_WORDS,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                )
            )
        hits = {}
        for obj in qs:
            words = request.query.highlight_words
            if headlines:
                headline = obj.headline
                if self.headline_is_markdown:
                    headline = markdown_to_text(headline)
                snippet = snippets.from_headline(headline)
                words = _unique(snippets.marked_words(headline) + words)
            else:
                text = _resolve(obj, self.headline_field)
                if self.headline_is_markdown:
                    text = markdown_to_text(text)
                snippet = snippets.highlight(text, words)
            hit = self.build_hit(obj, snippet=snippet, words=words, score=float(obj.score))
            hit.kind_label = hit.kind_label or str(self.singular_label)
            hits[obj.pk] = hit
        return hits

    def facet_counts(self, request: SearchRequest, names) -> dict[str, list[FacetValue]]:
        return self.find(request, limit=0, facet_names=names).facets

    def _facet_paths(self, names) -> tuple[str, ...]:
        paths: list[str] = []
        for name in names:
            for path in self.facet_fields[name]:
                if path and path not in paths:
                    paths.append(path)
        return tuple(paths)

    def _count_facets(
        self, rows: list[tuple], names, paths: tuple[str, ...]
    ) -> dict[str, list[FacetValue]]:
        """Count each facet's values over the sampled rows (a JSON list field, such as
        tags, counts once for each of its values)."""
        from . import registry

        facets = registry.facets()
        column = {path: 2 + i for i, path in enumerate(paths)}
        counts: dict[str, dict] = {name: {} for name in names}
        for row in rows:
            for name in names:
                value_path, label_path = self.facet_fields[name]
                raw = row[column[value_path]]
                for value in raw if isinstance(raw, list) else [raw]:
                    if value is None or value == "":
                        continue
                    seen = counts[name].get(value)
                    if seen is None:
                        label = row[column[label_path]] if label_path else value
                        counts[name][value] = [facets[name].label_for(value, label), 1]
                    else:
                        seen[1] += 1
        return {
            name: [FacetValue(value, label, count) for value, (label, count) in values.items()]
            for name, values in counts.items()
        }


def _rank(vector, search_query) -> SearchRank:
    """The score of a match: ``ts_rank_cd`` with the stored weights (titles and tags 'A'
    above bodies), higher when the words stand close together. The same function
    everywhere, so scores compare across kinds."""
    return SearchRank(
        vector, search_query, cover_density=COVER_DENSITY, normalization=Value(RANK_NORMALIZATION)
    )


def _words(text: str) -> str:
    """A term's words for a loosened (AND) or excluded query: CJK runs as bigrams."""
    return " ".join(languages.split_cjk(text).split())


def _is_json(model, path: str) -> bool:
    """Whether ``path`` (a lookup path from ``model``) ends at a JSONField."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db.models import JSONField

    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # an annotation, such as the entries' place code
        model = field.related_model or model
    return isinstance(field, JSONField)


def _text_field():
    from django.db.models import TextField

    return TextField()


def _resolve(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj or ""


def _unique(words: list[str]) -> list[str]:
    return list(dict.fromkeys(w for w in words if w))
