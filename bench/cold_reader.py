"""The cold reader of issue 13 against the bare view, in one process: median wall time
and process CPU time of each (CPU is what our code costs; on a shared machine wall time
also counts waiting for the cores), with the ``reader from cold caches`` row's settings:
no page body and no passage markup cached (``PUBLIC_FRAGMENT_CACHE_SECONDS=0``,
``HTTP_CACHE_BODY_SECONDS=0``), 2,000 annotations + 5,000 replies (bench_annotations);
then the same page's ``304`` revalidation (``If-None-Match``, the ``reader: 304
revalidation`` row), 400 requests each side.

    python bench/cold_reader.py [requests=40]

A throwaway database like ``make bench`` (``BENCH_DATABASE=existing``: the configured
one, filled on the first run and reused). Two rounds, bare view measured before and
after the reader each time; one line per round.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def reader_source():
    from django.contrib.auth import get_user_model

    from apps.sources.models import Source
    from bench import bench_annotations as data

    existing = Source.objects.filter(slug="bench-annotations").first()
    if existing is not None:
        return existing
    user = get_user_model().objects.filter(username="bench").first()
    user = user or get_user_model().objects.create_user("bench", "bench@example.org", None)
    rng = random.Random(data.SEED)
    texts = data.paragraphs(rng, data.TEXT_LENGTH)
    source, document = data.make_source("bench-annotations", texts)
    data.annotate_in_bulk(rng, document=document, users=data.make_users(20),
                          roots=data.ROOTS, replies=data.REPLIES, viewer=user)  # fmt: skip
    return source


def sample(
    client, path: str, repeat: int, warmup: int = 3, headers=None, status: int = 200
) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``repeat`` GETs."""
    for _ in range(warmup):
        client.get(path, headers=headers)
    wall, cpu = [], []
    for _ in range(repeat):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        response = client.get(path, headers=headers)
        wall.append((time.perf_counter() - wall_start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
        assert response.status_code == status, (path, response.status_code)
    return statistics.median(wall), statistics.median(cpu)


def report(name: str, measured, before, after, extra: str = "") -> None:
    wall, cpu = measured
    bare_wall, bare_cpu = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
    print(
        f"{name}: {extra}wall {wall:.2f} ms = {wall / bare_wall:.1f}x bare ({bare_wall:.3f} ms), "
        f"CPU {cpu:.2f} ms = {cpu / bare_cpu:.1f}x bare ({bare_cpu:.3f} ms); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main(repeat: int) -> None:
    harness.setup_django()
    from django.test import Client, override_settings

    old_name = harness.create_database()
    try:
        with override_settings(ROOT_URLCONF="bench.urls"):
            url = reader_source().get_absolute_url()
            client = Client()
            with override_settings(PUBLIC_FRAGMENT_CACHE_SECONDS=0, HTTP_CACHE_BODY_SECONDS=0):
                queries = harness.count_queries(lambda: client.get(url))
                for _ in range(2):
                    before = sample(client, "/__bench__/bare/", 200, warmup=20)
                    cold = sample(client, url, repeat)
                    after = sample(client, "/__bench__/bare/", 200, warmup=20)
                    report("cold reader", cold, before, after, f"{queries} queries, ")
            revalidate = {"If-None-Match": client.get(url)["ETag"]}
            for _ in range(2):
                before = sample(client, "/__bench__/bare/", 400, warmup=20)
                not_modified = sample(client, url, 400, 20, headers=revalidate, status=304)
                after = sample(client, "/__bench__/bare/", 400, warmup=20)
                report("304 revalidation", not_modified, before, after)
    finally:
        harness.destroy_database(old_name)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
