"""Search latency on PostgreSQL with many passages (not run by `make test`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditscape_search_bench \
        python bench/search.py --passages 100000

Creates the data once (idempotent: it tops up to --passages), then times the search API
for a mix of queries against a bare Django view in the same run, and prints p50/p95.
Annotations are not included yet (their app adds its own provider and rows).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from apps.search.services import search_reindex_all  # noqa: E402
from apps.sources.importers.base import anchor_for  # noqa: E402
from apps.sources.models import Document, DocumentStatus, Passage, Source  # noqa: E402

PASSAGES_PER_DOCUMENT = 200
QUERIES = [
    "Schufa",
    "credit score",
    '"social credit"',
    "blacklist OR redlist",
    "credit -china",
    "neighbourhood rating",
    "surveillance platform",
    "infrastucture",
]


def vocabulary() -> list[str]:
    seed = Path("apps/sources/seed/wong-2021-social-credit.txt").read_text()
    return [w.strip(".,;:()'\"") for w in seed.split() if len(w) > 2]


def populate(target: int) -> None:
    have = Passage.objects.count()
    if have >= target:
        return
    words = vocabulary()
    rng = random.Random(42)
    documents = (target - have + PASSAGES_PER_DOCUMENT - 1) // PASSAGES_PER_DOCUMENT
    start = Source.objects.count()
    for n in range(start, start + documents):
        with transaction.atomic():
            source = Source.objects.create(
                slug=f"bench-{n}", title=" ".join(rng.choices(words, k=8)).capitalize(),
                authors=[f"Author {n}"], year=1990 + n % 35,
                abstract=" ".join(rng.choices(words, k=80)),
            )  # fmt: skip
            texts = [
                " ".join(rng.choices(words, k=rng.randint(40, 160)))
                for _ in range(PASSAGES_PER_DOCUMENT)
            ]
            body, passages, cursor = [], [], 0
            for order, text in enumerate(texts):
                passages.append((order, text, cursor, cursor + len(text)))
                body.append(text)
                cursor += len(text) + 2
            document = Document.objects.create(
                source=source, version=1, status=DocumentStatus.READY, import_format="text",
                text="\n\n".join(body),
            )  # fmt: skip
            Passage.objects.bulk_create(
                Passage(document=document, order=o, kind="paragraph", section="", text=t,
                        start=s, end=e, anchor=f"{anchor_for(t)}-{o}")
                for o, t, s, e in passages
            )  # fmt: skip
            source.current_document = document
            source.save(update_fields=["current_document"])
        print(f"  source {n + 1 - start}/{documents}", end="\r", flush=True)
    print()
    search_reindex_all()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(client: Client, url: str, rounds: int) -> list[float]:
    client.get(url)  # warm up
    samples = []
    for _ in range(rounds):
        begin = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{name:42s} p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: this measures PostgreSQL search.")
    call_command("migrate", verbosity=0)
    populate(args.passages)
    print(f"{Passage.objects.count():,} passages, {Source.objects.count():,} sources")
    client = Client()
    report("bare view (/healthz)", timed(client, "/healthz", args.rounds))
    everything = []
    for q in QUERIES:
        samples = timed(client, f"/api/search/?q={q}", args.rounds)
        everything.extend(samples)
        report(f"/api/search/?q={q}", samples)
    report("all search queries", everything)
    report("search page (HTML, facets)", timed(client, "/search/?q=credit+score", args.rounds))


if __name__ == "__main__":
    main()
