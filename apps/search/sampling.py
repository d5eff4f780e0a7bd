"""How ``ModelSearchProvider`` picks the rows it ranks (docs/search.md, "Candidates"):
a bounded sample of matches from the search index, tested for visibility on the index row
itself where the provider can say how (``index_visibility``), phrases checked on a wider
sample of rows that hold all their words, and the one ranking function every kind uses."""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from . import contract, facet_sql, statements
from .contract import SearchRequest, is_postgres

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


def _rank(vector, search_query) -> SearchRank:
    """The score of a match: ``ts_rank_cd`` with the stored weights (titles and tags 'A'
    above bodies), higher when the words stand close together. The same function
    everywhere, so scores compare across kinds."""
    return SearchRank(
        vector, search_query, cover_density=COVER_DENSITY, normalization=Value(RANK_NORMALIZATION)
    )


def _json(value):
    """A ``json`` column as Python (a raw cursor may hand it over as text)."""
    return json.loads(value) if isinstance(value, str) else value


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


class IndexSampling:
    """The candidate sampling half of ``ModelSearchProvider`` (a mixin: it reads the
    provider's ``vector_path``, ``index_*`` attributes and query helpers)."""

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

    def visibility_shape(self, request: SearchRequest) -> Hashable | None:
        """What this provider's visibility rules for ``request.viewer`` depend on, or None
        (the default: they are built anew for each request). Two requests of the same
        shape must get the same rules (``index_visibility``; without it, for the sources,
        ``visible_queryset``) but for the viewer's id: the search then compiles its sample
        query once per shape and puts each request's texts and viewer id in it
        (statements.py). A rule that reads the database while it is built (say, a list of
        the viewer's group ids) needs a shape per viewer, that is, None."""
        return None

    def _compiled_shape(self, request: SearchRequest) -> Hashable | None:
        """``visibility_shape``, or None when the request bounds the keys
        (``newer_than``): a compiled statement has no place for the bound, and alerts are
        rare enough to build theirs anew."""
        if request.lower_bound(self.kind) is not None:
            return None
        return self.visibility_shape(request)

    def _newer(self, request: SearchRequest) -> Q:
        """The request's lower bound on this kind's keys (``newer_than``), or no condition.
        It holds on the index table as on the rows': they share their keys."""
        bound = request.lower_bound(self.kind)
        return Q() if bound is None else Q(pk__gt=bound)

    def newest_id(self) -> int | None:
        from django.db.models import Max

        return self._content_model.objects.aggregate(newest=Max("pk"))["newest"] or 0

    def newest_match(self, request: SearchRequest, *, nth: int) -> int | None:
        """The key of the ``nth`` newest match the viewer may see (1: the newest), or 0
        when fewer match. Newest first on purpose, unlike ``sample``: walking the primary
        key backwards stops after ``nth`` matches of a common word, and PostgreSQL takes
        a rare word's few matches from the GIN index (1-2 ms a kind on the full corpus).
        On the index row alone where visibility can be tested there (no filters)."""
        visibility = self.index_visibility(request) if self._uses_candidates(request) else None
        if visibility is not None:
            rows = self._index_table.objects.filter(self._matches(request, prefix=""), visibility)
        else:
            rows = self.matching(request)
        keys = rows.order_by("-pk").values_list("pk", flat=True)[nth - 1 : nth]
        return next(iter(keys), 0)

    def _index_model(self, queryset: QuerySet):
        """The side table that holds the stored vector (``search.<Kind>SearchIndex``)."""
        relation = self.vector_path.split("__")[0]
        return queryset.model._meta.get_field(relation).related_model

    @functools.cached_property
    def _index_table(self):
        """``_index_model`` of the visible rows' model, found once: building the visible
        queryset only to learn its model cost 1-2 ms a kind per search."""
        from django.contrib.auth.models import AnonymousUser

        from .query import parse_query

        anyone = SearchRequest(query=parse_query("x"), viewer=AnonymousUser())
        return self._index_model(self.visible_queryset(anyone))

    @functools.cached_property
    def _content_model(self):
        """The model of the visible rows (``visible_queryset``), found once."""
        from django.contrib.auth.models import AnonymousUser

        from .query import parse_query

        anyone = SearchRequest(query=parse_query("x"), viewer=AnonymousUser())
        return self.visible_queryset(anyone).model

    def _candidate_terms(self, request: SearchRequest, words: SearchQuery | None):
        """(score expression, match condition) on the index table's own columns: with a
        phrase, the rows with its words match and only those with the phrase get a score."""
        rank = _rank(F("vector"), self._query_expression(request, prefix=""))
        if words is None:
            return rank, self._matches(request, prefix="")
        score = Case(
            When(self._matches(request, prefix=""), then=rank),
            default=None,
            output_field=FloatField(),
        )
        return score, self._matches(request, prefix="", which="words")

    def _ranked_candidates(
        self,
        request: SearchRequest,
        words: SearchQuery | None,
        *,
        limit: int,
        facet_names: tuple[str, ...] = (),
        shown_only: frozenset[str] = frozenset(),
    ) -> tuple[list[tuple[float, int]], int, bool, dict[str, list[tuple]]] | None:
        """The best ``limit`` matches of an unfiltered query, how many the sample held and
        its facet counts, all computed in PostgreSQL in one query: ``(ranked, total,
        complete, {facet name: [(value, label, count), ...]})``; None when visibility is
        not a condition on the index row (moderators) or the facet values are not on it:
        the caller then takes the sample and ranks and counts it in Python.

        The same sample as ``_candidate_sample`` (up to ``bound`` rows of the GIN index,
        visible on the index row, scored in the scan; of a phrase's rows the first
        COUNT_CAP + 1 that match), but only the best ``limit`` rows and one count per facet
        value leave PostgreSQL: sending 251 rows per kind (with their facet values on
        the page) and converting, sorting and counting them in Python cost more
        (docs/benchmarks.md). Of a facet in ``shown_only`` (no other kind counts it) only
        the values the page can show come back (facet_sql.py)."""
        if facet_names and not self.facet_paths_on_index:
            return None
        bound = (PHRASE_SAMPLE_FACTOR if words is not None else 1) * (contract.COUNT_CAP + 1)
        # Only counted (a kind left out by ``kind=``): nothing to rank.
        constant_score = not limit and not facet_names and words is None
        cut = self._facet_cut(facet_names, shown_only)
        shape = self._compiled_shape(request)
        if shape is not None:
            # Compiled once per shape (statements.py): the same SQL as below.
            sql, params = statements.prepared(
                (type(self), "ranked", shape, bound, constant_score, facet_names,
                 tuple(sorted(cut.items()))),
                lambda template, limit: self._ranked_candidates_sql(
                    template, self.index_visibility(template), bound=bound,
                    constant_score=constant_score, facet_names=facet_names, limit=limit,
                    cut=cut,
                ),
                request,
                limit=limit,
            )  # fmt: skip
        else:
            visibility = self.index_visibility(request)
            if visibility is None:
                return None
            sql, params = self._ranked_candidates_sql(
                request, visibility, bound=bound, constant_score=constant_score,
                facet_names=facet_names, limit=limit, cut=cut,
            )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchone()
        if words is None:
            # Without a phrase every sampled row matches and is kept: one count.
            kept, top, *counted = found
            sampled = matched = kept
        else:
            sampled, kept, matched, top, *counted = found
        ranked = [(float(s), pk) for s, pk in _json(top) or []]
        complete = sampled < bound or matched > contract.COUNT_CAP
        facet_counts = {
            name: [tuple(row) for row in _json(rows) or []]
            for name, rows in zip(facet_names, counted, strict=True)
        }
        return ranked, kept, complete, facet_counts

    def _facet_cut(self, facet_names, shown_only) -> dict[str, str]:
        """How each facet in ``shown_only`` is cut to the values a page shows."""
        from . import registry

        facets = registry.facets()
        return {
            name: facet_sql.shown_only_mode(facets[name])
            for name in facet_names
            if name in shown_only
        }

    def _ranked_candidates_sql(
        self,
        request: SearchRequest,
        visibility: Q,
        *,
        bound: int,
        constant_score: bool,
        facet_names: tuple[str, ...],
        limit: int,
        cut: dict[str, str] | None = None,
    ) -> tuple[str, list]:
        """The statement of ``_ranked_candidates`` for ``request`` (or a template of it)."""
        index_model = self._index_table
        words = request.words_query()
        score, matching = self._candidate_terms(request, words)
        if constant_score:
            score = Value(1.0, output_field=FloatField())
        facets = facet_sql.build(
            index_model,
            self.facet_fields,
            facet_names,
            json_paths=frozenset(
                path for path, _label in self.facet_fields.values() if _is_json(index_model, path)
            ),
            cut=cut or {},
        )
        sample_sql, params = (
            index_model.objects.filter(matching)
            .filter(visibility, self._newer(request))
            .order_by()
            .annotate(score=score)
            .values_list("score", index_model._meta.pk.attname, *facets.paths)[:bound]
            .query.sql_with_params()
        )
        columns = ", ".join(["score", "id", *facets.columns])
        counted = "".join(f", ({sql})" for sql in facets.selects)
        top = (
            " (SELECT json_agg(json_build_array(top.score, top.id)) FROM (SELECT score, id"
            " FROM kept ORDER BY score DESC, id DESC LIMIT %s) AS top)"
        )
        if words is None:
            # Every row of the sample matches (the bound is COUNT_CAP + 1): all are kept,
            # with no numbering and one count (0.15 ms less a kind, docs/benchmarks.md).
            sql = (
                f"WITH kept AS MATERIALIZED (SELECT * FROM ({sample_sql})"  # noqa: S608
                f" AS s({columns})){facets.ctes} SELECT (SELECT count(*) FROM kept),{top}"
                f"{counted}"
            )
            return sql, [*params, *facets.params, limit]
        # ``matched`` numbers the matches in the order the scan found them (rows with a
        # phrase's words but not the phrase score NULL): the first COUNT_CAP + 1 are
        # kept, ranked and counted, as the sample in Python kept them.
        sql = (
            f"WITH sample AS MATERIALIZED (SELECT s.*, count(s.score) OVER"  # noqa: S608
            f" (ROWS UNBOUNDED PRECEDING) AS matched FROM ({sample_sql}) AS s({columns})),"
            " kept AS (SELECT * FROM sample WHERE score IS NOT NULL AND matched <= %s)"
            f"{facets.ctes}"
            " SELECT (SELECT count(*) FROM sample), (SELECT count(*) FROM kept),"
            f" (SELECT count(score) FROM sample),{top}{counted}"
        )
        return sql, [*params, contract.COUNT_CAP + 1, *facets.params, limit]

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

        bound = (PHRASE_SAMPLE_FACTOR if words is not None else 1) * (contract.COUNT_CAP + 1)
        index_model = self._index_table
        key = index_model._meta.pk.attname
        score, matching = self._candidate_terms(request, words)
        on_index = not paths or self.facet_paths_on_index
        visibility = self.index_visibility(request) if on_index else None
        if visibility is not None:
            # Visibility is a column test on the index row (one hashed set, not a probe per
            # candidate: 85 % of a kind's query on the full corpus, docs/benchmarks.md),
            # and so are the facet values (through the row's copies of its relations).
            found = list(
                index_model.objects.filter(matching)
                .filter(visibility, self._newer(request))
                .order_by()
                .annotate(score=score)
                .values_list("score", key, *paths)[:bound]
            )
            rows = [row for row in found if row[0] is not None]
            complete = len(found) < bound or len(rows) > contract.COUNT_CAP
            return rows[: contract.COUNT_CAP + 1], complete
        filtered = self.filtered_queryset(request).order_by()
        # Raw SQL for the one shape the ORM cannot say: a LATERAL probe per candidate.
        # Written as EXISTS (or IN), PostgreSQL may hash the whole visible set instead
        # (every passage of every current version: 50-90 ms) because it plans for every
        # match, not for the LIMIT-ed few.
        found_sql, found_params = (
            index_model.objects.filter(matching, self._newer(request))
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
        if len(rows) > contract.COUNT_CAP:
            complete = True  # capped anyway: "more than COUNT_CAP"
        rows = rows[: contract.COUNT_CAP + 1]
        return rows, complete

    def _phrase_sample(
        self, request: SearchRequest, words: SearchQuery, paths: tuple[str, ...]
    ) -> tuple[list[tuple], bool]:
        """The sample of a query with a phrase (PostgreSQL): up to PHRASE_SAMPLE_FACTOR ×
        (COUNT_CAP + 1) rows with all the words, of which those that match the whole
        query (word positions checked, and ranked, on these rows only) are kept."""
        bound = PHRASE_SAMPLE_FACTOR * (contract.COUNT_CAP + 1)
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
            .filter(self._matches(request, prefix=prefix, which="words"), self._newer(request))
            .annotate(score=score)
            .order_by()
            .values_list("score", "pk", *paths)[:bound]
        )
        matched = [row for row in rows if row[0] is not None]
        # Every row with the words was looked at, or the cap was reached anyway.
        complete = len(rows) < bound or len(matched) > contract.COUNT_CAP
        return matched[: contract.COUNT_CAP + 1], complete
