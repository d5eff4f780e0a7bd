"""PostgreSQL planner settings the site's queries are written for, the search's above
all, set once per database connection (``CommonConfig.ready`` connects ``apply`` to
``connection_created``; ADR 0025).

The first three used to be set for each search's transaction: ``BEGIN``, one
``set_config`` and ``COMMIT`` were three round trips, 0.3 ms of a 12-17 ms search on the
benchmark corpus (docs/benchmarks.md, "Session 12"). Set per connection they cost one
statement per connection, and they suit the site's other queries as well (short reads of
tables held in memory). Behind a pooler in transaction mode, where a session's settings do
not follow its queries, set them on the database role instead (``ALTER ROLE … SET …``;
docs/search.md, "Planner settings").
"""

from __future__ import annotations

# What each one is for (docs/search.md):
# - no parallel workers: each kind's sample is "the first COUNT_CAP + 1 matches the scan
#   finds"; with workers that set, and so the ranking of a common word, changed from one
#   request to the next (and between page 1 and page 2). And starting workers for these
#   short queries cost more than they saved.
# - random_page_cost 1.1: the tables are read from memory, not from a spinning disk (the
#   default of 4 assumes one): priced that way, a word in 5-10 % of the rows is found
#   through its GIN index instead of by walking 20,000 rows in primary-key order.
# - no synchronized sequential scans: on a table larger than a quarter of shared_buffers
#   a scan starts where the previous one stopped, so the sample of a common word changed
#   from one request to the next (session 9).
# - generic plans for prepared statements: the site prepares on the server only the
#   statements whose best plan does not depend on their values (``PreparedQuery``'s
#   ``plan_once``, the search hits' queries by key: ``statements.prepared_models``); the
#   ORM's own queries and the search's samples are never prepared. Left to choose,
#   PostgreSQL kept planning the passages' hits query anew on every run (a generic plan
#   looked dearer because it cannot fold the query's text into a constant): 1.1 ms a
#   run instead of 0.2 ms (docs/benchmarks.md, "Session 12").
SETTINGS = {
    "max_parallel_workers_per_gather": "0",
    "random_page_cost": "1.1",
    "synchronize_seqscans": "off",
    "plan_cache_mode": "force_generic_plan",
}


def apply(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: the settings for the new connection's session."""
    if connection.vendor != "postgresql":
        return
    calls = ", ".join("set_config(%s, %s, false)" for _ in SETTINGS)
    params = [part for item in SETTINGS.items() for part in item]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {calls}", params)  # noqa: S608 - placeholders only
