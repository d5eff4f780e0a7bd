"""Releases: cutting a release of 100,000 published entries (freeze + every file, streamed
into stored chunks), how much the process grows meanwhile, and ``?release=`` aggregates
cold and warm.

Runs after bench_atlas (modules run in name order) and tops the published set up to
``RELEASE_ENTRIES`` entries with evidence (``bench.benchdata.make_entries``); run alone
(``python bench/run.py releases``) it makes them all. ``BENCH_RELEASE_ENTRIES`` sets the
size (e.g. 5000 for a quick look on SQLite); the goals are for 100,000 on PostgreSQL.
"""

from __future__ import annotations

import os
import statistics
import threading
import time

from bench.harness import Row, p95, timeit

RELEASE_ENTRIES = int(os.environ.get("BENCH_RELEASE_ENTRIES", "100000"))
CUT_GOAL_S = 60.0
WARM_GOAL_MS = 50.0
# Streamed writes: the build holds one batch of entries and one file chunk, whatever the
# dataset's size, so the process grows by a bounded amount.
MEMORY_GOAL_MB = 200.0


class _RssSampler(threading.Thread):
    """Samples the process's resident set (Linux /proc) five times a second; ``stop()``
    returns the peak's growth over the first sample in MB. Cheap, unlike tracemalloc,
    which slows a cut several times over."""

    def __init__(self):
        super().__init__(daemon=True)
        self._done = threading.Event()
        self.baseline = self.peak = _rss_bytes()

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.peak = max(self.peak, _rss_bytes())

    def stop(self) -> float:
        self._done.set()
        self.join()
        self.peak = max(self.peak, _rss_bytes())
        return (self.peak - self.baseline) / 1e6


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: no figure
        return 0


def _top_up() -> int:
    from django.db import connection, transaction

    from apps.atlas.entries.selectors import published_examples
    from bench.benchdata import make_entries

    missing = RELEASE_ENTRIES - published_examples().count()
    if missing > 0:
        with transaction.atomic():
            make_entries(
                missing, evidence=True, links=False, history=False, slug_prefix="bench-release-"
            )
        if connection.vendor == "postgresql":
            # Tables just filled in bulk have no planner statistics until autovacuum
            # comes by (within a minute or so on a live site, whose tables grew slowly):
            # measure the cut against the plans a real database would have.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
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

    sampler = _RssSampler()
    sampler.start()
    start = time.perf_counter()
    release = _cut(user, "1.0.0")
    seconds = time.perf_counter() - start
    growth_mb = sampler.stop()
    assert release.status == "ready" and release.entry_count == published, release.status
    size = sum(release.files.values_list("size", flat=True))
    rows.append(
        Row(
            f"releases: cut a release of {published:,} entries (freeze + every file)",
            seconds * 1000,
            seconds * 1000,
            goal=f"≤ {CUT_GOAL_S:g} s",
            met=seconds <= CUT_GOAL_S,
            note=f"{size / 1e6:.0f} MB of files, streamed into 1 MB chunks",
        )
    )
    rows.append(
        Row(
            "releases: memory growth while cutting (resident set, sampled)",
            growth_mb,
            growth_mb,
            goal=f"≤ {MEMORY_GOAL_MB:g} MB",
            met=growth_mb <= MEMORY_GOAL_MB,
            note="the figure is MB, not ms: peak RSS during the cut minus RSS before it",
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
