"""Atlas: aggregates over 100,000 published entries (cold and warm cache), the map page
and /api/atlas/countries/ against the bare view.

Entries are spread round-robin over every ISO 3166-1 country, the supranational scopes
and every category, with varied dimensions, by seed_bench's generator
(``bench.benchdata.make_entries``, COPY on PostgreSQL), without history rows,
evidence or passage links: the aggregates read none of them.
"""

from __future__ import annotations

import statistics
import time

from bench.harness import Row, p95, timeit

ENTRIES = 100_000
COLD_GOAL_MS = 500.0
WARM_GOAL_MS = 50.0


def populate(count: int) -> float:
    """Insert ``count`` published entries; returns the seconds it took.

    Through ``bench.benchdata.make_entries`` (what seed_bench writes: every country
    and scope, every category, varied dimensions), without the evidence, passage links
    and history rows seed_bench adds: the aggregates read none of them."""
    from django.db import connection, transaction

    from apps.atlas import cache as atlas_cache
    from bench.benchdata import make_entries

    start = time.perf_counter()
    with transaction.atomic():
        published = make_entries(count, evidence=False, links=False, history=False)
    assert published == count, published
    # What the services do on commit: cached aggregates (of any earlier data) go stale.
    atlas_cache.bump_generation()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE atlas_example")
    return time.perf_counter() - start


def vacuum() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM atlas_example")


def _time_cold(fn, *, repeat: int) -> list[float]:
    from django.core.cache import cache

    samples = []
    for _ in range(repeat):
        cache.clear()
        begin = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - begin) * 1000)
    return samples


def run(yardstick, user) -> list[Row]:
    from django.core.cache import cache

    from apps.atlas.aggregates import selectors
    from apps.atlas.entries.filters import ExampleFilters

    seconds = populate(ENTRIES)
    rows: list[Row] = [
        Row(
            f"atlas: bulk-insert {ENTRIES:,} published entries",
            seconds * 1000,
            seconds * 1000,
            note="setup only (benchdata.make_entries: COPY on PostgreSQL, then ANALYZE)",
        )
    ]

    def aggregate(filters=None):
        def call():
            data = selectors.atlas_aggregates(filters=filters)
            assert data["total"] > 0
            return data

        return call

    total = aggregate()()["total"]
    assert total == ENTRIES, total
    # Right after a bulk insert the visibility map is empty, so an index-only scan still
    # visits the heap; autovacuum sets it soon after (insert-triggered since PG 13).
    fresh = _time_cold(aggregate(), repeat=15)
    rows.append(
        Row(
            "atlas: aggregate, cold, right after the bulk insert",
            statistics.median(fresh),
            p95(fresh),
            goal=f"≤ {COLD_GOAL_MS:g} ms",
            met=statistics.median(fresh) <= COLD_GOAL_MS,
        )
    )
    vacuum()
    cold = _time_cold(aggregate(), repeat=15)
    rows.append(
        Row(
            "atlas: aggregate, cold cache (cache cleared)",
            statistics.median(cold),
            p95(cold),
            goal=f"≤ {COLD_GOAL_MS:g} ms",
            met=statistics.median(cold) <= COLD_GOAL_MS,
            note="after VACUUM of atlas_example, as autovacuum leaves it",
        )
    )
    cache.clear()
    warm = timeit(aggregate(), repeat=200, warmup=5)
    rows.append(
        Row(
            "atlas: aggregate, warm cache",
            statistics.median(warm),
            p95(warm),
            goal=f"≤ {WARM_GOAL_MS:g} ms",
            met=statistics.median(warm) <= WARM_GOAL_MS,
        )
    )
    for label, filters in (
        ("category=geo-scoring", ExampleFilters(category="geo-scoring")),
        ("lifecycle=active, 2000–2010", ExampleFilters(lifecycle="active", year_from=2000, year_to=2010)),
        ("consequence=sanctions (JSON)", ExampleFilters(consequence="sanctions")),
    ):  # fmt: skip
        samples = _time_cold(aggregate(filters), repeat=10)
        rows.append(
            Row(
                f"atlas: aggregate, cold, {label}",
                statistics.median(samples),
                p95(samples),
                goal=f"≤ {COLD_GOAL_MS:g} ms",
                met=statistics.median(samples) <= COLD_GOAL_MS,
            )
        )
    cache.clear()
    rows.append(yardstick.measure("atlas: map page /atlas/ (warm)", "/atlas/"))
    rows.append(
        yardstick.measure("atlas: map page filtered (warm)", "/atlas/?category=geo-scoring")
    )
    rows.append(
        yardstick.measure("atlas: API /api/atlas/countries/ (warm)", "/api/atlas/countries/")
    )
    rows.append(
        yardstick.measure("atlas: country page /atlas/countries/DE/", "/atlas/countries/DE/")
    )
    return rows
