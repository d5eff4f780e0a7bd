"""Queries whose SQL the ORM compiles once per process, then run with new values.

Building and compiling a small ORM query costs 0.3–1 ms of Python each time (joins,
subqueries, ``only()``), often more than PostgreSQL takes to answer it; a cold reader
made seven of them (docs/benchmarks.md, "Cold reader, session 9"). A
:class:`PreparedQuery` is written with the ORM as usual, as a function of its varying
values; it is compiled the first time it runs on a connection, with a placeholder for each
value, and later runs put the values in the placeholders' places. The database still
answers every call (nothing is cached but the SQL text), and the usual result converters
apply (dates and booleans on SQLite), so the rows are what ``values_list`` gives.

Only for a query whose shape does not change with its values: scalar values compared
with ``=`` (not lists for ``__in``, not ``None``), integers compared with id columns
(bigint: the placeholder is a large negative number), no ``now()`` or other value taken
at build time. A value the ORM would compile away or use twice is refused
(``ImproperlyConfigured``) the first time the query runs.

``plan_once=True``, for a query whose best plan does not depend on its values (equality
on keys, as the reader's; every connection runs prepared statements on one generic plan,
``plan_cache_mode`` in apps/common/planner.py): on PostgreSQL the values travel apart
from the SQL (a
server-binding cursor, where the ORM's cursors merge them into the text client-side), so
after ``prepare_threshold`` runs on a connection (``DATABASES`` ``OPTIONS``,
``DJANGO_DB_PREPARED_STATEMENTS`` in project/settings.py) PostgreSQL keeps the statement
prepared and stops parsing and planning it each time. Planning was most of what PostgreSQL
spent on a cold reader's queries (the source with its three ``EXISTS`` flags: 0.3–0.5 ms
to plan, 0.2 ms to run; docs/benchmarks.md, "Cold reader, session 10"). Not for a query
whose plan should follow its values (a ``LIKE`` prefix the planner folds into an index
range: the search suggestions), which keeps the ORM's cursor. With prepared statements off
(a pooler in transaction mode that cannot keep them) the values still travel apart.
psycopg forgets a connection's prepared statements after a ``ROLLBACK`` (a rolled-back
savepoint too) or DDL on it; they are prepared again after as many runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet, FullResultSet, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

try:  # psycopg 3; without it (SQLite only) every query takes the ORM's cursor
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format
except ImportError:  # pragma: no cover
    ServerBindingCursor = None

# Values no real row has: each must appear exactly once among the compiled parameters.
PLACEHOLDER_INT = -7_654_321_987
PLACEHOLDER_STR = "\x00prepared-placeholder\x00"


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], *, plan_once: bool = False, **kinds: type):
        """``build(**values)`` returns a ``values_list`` queryset; ``kinds`` names each
        value and its type (``int`` or ``str``); ``plan_once``: see the module docstring."""
        self._build = build
        self._kinds = kinds
        self._plan_once = plan_once
        self._compiled: dict[tuple[str, str], tuple] = {}

    def _compile(self, connection) -> tuple:
        placeholders = {
            name: f"{PLACEHOLDER_STR}{name}" if kind is str else PLACEHOLDER_INT - index
            for index, (name, kind) in enumerate(self._kinds.items())
        }
        compiler = self._build(**placeholders).query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet) as exc:
            # The ORM answered from the placeholder alone (an integer out of a small
            # field's range): the SQL would depend on the value.
            raise ImproperlyConfigured(
                f"PreparedQuery: its SQL depends on the values {sorted(self._kinds)}"
            ) from exc
        slots = {}
        for name, placeholder in placeholders.items():
            found = [i for i, p in enumerate(params) if p == placeholder]
            if len(found) != 1:
                raise ImproperlyConfigured(
                    f"PreparedQuery: {name!r} is not one plain parameter of {sql!r}"
                )
            slots[name] = found[0]
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        return sql, tuple(params), slots, list(converters.items())

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(connection)
        sql, params, slots, converters = compiled
        params = list(params)
        for name, value in values.items():
            params[slots[name]] = value
        with (
            server_binding_cursor(connection) if self._plan_once else connection.cursor() as cursor
        ):
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                for function in functions:
                    row[position] = function(row[position], expression, connection)
            converted.append(tuple(row))
        return converted


def server_binding_cursor(connection):
    """The ORM's cursor (``connection.cursor()``: health check, debug logging, error
    wrapping), but binding the values on the server on psycopg 3, so the statement can be
    prepared (see the module docstring)."""
    if connection.vendor != "postgresql" or ServerBindingCursor is None:
        return connection.cursor()
    if connection.queries_logged:
        # DEBUG, or a test counting queries: the ORM's cursor, so the log holds the SQL
        # with its values like every other query's (psycopg keeps no text of a run by a
        # prepared statement's name, and Django would log None).
        return connection.cursor()
    # What BaseDatabaseWrapper._cursor() does, with another cursor class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)
        # As create_cursor(): the session's time zone where the connection's differs.
        if (
            connection.timezone
            != connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone
        ):
            register_tzloader(connection.timezone, cursor)
        return connection._prepare_cursor(cursor)
