"""Search on PostgreSQL: 100,000 passages and 200,000 annotations (issue 6: p95 ≤ 100 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> python bench/run.py search

Fills the throwaway database with SQL (a minute or two: text is drawn from the founding
paper's words, so common words such as "credit" match a large share of all rows, which
is the hard case), then times the search API and page for a mix of queries, anonymous
and signed in, against the bare view of the same run. On SQLite it reports a skip: the
fallback is not built for this size.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from bench.harness import Row, count_queries, p95, timeit

PASSAGES = int(os.environ.get("BENCH_SEARCH_PASSAGES", 100_000))
ANNOTATIONS = int(os.environ.get("BENCH_SEARCH_ANNOTATIONS", 200_000))
PASSAGES_PER_DOCUMENT = 200
USERS = 50
ENTRIES = 300
REPLY_SHARE = 0.1
GOAL_MS = 100.0
REPEAT = int(os.environ.get("BENCH_SEARCH_REPEAT", 30))
# Only the requests whose name contains this text (e.g. "page"), to iterate on one.
ONLY = os.environ.get("BENCH_SEARCH_ONLY", "")
TAGS = [
    "geo-scoring", "credit", "surveillance", "blacklist", "platform", "methodology",
    "question", "law", "country:DE", "country:CN",
]  # fmt: skip

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
    seed = Path(__file__).resolve().parent.parent / "apps/sources/seed/wong-2021-social-credit.txt"
    return [w.strip(".,;:()'\"“”") for w in seed.read_text().split() if len(w) > 2]


def populate(owner) -> dict[str, int]:
    """Sources, passages, users, annotations (10 % replies, 8 % private, 2 % hidden) and
    published atlas entries; then the stored vectors and fresh planner statistics."""
    import random

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from apps.atlas.models import Category, Example, Status
    from apps.search.services import search_reindex_all
    from apps.sources.models import Document, DocumentStatus, Source

    words = vocabulary()
    rng = random.Random(42)
    documents = PASSAGES // PASSAGES_PER_DOCUMENT
    with transaction.atomic():
        sources = Source.objects.bulk_create(
            Source(
                slug=f"bench-{n}", title=" ".join(rng.choices(words, k=8)).capitalize(),
                authors=[f"Author {n}"], year=1990 + n % 35,
                abstract=" ".join(rng.choices(words, k=80)), added_by=owner,
            )
            for n in range(documents)
        )  # fmt: skip
        docs = Document.objects.bulk_create(
            Document(
                source=source, version=1, status=DocumentStatus.READY, import_format="text",
                text="(generated)",
            )
            for source in sources
        )  # fmt: skip
        for source, document in zip(sources, docs, strict=True):
            source.current_document = document
        Source.objects.bulk_update(sources, ["current_document"])
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"bench-user-{n}", email=f"u{n}@example.org",
                             password="!")  # unusable
            for n in range(USERS)
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
            # One passage in 20 is a heading (weight A); paragraphs are 40-160 words.
            cursor.execute(
                """
                INSERT INTO sources_passage
                    (document_id, "order", kind, section, text, start, "end", anchor)
                SELECT d.id, g.n,
                       CASE WHEN g.n %% 20 = 0 THEN 'heading' ELSE 'paragraph' END,
                       '', t.body, g.n * 4000, g.n * 4000 + length(t.body), 'b' || g.n
                FROM sources_document d
                CROSS JOIN generate_series(0, %(per)s - 1) AS g(n)
                CROSS JOIN LATERAL (
                    SELECT string_agg(
                        (%(words)s::text[])[1 + floor(random() * %(nwords)s)::int], ' ') AS body
                    FROM generate_series(1, CASE WHEN g.n %% 20 = 0
                        THEN 3 + floor(random() * 6)::int
                        ELSE 40 + floor(random() * 120)::int END + 0 * d.id)
                ) t
                WHERE d.id = ANY(%(docs)s)
                """,
                {"per": PASSAGES_PER_DOCUMENT, "words": words, "nwords": len(words),
                 "docs": [d.pk for d in docs]},
            )  # fmt: skip
            cursor.execute("SELECT min(id), count(*) FROM sources_passage")
            first_passage, passages = cursor.fetchone()
            roots = int(ANNOTATIONS * (1 - REPLY_SHARE))
            cursor.execute(
                """
                INSERT INTO annotations_annotation
                    (created, modified, source_id, document_id, author_id, body, body_html,
                     tags, motivation, visibility, edited, hidden, awaiting_approval, exact,
                     prefix, suffix, passage_id, start, "end")
                SELECT now() - make_interval(secs => g.n * 7), now(), d.source_id, p.document_id,
                       (%(users)s::int[])[1 + floor(random() * %(nusers)s)::int],
                       b.body, '',
                       CASE WHEN random() < 0.5 THEN '[]'::jsonb
                            ELSE jsonb_build_array(
                                (%(tags)s::text[])[1 + floor(random() * %(ntags)s)::int]) END,
                       'commenting',
                       CASE WHEN random() < 0.08 THEN 'private' ELSE 'public' END,
                       false, random() < 0.02, false, substr(p.text, 1, 60), '', '',
                       p.id, p.start, p.start + least(60, length(p.text))
                FROM generate_series(1, %(roots)s) AS g(n)
                -- The random id is computed first: a volatile expression in the WHERE
                -- clause would make PostgreSQL scan every passage for every row.
                CROSS JOIN LATERAL (
                    SELECT %(first)s + floor(random() * %(passages)s)::int + 0 * g.n AS id
                ) pick
                JOIN sources_passage p ON p.id = pick.id
                JOIN sources_document d ON d.id = p.document_id
                CROSS JOIN LATERAL (
                    SELECT string_agg(
                        (%(words)s::text[])[1 + floor(random() * %(nwords)s)::int], ' ') AS body
                    FROM generate_series(1, 10 + floor(random() * 50)::int + 0 * g.n)
                ) b
                """,
                {"users": [u.pk for u in users], "nusers": len(users), "tags": TAGS,
                 "ntags": len(TAGS), "roots": roots, "first": first_passage,
                 "passages": passages, "words": words, "nwords": len(words)},
            )  # fmt: skip
            cursor.execute("SELECT min(id), count(*) FROM annotations_annotation")
            first_root, root_count = cursor.fetchone()
            cursor.execute(
                """
                INSERT INTO annotations_annotation
                    (created, modified, source_id, document_id, author_id, body, body_html,
                     tags, motivation, visibility, edited, hidden, awaiting_approval, exact,
                     prefix, suffix, parent_id, thread_id)
                SELECT now() - make_interval(secs => g.n * 5), now(), r.source_id, r.document_id,
                       (%(users)s::int[])[1 + floor(random() * %(nusers)s)::int],
                       b.body, '', '[]'::jsonb, 'replying', r.visibility, false, false, false,
                       '', '', '', r.id, r.id
                FROM generate_series(1, %(replies)s) AS g(n)
                CROSS JOIN LATERAL (
                    SELECT %(first)s + floor(random() * %(roots)s)::int + 0 * g.n AS id
                ) pick
                JOIN annotations_annotation r ON r.id = pick.id
                CROSS JOIN LATERAL (
                    SELECT string_agg(
                        (%(words)s::text[])[1 + floor(random() * %(nwords)s)::int], ' ') AS body
                    FROM generate_series(1, 10 + floor(random() * 40)::int + 0 * g.n)
                ) b
                """,
                {"users": [u.pk for u in users], "nusers": len(users),
                 "replies": ANNOTATIONS - roots, "first": first_root, "roots": root_count,
                 "words": words, "nwords": len(words)},
            )  # fmt: skip
        categories = list(Category.objects.all())
        codes = ["DE", "CN", "US", "GB", "FR", "IN", "BR", "ZA", "AU", "JP"]
        Example.objects.bulk_create(
            Example(
                title=" ".join(rng.choices(words, k=5)).capitalize(), slug=f"entry-{n}",
                summary=" ".join(rng.choices(words, k=60)), country=codes[n % len(codes)],
                category=categories[n % len(categories)], start_year=1990 + n % 30,
                status=Status.PUBLISHED if n % 10 else Status.DRAFT, author=owner,
            )
            for n in range(ENTRIES)
        )  # fmt: skip
    started = time.perf_counter()
    search_reindex_all()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"index_seconds": round(time.perf_counter() - started)}


def _row(yardstick, name: str, client, path: str, *, cold: bool = False) -> Row:
    from apps.annotations.models import Annotation
    from apps.common import http_cache

    def get():
        if cold:
            # New versions: the facet counts kept for this query are not found (the page
            # counts them again), as after any committed change. Costs one INCR.
            http_cache.invalidate(Annotation)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    queries = count_queries(get)
    samples = timeit(get, repeat=REPEAT, warmup=2)
    median = statistics.median(samples)
    worst = p95(samples)
    return Row(
        name, median, worst, ratio=median / yardstick.median, queries=queries,
        goal=f"p95 ≤ {GOAL_MS:g} ms", met=worst <= GOAL_MS,
    )  # fmt: skip


def run(yardstick, user) -> list[Row]:
    from urllib.parse import urlencode

    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        return [Row("search: skipped (needs PostgreSQL)", 0, 0)]
    from apps.sources.models import Source

    rows = []
    # A database kept from an earlier run (a driver calling create_test_db(keepdb=True))
    # is reused as it is: filling takes about two minutes.
    if not Source.objects.filter(slug="bench-0").exists():
        started = time.perf_counter()
        info = populate(user)
        seconds = time.perf_counter() - started
        rows.append(
            Row(
                f"search: fill {PASSAGES:,} passages, {ANNOTATIONS:,} annotations",
                seconds * 1000, seconds * 1000,
                note=f"of which computing the stored vectors: {info['index_seconds']} s",
            )
        )  # fmt: skip
    anonymous = Client()
    signed_in = Client()
    signed_in.force_login(user)
    requests = [(f"API q={q}", anonymous, "/api/search/?" + urlencode({"q": q})) for q in QUERIES]
    for name, params in [
        ("API q=credit score (signed in)", {"q": "credit score"}),
        ("API q=surveillance kind=annotation", {"q": "surveillance", "kind": "annotation"}),
        ("API q=credit tag=credit", {"q": "credit", "tag": "credit"}),
        ("API q=credit kind=entry country=DE", {"q": "credit", "kind": "entry", "country": "DE"}),
    ]:
        client = signed_in if "signed in" in name else anonymous
        requests.append((name, client, "/api/search/?" + urlencode(params)))
    # The page keeps its facet counts for a minute (per query and viewer), so repeating a
    # request measures the page with them kept; the "counted" rows count them every time.
    requests += [
        ("page /search/?q=credit score (facets)", anonymous, "/search/?q=credit+score"),
        ("page /search/?q=Schufa (signed in)", signed_in, "/search/?q=Schufa"),
        ("page /search/?q=credit score, facets counted", anonymous, "/search/?q=credit+score"),
        ("page /search/?q=Schufa (signed in), facets counted", signed_in, "/search/?q=Schufa"),
    ]
    timed = [
        _row(yardstick, name, client, path, cold="counted" in name)
        for name, client, path in requests
        if ONLY in name
    ]
    rows += timed
    worst = max((row.p95_ms for row in timed), default=0.0)
    rows.append(
        Row("search: worst p95 of the requests above", worst, worst,
            goal=f"p95 ≤ {GOAL_MS:g} ms", met=worst <= GOAL_MS)
    )  # fmt: skip
    return rows
