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

from typing import ClassVar

from django.contrib.postgres.search import (
    SearchHeadline,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils.safestring import SafeString

from apps.common.markdown import markdown_to_text

from . import contract, languages, snippets, statements
from .contract import (  # noqa: F401 - the provider interface other apps import from here
    COUNT_CAP,  # read as contract.COUNT_CAP, so a test may lower it in one place
    HIGHLIGHT_PARAM,
    SEARCH_CONFIG,
    Aligned,
    Facet,
    FacetValue,
    Hit,
    KindMatches,
    SearchInputError,
    SearchProvider,
    SearchRequest,
    is_postgres,
)
from .sampling import IndexSampling, _is_json, _rank

# word_similarity() above this counts as a near miss of a title or a name.
TRIGRAM_THRESHOLD = 0.5
# Near misses rank below any real full-text match in a title (ts_rank of an 'A' hit ≈ 0.6).
TRIGRAM_WEIGHT = 0.3


class ModelSearchProvider(IndexSampling, SearchProvider):
    """Full-text search over one model.

    Subclasses set:
    - ``vector_path``: lookup path to a stored, GIN-indexed ``SearchVectorField``
      (written by the owning app's services; see docs/search.md).
    - ``fallback_fields``: ``{field path: score}`` searched with ``icontains`` on SQLite;
      the score of the best matching field ranks the row (titles higher than bodies).
    - ``headline_field``: the text the snippet is cut from.
    - ``trigram_fields``: short texts (titles, names) matched by similarity on
      PostgreSQL so near-miss spellings still find them. Optional; with it,
      ``near_miss_candidates`` may narrow the rows whose similarity is computed.
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
        return self._visible_sample(request, paths, count_only=False), True

    def _visible_sample(self, request: SearchRequest, paths: tuple[str, ...], *, count_only):
        """The first COUNT_CAP + 1 visible matches as ``(score, pk, *paths)`` rows, or with
        ``count_only`` how many there are. Without filters, on PostgreSQL and for a
        provider that states its ``visibility_shape``, the query is compiled once per
        shape (statements.py); plain facet values only (no JSON list to decode)."""
        shape = None
        if is_postgres() and not request.filters:
            shape = self._compiled_shape(request)
        if shape is not None and any(_is_json(self._content_model, path) for path in paths):
            shape = None

        def build(req: SearchRequest) -> tuple[str, list]:
            sample = self.matching(req).order_by()
            if count_only:
                sql, params = sample.values("pk")[: contract.COUNT_CAP + 1].query.sql_with_params()
                return f"SELECT count(*) FROM ({sql}) AS sample", list(params)  # noqa: S608
            sample = sample.values_list("score", "pk", *paths)[: contract.COUNT_CAP + 1]
            sql, params = sample.query.sql_with_params()
            return sql, list(params)

        if shape is None:
            sample = self.matching(request).order_by()
            if count_only:
                return sample.values("pk")[: contract.COUNT_CAP + 1].count()
            return list(sample.values_list("score", "pk", *paths)[: contract.COUNT_CAP + 1])
        sql, params = statements.prepared(
            (type(self), "visible", shape, contract.COUNT_CAP, count_only, paths), build, request
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return rows[0][0] if count_only else rows

    def matching(self, request: SearchRequest) -> QuerySet:
        """Visible, filtered rows that match the query (above the request's
        ``newer_than`` bound), annotated with ``score``."""
        qs = self.filtered_queryset(request).filter(self._newer(request))
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
            terms = request.near_miss_text()
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
            candidates = self.near_miss_candidates(request)
            # The candidates are the near misses (see near_miss_candidates): testing the
            # similarity again computed it for each of them (0.6 ms of a phrase search's
            # 3 ms sources query); it is computed for the score of the near misses shown.
            near_miss = (
                candidates if candidates is not None else Q(similarity__gte=TRIGRAM_THRESHOLD)
            )
            if request.excluded_query() is not None:
                # "-word" excludes near misses too.
                near_miss &= ~self._matches(request, prefix=self._prefix, which="excluded")
            condition |= near_miss
        return qs.filter(condition)

    def near_miss_candidates(self, request: SearchRequest) -> Q | None:
        """PostgreSQL: a condition that an index can answer and that holds for exactly
        the rows whose ``trigram_fields`` are a near miss of the query (similarity at
        least TRIGRAM_THRESHOLD: no more, no fewer; the search does not test the
        similarity again), or None: the similarity is then computed for every visible
        row (a few hundred sources: 3-5 ms)."""
        return None

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

    def find(
        self, request: SearchRequest, *, limit: int, facet_names=(), shown_only=frozenset()
    ) -> KindMatches:
        # One query: the sample (the first COUNT_CAP + 1 matches PostgreSQL finds, through
        # the GIN index or a scan that stops early, whichever the planner prefers) with
        # each row's score (and facet values). Where visibility is on the index row the
        # same query ranks, counts and facet-counts it (``_ranked_candidates``); otherwise
        # (moderators, sources, filters) the rows are ranked and counted here.
        paths = self._facet_paths(facet_names)
        if (
            not limit
            and not paths
            and request.words_query() is None
            and not self._uses_candidates(request)
        ):
            # Only the count (a kind left out by ``kind=``): no scores, one number back.
            total = self._visible_sample(request, (), count_only=True)
            return KindMatches([], total, total <= contract.COUNT_CAP)
        if self._uses_candidates(request):
            # Only the best ``limit`` rows, the sample's size and its facet counts leave
            # PostgreSQL.
            top = self._ranked_candidates(
                request, request.words_query(), limit=limit, facet_names=tuple(facet_names),
                shown_only=frozenset(shown_only),
            )  # fmt: skip
            if top is not None:
                ranked, total, complete, counted = top
                return KindMatches(
                    ranked,
                    total,
                    complete and total <= contract.COUNT_CAP,
                    self._facet_values(counted),
                )
        rows, complete = self.sample(request, paths=paths)
        ranked = sorted(((float(row[0]), row[1]) for row in rows), key=lambda r: (-r[0], -r[1]))
        facets = self._count_facets(rows, facet_names, paths) if facet_names else {}
        return KindMatches(
            ranked[:limit], len(rows), complete and len(rows) <= contract.COUNT_CAP, facets
        )

    def hydrate(
        self, ids: list[int], request: SearchRequest, *, scores: dict[int, float] | None = None
    ) -> dict[int, Hit]:
        """The hits for ``ids`` (those the viewer may still see). ``scores``: each id's
        score from ``find``, as the search passes them: the rows are then not matched and
        ranked a second time (building and running that condition cost 1-3 ms a kind on
        the full corpus, docs/benchmarks.md); without it they are."""
        postgres = is_postgres()
        # ts_headline cannot mark a CJK bigram inside an unbroken run: marked here instead.
        headlines = postgres and not languages.has_cjk(request.query.raw)
        shape = self.visibility_shape(request) if postgres and scores is not None else None
        if shape is not None:
            # Compiled once per shape (statements.py); the ids are one array parameter.
            table = connection.ops.quote_name(self._content_model._meta.db_table)
            column = connection.ops.quote_name(self._content_model._meta.pk.column)
            objects = statements.prepared_models(
                (type(self), "hydrate", shape, headlines),
                lambda template, ids: self._hydrate_queryset(
                    template,
                    RawSQL(f"{table}.{column} = ANY(%s::bigint[])", [ids], BooleanField()),
                    headlines=headlines,
                ),
                request,
                ids="{" + ",".join(str(int(pk)) for pk in ids) + "}",
            )
        else:
            objects = self._hydrate_queryset(
                request, Q(pk__in=ids), headlines=headlines, matched=scores is None
            )
        hits = {}
        query_words = request.query.highlight_words
        kind_label = str(self.singular_label)
        for obj in objects:
            words = list(query_words)
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
            score = scores[obj.pk] if scores is not None else float(obj.score)
            hit = self.build_hit(obj, snippet=snippet, words=words, score=score)
            hit.kind_label = hit.kind_label or kind_label
            hits[obj.pk] = hit
        return hits

    def _hydrate_queryset(
        self, request: SearchRequest, chosen, *, headlines: bool, matched: bool = False
    ) -> QuerySet:
        """The rows ``chosen`` (a condition on their ids) for their hits, with the snippet
        (``headlines``) and, when ``matched``, matched and ranked again."""
        qs = self.hydrate_queryset(request).filter(chosen)
        if matched:
            qs = (
                self._match_postgres(qs, request)
                if is_postgres()
                else self._match_fallback(qs, request)
            )
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
        return qs

    def facet_counts(self, request: SearchRequest, names) -> dict[str, list[FacetValue]]:
        return self.find(request, limit=0, facet_names=names).facets

    def _facet_paths(self, names) -> tuple[str, ...]:
        paths: list[str] = []
        for name in names:
            for path in self.facet_fields[name]:
                if path and path not in paths:
                    paths.append(path)
        return tuple(paths)

    def _facet_values(self, counted: dict[str, list[tuple]]) -> dict[str, list[FacetValue]]:
        """``FacetValue``s of the (value, label, count) rows PostgreSQL counted."""
        from . import registry

        facets = registry.facets()
        return {
            name: [
                FacetValue(value, label_for(value, label), count) for value, label, count in rows
            ]
            for name, rows in counted.items()
            for label_for in [facets[name].labeler()]
        }

    def _count_facets(
        self, rows: list[tuple], names, paths: tuple[str, ...]
    ) -> dict[str, list[FacetValue]]:
        """Count each facet's values over the sampled rows (a JSON list field, such as
        tags, counts once for each of its values)."""
        from . import registry

        facets = registry.facets()
        column = {path: 2 + i for i, path in enumerate(paths)}
        counts: dict[str, dict] = {name: {} for name in names}
        label_for = {name: facets[name].labeler() for name in names}
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
                        counts[name][value] = [label_for[name](value, label), 1]
                    else:
                        seen[1] += 1
        return {
            name: [FacetValue(value, label, count) for value, (label, count) in values.items()]
            for name, values in counts.items()
        }


def _text_field():
    from django.db.models import TextField

    return TextField()


def _resolve(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj or ""


def _unique(words: list[str]) -> list[str]:
    return list(dict.fromkeys(w for w in words if w))
