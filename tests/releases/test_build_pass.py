"""The build writes the four files made from every snapshot entry (entries.csv,
entries.geojson, entries.jsonld, value-citations.csv) in one pass over the snapshot
(issue 15's performance goal, docs/benchmarks.md). Their bytes are those of the writers
it replaced (kept below, as they were, for the comparison), a retry keeps what was
written, and the number of queries does not grow with the entries."""

from __future__ import annotations

import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.atlas.citation import DATASET_TITLE, LICENCE_NAME, LICENCE_URL
from apps.coding import releases as coding_releases
from apps.common import csv_safe
from apps.releases import citation, files, selectors, services
from apps.releases.models import Release, ReleaseFile, ReleaseStatus

from .test_coding_files import coded  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


# --- The writers as they were before the one pass (session 7), verbatim in substance ----------


def _old_entries_csv(release, rows):
    yield release.csv_header
    yield from rows


def _old_entries_geojson(release, features):
    head = {
        "type": "FeatureCollection",
        "name": DATASET_TITLE,
        "version": release.version,
        "licence": LICENCE_NAME,
        "licence_url": LICENCE_URL,
        "citation": citation.apa_at_build(release),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['
    for index, feature in enumerate(features):
        yield ("," if index else "") + "\n" + feature
    yield "\n]}\n"


def _old_entries_jsonld(release, parts):
    url = files.release_url(release)
    head = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": url,
        "url": url,
        "name": DATASET_TITLE,
        "version": release.version,
        "datePublished": release.date_released.isoformat(),
        "description": files.DESCRIPTION,
        "license": LICENCE_URL,
        "creditText": citation.apa_at_build(release),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "hasPart": ['
    for index, part in enumerate(parts):
        yield ("," if index else "") + "\n" + part
    yield "\n]}\n"


def _old_value_citations_csv(records):
    out = io.StringIO()
    writer = csv_safe.DictWriter(out, fieldnames=coding_releases.CITATION_COLUMNS)
    writer.writeheader()
    for record in records:
        writer.writerows(coding_releases.citation_rows(record["id"], record.get("citations", [])))
    yield out.getvalue()


def _old_authors(records):
    people = {}
    for record in records:
        for person in record["contributors"]:
            key = (person["name"], person["orcid"])
            people.setdefault(key, {"name": person["name"], "orcid": person["orcid"]})
    return sorted(people.values(), key=lambda p: (p["name"].casefold(), p["name"], p["orcid"]))


def _stored(release: Release, name: str) -> bytes:
    return b"".join(selectors.file_chunks(release.files.get(name=name)))


def _expected(release: Release) -> dict[str, bytes]:
    column = lambda name: selectors.entry_column(release, name)  # noqa: E731
    people = _old_authors(column("record"))
    texts = {
        "entries.csv": _old_entries_csv(release, column("csv_row")),
        "entries.geojson": _old_entries_geojson(release, column("geojson")),
        "entries.jsonld": _old_entries_jsonld(release, column("jsonld")),
        "value-citations.csv": _old_value_citations_csv(column("record")),
        "CITATION.cff": files.citation_cff(release, people),
        ".zenodo.json": files.zenodo_json(release, people),
    }
    return {name: "".join(pieces).encode() for name, pieces in texts.items()}


def test_the_one_pass_gives_the_bytes_of_the_writers_it_replaced(
    moderator,
    entries,
    coded,  # noqa: F811 - the fixture imported above
    make_published,
    cut,
):
    # A title a spreadsheet would run as a formula, and a non-ASCII one.
    make_published(moderator, title="=HYPERLINK(1)", country="FR")
    make_published(moderator, title="Zoë’s “score”", country="DE")
    release = cut(moderator, "1.0.0")
    assert release.status == ReleaseStatus.READY and release.entry_count == 5
    expected = _expected(release)
    assert b"=HYPERLINK" in expected["entries.csv"]
    assert expected["value-citations.csv"].count(b"\r\n") == 2  # header and one citation
    for name, content in expected.items():
        assert _stored(release, name) == content, name
        stored = release.files.get(name=name)
        assert stored.size == len(content)


def test_the_one_pass_writes_files_larger_than_a_chunk(moderator, entries, cut, monkeypatch):
    monkeypatch.setattr(services, "FILE_CHUNK_BYTES", 1000)
    release = cut(moderator, "1.0.0")
    stored = release.files.get(name="entries.jsonld")
    assert stored.size > 3000 and stored.chunks.count() == -(-stored.size // 1000)
    assert _stored(release, "entries.jsonld") == _expected(release)["entries.jsonld"]


def test_a_retry_keeps_the_entries_files_and_writes_a_missing_one(
    moderator, entries, cut, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(files, "codebook_md", broken)
    cut(moderator, "1.0.0")
    release = Release.objects.get()
    assert release.status == ReleaseStatus.FAILED
    monkeypatch.undo()
    kept = dict(release.files.values_list("name", "pk"))
    assert {"entries.csv", "entries.jsonld", "value-citations.csv"} <= set(kept)
    # A half-written file (no checksum yet) is written again; the others are kept.
    ReleaseFile.objects.filter(release=release, name="entries.geojson").update(sha256="")

    services.release_retry(actor=moderator, release=release)
    services.release_build(release_id=release.pk)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
    assert release.files.count() == len(files.FILE_NAMES)
    after = dict(release.files.values_list("name", "pk"))
    assert after["entries.csv"] == kept["entries.csv"]
    assert after["entries.geojson"] != kept["entries.geojson"]
    for name, content in _expected(release).items():
        assert _stored(release, name) == content, name
    # The authors come from the records also when no entries file was left to write.
    assert b"Ada Author" in _stored(release, "CITATION.cff")


def test_the_number_of_queries_of_a_build_does_not_grow_with_the_entries(
    moderator, entries, make_published, run_on_commit, monkeypatch
):
    def queries_of_a_build(version: str) -> int:
        with monkeypatch.context() as patch, run_on_commit():
            patch.setattr("apps.releases.tasks.build_release.delay_on_commit", lambda _id: None)
            release = services.release_create(actor=moderator, version=version, title="T")
        with CaptureQueriesContext(connection) as captured:
            services.release_build(release_id=release.pk)
        release.refresh_from_db()
        assert release.status == ReleaseStatus.READY
        return len(captured.captured_queries)

    few = queries_of_a_build("1.0.0")
    # Pinned: a few per file, none per entry (SQLite inserts rows and chunks by query).
    assert few <= (80 if connection.vendor == "postgresql" else 90)
    for index in range(6):
        make_published(moderator, title=f"More {index}", country="FR")
    assert queries_of_a_build("1.1.0") <= few + 2  # the changelog's second stream
