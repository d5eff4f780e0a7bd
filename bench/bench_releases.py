"""Releases: cutting a release of 100,000 published entries (freeze + every file, streamed
into stored chunks), its peak Python memory, and ``?release=`` aggregates cold and warm.

Runs after bench_atlas (modules run in name order) and tops the published set up to
``RELEASE_ENTRIES`` entries with evidence (``bench.benchdata.make_entries``); run alone
(``python bench/run.py releases``) it makes them all. ``BENCH_RELEASE_ENTRIES`` sets the
size (e.g. 5000 for a quick look on SQLite); the goals are for 100,000 on PostgreSQL.
"""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc

from bench.harness import Row, p95, timeit

RELEASE_ENTRIES = int(os.environ.get("BENCH_RELEASE_ENTRIES", "100000"))
CUT_GOAL_S = 60.0
WARM_GOAL_MS = 50.0
# Streamed writes: the build holds one batch of entries and one file chunk, whatever the
# dataset's size (tracemalloc counts Python allocations only).
MEMORY_GOAL_MB = 200.0


def _top_up() -> int:
    from django.db import transaction

    from apps.atlas.entries.selectors import published_examples
    from bench.benchdata import make_entries

    missing = RELEASE_ENTRIES - published_examples().count()
    if missing > 0:
        with transaction.atomic():
            make_entries(
                missing, evidence=True, links=False, history=False, slug_prefix="bench-release-"
            )
    return published_examples().count()


def _cut(user, version: str):
    from django.db import transaction

    from apps.releases import services
    from apps.releases.models import Release

    with transaction.atomic():
        # The build runs here, not on commit: the bench times it alone.
        release = Release.objects.filter(version=version).first() or services.release_create(
            actor=user, version=version, title=f"Bench {version}"
        )
    return services.release_build(release_id=release.pk)


def run(yardstick, user) -> list[Row]:
    from django.contrib.auth.models import Group
    from django.core.cache import cache

    from apps.atlas.entries.filters import ExampleFilters
    from apps.moderation.permissions import forget_roles
    from apps.releases.as_of import release_aggregates

    user.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    forget_roles(user)
    published = _top_up()
    rows: list[Row] = []

    start = time.perf_counter()
    release = _cut(user, "1.0.0")
    seconds = time.perf_counter() - start
    assert release.status == "ready" and release.entry_count == published, release.status
    size = sum(release.files.values_list("size", flat=True))
    rows.append(
        Row(
            f"releases: cut a release of {published:,} entries (freeze + 9 files)",
            seconds * 1000,
            seconds * 1000,
            goal=f"≤ {CUT_GOAL_S:g} s",
            met=seconds <= CUT_GOAL_S,
            note=f"{size / 1e6:.0f} MB of files, streamed into 1 MB chunks",
        )
    )

    tracemalloc.start()
    start = time.perf_counter()
    second = _cut(user, "1.0.1")  # a changelog against 1.0.0 as well
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert second.status == "ready", second.status
    rows.append(
        Row(
            "releases: peak Python memory while cutting the next release",
            seconds * 1000,
            seconds * 1000,
            goal=f"≤ {MEMORY_GOAL_MB:g} MB",
            met=peak / 1e6 <= MEMORY_GOAL_MB,
            note=f"peak {peak / 1e6:.1f} MB (time under tracemalloc, slower)",
        )
    )

    def aggregate(filters=None):
        return lambda: release_aggregates(release, filters or ExampleFilters())

    cold = []
    for _ in range(5):
        cache.clear()
        begin = time.perf_counter()
        aggregate()()
        cold.append((time.perf_counter() - begin) * 1000)
    rows.append(Row("releases: ?release= aggregate, cold", statistics.median(cold), p95(cold)))
    warm = timeit(aggregate(), repeat=200, warmup=3)
    rows.append(
        Row(
            "releases: ?release= aggregate, warm",
            statistics.median(warm),
            p95(warm),
            goal=f"≤ {WARM_GOAL_MS:g} ms",
            met=statistics.median(warm) <= WARM_GOAL_MS,
        )
    )
    return rows
