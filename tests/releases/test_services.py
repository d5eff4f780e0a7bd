"""Cutting a release: who may, which versions, what the snapshot and files hold, and that
nothing in a release changes afterwards (checked by SHA-256 of every file)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.merge import services as merge_services
from apps.releases import files, services
from apps.releases.models import Release, ReleaseEntry, ReleaseStatus
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

from .conftest import checksums, file_bytes

pytestmark = pytest.mark.django_db


def test_a_release_freezes_every_published_entry_and_builds_every_file(
    client, moderator, entries, cut
):
    release = cut(moderator, "1.0.0", notes="The *first* one.")
    assert release.status == ReleaseStatus.READY
    assert release.entry_count == 3
    assert release.notes_html == "<p>The <em>first</em> one.</p>\n"
    assert sorted(release.files.values_list("name", flat=True)) == sorted(files.FILE_NAMES)
    record = ReleaseEntry.objects.get(release=release, example_id=entries[0].pk).record
    assert record["evidence"][0]["published"] == "2018-11-28"
    assert record["passages"][0]["source"] == "wong-2021-social-credit"
    assert record["contributors"] == [
        {"name": "Ada Author", "orcid": "0000-0002-1825-0097", "role": "author"}
    ]
    # entries.csv is the live export's rows as they were at that instant.
    live = client.get("/api/examples/export.csv").content.decode()
    assert file_bytes(client, release, "entries.csv").decode() == live
    rows = list(csv.DictReader(io.StringIO(live)))
    assert {row["title"] for row in rows} == {e.title for e in entries}
    geojson = json.loads(file_bytes(client, release, "entries.geojson"))
    assert len(geojson["features"]) == 3 and geojson["version"] == "1.0.0"
    jsonld = json.loads(file_bytes(client, release, "entries.jsonld"))
    assert len(jsonld["hasPart"]) == 3
    sums = file_bytes(client, release, "SHA256SUMS").decode().splitlines()
    listed = dict(reversed(line.split("  ")) for line in sums)
    actual = checksums(client, release)
    assert listed == {name: digest for name, digest in actual.items() if name != "SHA256SUMS"}
    codebook = file_bytes(client, release, "codebook.md").decode()
    assert "## Lifecycle (`lifecycle`, one value)" in codebook
    assert "First release: 3 entries." in file_bytes(client, release, "CHANGELOG.md").decode()


def test_nothing_in_a_release_changes_after_edits_merges_and_withdrawals(
    client, moderator, author, entries, cut
):
    release = cut(moderator, "1.0.0")
    before = checksums(client, release)
    schufa, sesame, social = entries
    entry_services.example_update(
        actor=moderator, example=schufa, changes={"lifecycle": "discontinued", "end_year": 2024}
    )
    merge_services.example_merge(
        actor=moderator,
        source=social,
        target_id=sesame.pk,
        reason="Duplicate",
        fields={"title": "target", "category": "target", "lifecycle": "source"},
    )
    sesame.refresh_from_db()
    transitions.example_transition(actor=moderator, example=sesame, to="archived", reason="Out")
    author.display_name = "Ada Renamed"
    author.save()
    release.refresh_from_db()
    assert checksums(client, release) == before
    assert ReleaseEntry.objects.get(release=release, example_id=schufa.pk).lifecycle == "active"


def test_the_changelog_lists_added_changed_field_by_field_and_withdrawn_entries(
    client, moderator, author, entries, make_published, cut
):
    first = cut(moderator, "1.0.0")
    schufa, sesame, _social = entries
    entry_services.example_update(
        actor=moderator, example=schufa, changes={"lifecycle": "discontinued", "end_year": 2024}
    )
    transitions.example_transition(actor=moderator, example=sesame, to="archived", reason="Out")
    added = make_published(
        author, title="Tenant screening", country="US", category="tenant-screening"
    )
    second = cut(moderator, "1.1.0", title="Second")
    assert second.previous == first
    changelog = file_bytes(client, second, "CHANGELOG.md").decode()
    assert "Compared with 1.0.0" in changelog
    added_part = changelog.split("### Added (1)")[1].split("###")[0]
    assert f"[#{added.pk}]" in added_part and "Tenant screening" in added_part
    changed_part = changelog.split("### Changed (1)")[1].split("###")[0]
    assert "lifecycle: active → discontinued" in changed_part
    assert "end_year: — → 2024" in changed_part
    withdrawn_part = changelog.split("### Withdrawn (1)")[1]
    assert "Sesame Credit" in withdrawn_part


@pytest.mark.parametrize(
    "version",
    ["", "1", "1.0", "01.0.0", "1.0.0-rc.1", "v1.0.0", "1.0.0\x00", "9" * 2000, "1.-1.0"],
)
def test_a_malformed_version_is_refused_and_nothing_is_stored(moderator, version):
    with pytest.raises(ValidationError) as raised:
        services.release_create(actor=moderator, version=version, title="T")
    assert "version" in raised.value.message_dict
    assert not Release.objects.exists()


def test_versions_only_go_up(moderator, entries, cut):
    cut(moderator, "1.2.0")
    for version in ("1.2.0", "1.1.9", "0.9.0"):
        with pytest.raises(ValidationError, match="Versions only go up"):
            services.release_create(actor=moderator, version=version, title="T")
    assert cut(moderator, "1.10.0").status == ReleaseStatus.READY
    assert list(Release.objects.values_list("version", flat=True)) == ["1.10.0", "1.2.0"]


def test_a_title_is_required(moderator):
    with pytest.raises(ValidationError) as raised:
        services.release_create(actor=moderator, version="1.0.0", title="  ")
    assert "title" in raised.value.message_dict
    assert not Release.objects.exists()


def test_only_global_moderators_cut_releases(db):
    for user in (UserFactory(), make_moderator(countries=["DE"])):
        with pytest.raises(PermissionDenied):
            services.release_create(actor=user, version="1.0.0", title="T")
    assert not Release.objects.exists()


def test_one_release_builds_at_a_time(moderator):
    services.release_create(actor=moderator, version="1.0.0", title="T")  # not built: no commit
    with pytest.raises(ValidationError, match="still being built"):
        services.release_create(actor=moderator, version="1.0.1", title="T")


def test_a_failed_build_is_recorded_and_can_be_retried(moderator, entries, cut, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(files, "codebook_md", broken)
    cut(moderator, "1.0.0")  # the task logs the failure; the event isolates it
    release = Release.objects.get()
    assert release.status == ReleaseStatus.FAILED
    assert "RuntimeError" in release.error and "disk" not in release.error
    monkeypatch.undo()
    services.release_retry(actor=moderator, release=release)
    services.release_build(release_id=release.pk)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
    assert release.files.count() == len(files.FILE_NAMES)


def test_a_doi_is_recorded_without_touching_the_files(client, moderator, entries, cut):
    release = cut(moderator, "1.0.0")
    before = checksums(client, release)
    services.release_set_doi(
        actor=moderator, release=release, doi="https://doi.org/10.5281/zenodo.42"
    )
    release.refresh_from_db()
    assert release.doi == "10.5281/zenodo.42"
    assert checksums(client, release) == before
    with pytest.raises(ValidationError):
        services.release_set_doi(actor=moderator, release=release, doi="not a doi")
    with pytest.raises(PermissionDenied):
        services.release_set_doi(actor=UserFactory(), release=release, doi="")
    release.refresh_from_db()
    assert release.doi == "10.5281/zenodo.42"


def test_a_stalled_build_can_be_retried_after_its_time_limit(
    moderator, entries, run_on_commit, monkeypatch
):
    import datetime

    from django.utils import timezone

    with monkeypatch.context() as patch, run_on_commit():
        # The enqueue is lost (a broker outage): the release stays "building".
        patch.setattr("apps.releases.tasks.build_release.delay_on_commit", lambda _id: None)
        release = services.release_create(actor=moderator, version="1.0.0", title="T")
    with pytest.raises(ValidationError, match="failed or stalled"):
        services.release_retry(actor=moderator, release=release)
    Release.objects.filter(pk=release.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=36)
    )
    with run_on_commit():
        services.release_retry(actor=moderator, release=release)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
