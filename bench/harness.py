"""Benchmark harness: a throwaway test database, a bare Django view as the yardstick, and
a table of results with goals marked met or not.

Times are server-side (Django's test client through the full middleware stack), so the
ratio to the bare view says how much our code costs on top of Django itself.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")


@dataclass
class Row:
    name: str
    median_ms: float
    p95_ms: float
    ratio: float | None = None
    queries: int | None = None
    goal: str = ""
    met: bool | None = None
    note: str = ""


def setup_django():
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False


# BENCH_DATABASE=existing: measure in the configured database as it is (say one filled
# once with `make seed-bench SCALE=full`, which takes minutes) instead of a throwaway copy.
USE_EXISTING_DATABASE = os.environ.get("BENCH_DATABASE", "") == "existing"


def create_database():
    from django.db import connection

    if USE_EXISTING_DATABASE:
        return None
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def destroy_database(old_name):
    from django.db import connection

    if USE_EXISTING_DATABASE:
        return
    connection.creation.destroy_test_db(old_name, verbosity=0)


def timeit(fn: Callable[[], object], repeat: int = 30, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def count_queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


class Yardstick:
    """The bare view: same server, settings and middleware, no work."""

    def __init__(self, client):
        self.client = client
        samples = timeit(lambda: client.get("/__bench__/bare/"), repeat=200, warmup=20)
        self.median = statistics.median(samples)
        self.row = Row("bare Django view", self.median, p95(samples), ratio=1.0)

    def measure(
        self,
        name: str,
        path: str,
        *,
        repeat: int = 50,
        max_ratio: float | None = None,
        client=None,
    ) -> Row:
        client = client or self.client

        def get():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        queries = count_queries(get)
        samples = timeit(get, repeat=repeat)
        median = statistics.median(samples)
        ratio = median / self.median
        goal = f"≤ {max_ratio:g}× bare" if max_ratio else ""
        return Row(name, median, p95(samples), ratio=ratio, queries=queries, goal=goal,
                   met=(ratio <= max_ratio) if max_ratio else None)  # fmt: skip


def print_table(rows: list[Row]) -> None:
    header = f"{'benchmark':<52} {'median ms':>10} {'p95 ms':>9} {'× bare':>8} {'queries':>8}  goal"
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = f"{row.ratio:.1f}" if row.ratio is not None else ""
        queries = str(row.queries) if row.queries is not None else ""
        verdict = "" if row.met is None else ("met" if row.met else "NOT MET")
        goal = f"{row.goal} {verdict}".strip()
        print(
            f"{row.name:<52} {row.median_ms:>10.2f} {row.p95_ms:>9.2f} {ratio:>8} {queries:>8}  {goal}"
        )
        if row.note:
            print(f"{'':<4}{row.note}")
