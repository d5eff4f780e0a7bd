"""Importing entries (issue 15): a 10,000-row CSV read, validated and checked for
duplicates (the dry-run preview a moderator sees; goal ≤ 30 s), and the import itself
(one transaction, rows entering as submitted; rolled back here so later benchmarks see
the same data).

The file is made here in the atlas export's own shape (evidence_json,
lifecycle_events_json, contributors_json), countries by name and by code, categories by
name and by slug, so every column the import reads is exercised. ``BENCH_IMPORT_ROWS``
sets the preview's size, ``BENCH_IMPORT_WRITE_ROWS`` the written import's.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time

from bench.harness import Row

PREVIEW_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
WRITE_ROWS = int(os.environ.get("BENCH_IMPORT_WRITE_ROWS", "1000"))
PREVIEW_GOAL_S = 30.0
COUNTRIES = ["China", "DE", "France", "US", "India", "BR", "Kenya", "GB", "Japan", "EU"]


def make_csv(rows: int) -> str:
    from apps.atlas.models import Category

    categories = list(Category.objects.values_list("slug", "name"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([
        "title", "summary", "country", "category", "operator", "lifecycle", "start_year",
        "end_year", "data_sources", "evidence_json", "lifecycle_events_json",
        "contributors_json",
    ])  # fmt: skip
    for index in range(rows):
        slug, name = categories[index % len(categories)]
        evidence = [{
            "title": f"Report {index}", "url": f"https://example.org/report/{index}",
            "publisher": "Bench Institute", "published": "2020-05-01",
        }]  # fmt: skip
        events = [{
            "state": "pilot", "date": str(2010 + index % 10),
            "evidence_title": f"Pilot {index}", "evidence_url": f"https://example.org/p/{index}",
        }]  # fmt: skip
        people = [{"name": f"Researcher {index % 97}", "orcid": "", "role": "author"}]
        writer.writerow([
            f"Imported scoring scheme number {index} of {rows}",
            f"A scheme imported for the benchmark, row {index}.",
            COUNTRIES[index % len(COUNTRIES)],
            name if index % 2 else slug,
            "state", "active", 2010 + index % 10, "", "financial;online_behaviour",
            json.dumps(evidence), json.dumps(events), json.dumps(people),
        ])  # fmt: skip
    return out.getvalue()


def run(yardstick, user) -> list[Row]:
    from django.contrib.auth.models import Group
    from django.db import transaction

    from apps.atlas.imports import services
    from apps.moderation.permissions import forget_roles

    user.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    forget_roles(user)
    rows: list[Row] = []

    text = make_csv(PREVIEW_ROWS)
    start = time.perf_counter()
    report = services.entries_import(actor=user, text=text, dry_run=True)
    seconds = time.perf_counter() - start
    assert report.ok, report.errors[:3]
    rows.append(
        Row(
            f"import: dry-run preview of a {PREVIEW_ROWS:,}-row CSV",
            seconds * 1000,
            seconds * 1000,
            goal=f"≤ {PREVIEW_GOAL_S:g} s",
            met=seconds <= PREVIEW_GOAL_S,
            note=f"{len(text) / 1e6:.1f} MB; every row validated and checked for duplicates",
        )
    )

    text = make_csv(WRITE_ROWS)
    start = time.perf_counter()
    with transaction.atomic():
        # Not published: the codebook's required value citations are not in the file
        # (rows enter as submitted, as a non-moderator's would).
        report = services.entries_import(actor=user, text=text, confirm_duplicates=True)
        seconds = time.perf_counter() - start
        assert len(report.imported) == WRITE_ROWS
        transaction.set_rollback(True)  # later benchmarks see the data they expect
    rows.append(
        Row(
            f"import: {WRITE_ROWS:,} rows imported as submitted (one transaction)",
            seconds * 1000,
            seconds * 1000,
            note=f"{seconds / WRITE_ROWS * 1000:.1f} ms a row; rolled back afterwards",
        )
    )
    return rows
