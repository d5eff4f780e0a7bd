"""The search's fixed-shape statements, compiled once per process and run with new values.

Building and compiling a kind's sample query with the ORM (its visibility rules are
nested querysets: current versions, hidden sources, shadow-hidden authors, the viewer's
groups) cost 1.5-4 ms of Python per kind and request on the full benchmark corpus, more
than PostgreSQL took to answer it (docs/benchmarks.md, "Search"). Yet its SQL is the same
for every request of one *shape* (the provider, whether the query has a phrase or an
excluded word, whether the viewer is signed in, which facets are counted): only the
query's text, the viewer's id and the page's limit change.

``prepared(shape, build, request, **values)`` builds the statement the first time a shape
is seen, from a *template request* whose texts and viewer id are placeholders, and
remembers where each placeholder's value goes; later requests of that shape put their own
values there. Nothing is cached but SQL text: PostgreSQL answers every request, and the
visibility rules are still those the owning apps' selectors wrote (the template is built
by the same code). A provider states what its rules depend on (``visibility_shape``),
and the build is checked the first time: built twice with two different sets of
placeholders, the SQL text must be the same and every other parameter too, or the shape
is refused (``ImproperlyConfigured``), so a rule that inlines a value, or a value the ORM
compiles away, cannot slip through. Like ``apps.common.prepared.PreparedQuery``, which does
the same for plain ``values_list`` queries with each value used once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import QuerySet, prefetch_related_objects
from django.db.models.query import get_related_populators

from apps.common.prepared import server_binding_cursor

from .contract import SearchRequest

# Values no real query or row has (within a 32-bit integer: some id copies are integer
# columns, and an out-of-range value would make the ORM compile the condition away).
_PLACEHOLDERS = (
    {"int": -1_987_600_000, "str": "\x00search-placeholder-a:"},
    {"int": -1_987_700_000, "str": "\x00search-placeholder-b:"},
)

_compiled: dict[tuple, tuple] = {}


@dataclass(frozen=True)
class TemplateRequest(SearchRequest):
    """A request whose texts are placeholders (``SearchRequest``'s ``*_text`` methods), and
    whose viewer is a stand-in of the same shape with a placeholder id."""

    texts: tuple[tuple[str, str | None], ...] = ()

    def _text(self, name: str) -> str | None:
        return dict(self.texts)[name]

    def search_text(self) -> str:
        return self._text("search") or ""

    def words_text(self) -> str | None:
        return self._text("words")

    def excluded_text(self) -> str | None:
        return self._text("excluded")

    def near_miss_text(self) -> str:
        return self._text("near_miss") or ""


def request_values(request: SearchRequest) -> dict[str, str | int | None]:
    """What varies between two requests of one shape: the texts and the viewer's id."""
    viewer = request.viewer
    return {
        "search": request.search_text(),
        "words": request.words_text(),
        "excluded": request.excluded_text(),
        "near_miss": request.near_miss_text(),
        "viewer": viewer.pk if viewer is not None and viewer.is_authenticated else None,
    }


def prepared(
    shape: Hashable,
    build: Callable[..., tuple[str, list]],
    request: SearchRequest,
    **values: int | str,
) -> tuple[str, list]:
    """``(sql, params)`` of ``build(request, **values)``, built once per ``shape`` (plus
    which of the request's texts are absent and whether the viewer is signed in: those
    change the SQL) and connection vendor. ``build`` must use the request only through
    its ``*_text`` methods, its viewer's id and rules that depend on the viewer no more
    than ``shape`` says; ``values`` are integers (a limit) or strings (a list of ids as
    an array literal)."""
    sql, params, _compiler = _prepared(shape, build, request, values)
    return sql, params


def prepared_models(
    shape: Hashable,
    build: Callable[..., QuerySet],
    request: SearchRequest,
    **values: int | str,
) -> list:
    """The model instances ``build(request, **values)`` (a queryset: ``select_related``,
    ``defer`` and ``annotate`` as usual) gives, its SQL built once per shape as in
    ``prepared``; the rows become instances as the queryset itself would make them
    (Django's ``ModelIterable``: the main model, its ``select_related`` relations, the
    annotations), then its ``prefetch_related`` lookups."""
    sql, params, compiler = _prepared(shape, build, request, values)
    # Prepared on the server after a few runs: a hit's row is found by its key, so one
    # plan fits every request, and planning the joins of a passage's visibility and
    # relations cost more than running them (docs/search.md, "Hydration").
    with server_binding_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    select, klass_info, annotation_col_map, converters, prefetches = compiler
    db = connection.alias
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    objects = []
    for row in rows:
        if converters:
            row = list(row)
            for position, (functions, expression) in converters:
                for function in functions:
                    row[position] = function(row[position], expression, connection)
        obj = model_cls.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in annotation_col_map.items():
            setattr(obj, name, row[position])
        objects.append(obj)
    if prefetches:
        prefetch_related_objects(objects, *prefetches)
    return objects


def _prepared(shape, build, request: SearchRequest, values: dict) -> tuple[str, list, tuple]:
    varying = {**request_values(request), **values}
    absent = tuple(sorted(name for name, value in varying.items() if value is None))
    key = (connection.vendor, connection.alias, shape, absent, tuple(sorted(values)))
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = _compile(build, request, varying)
    sql, params, slots, compiler = compiled
    params = list(params)
    for name, positions in slots.items():
        for position in positions:
            params[position] = varying[name]
    return sql, params, compiler


def _compile(build, request: SearchRequest, varying: dict) -> tuple:
    builds = []
    for placeholders in _PLACEHOLDERS:
        chosen = {
            name: (
                placeholders["int"] - n
                if isinstance(value, int) and not isinstance(value, bool)
                else f"{placeholders['str']}{name}\x00"
            )
            for n, (name, value) in enumerate(varying.items())
            if value is not None
        }
        texts = tuple(
            (name, chosen.get(name)) for name in ("search", "words", "excluded", "near_miss")
        )
        viewer = request.viewer
        if "viewer" in chosen:
            # The same user (and their cached roles), with another id.
            viewer = copy.copy(viewer)
            viewer.pk = chosen["viewer"]
        template = TemplateRequest(
            query=request.query, viewer=viewer, kind=request.kind, texts=texts
        )
        extra = {name: chosen[name] for name in varying if name not in _REQUEST_VALUES}
        built = build(template, **extra)
        compiler = None
        if isinstance(built, QuerySet):
            found = built.query.get_compiler(connection=connection)
            sql, params = found.as_sql()
            # What turns a row into instances (ModelIterable's), kept from the first build.
            fields = [column[0] for column in found.select[: found.col_count]]
            converters = list(found.get_converters(fields).items())
            compiler = (
                found.select,
                found.klass_info,
                found.annotation_col_map,
                converters,
                built._prefetch_related_lookups,
            )
            built = (sql, list(params))
        builds.append((chosen, *built, compiler))
    (first, sql, params, compiler), (second, other_sql, other_params, _) = builds
    if sql != other_sql or len(params) != len(other_params):
        raise ImproperlyConfigured(f"search statement: its SQL depends on the values: {sql!r}")
    slots: dict[str, tuple[int, ...]] = {}
    for name in first:
        slots[name] = tuple(n for n, param in enumerate(params) if param == first[name])
        if slots[name] != tuple(n for n, p in enumerate(other_params) if p == second[name]):
            raise ImproperlyConfigured(f"search statement: {name!r} is not a plain parameter")
    placed = {position for positions in slots.values() for position in positions}
    for n, (param, other) in enumerate(zip(params, other_params, strict=True)):
        if n not in placed and param != other:
            raise ImproperlyConfigured(f"search statement: parameter {n} varies: {param!r}")
    return sql, tuple(params), slots, compiler


_REQUEST_VALUES = frozenset({"search", "words", "excluded", "near_miss", "viewer"})
