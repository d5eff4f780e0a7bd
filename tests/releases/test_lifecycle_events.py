"""Dated lifecycle changes in releases (issue 15): a change recorded after a cut leaves
that release's files byte-identical and its ``?release=`` view as it was; the next cut's
entries.jsonld carries the changes on the lifecycle value, and its changelog the value
they set."""

from __future__ import annotations

import json

import pytest

from apps.atlas.lifecycle import services as lifecycle_services

from .conftest import checksums, file_bytes

pytestmark = pytest.mark.django_db

ACTIVE = lifecycle_services.LifecycleEventData(
    state="active", date="2020-12", evidence_title="Implementation notice",
    evidence_url="https://example.org/notice",
)  # fmt: skip


def lifecycle_value(part: dict) -> dict:
    return next(p for p in part["additionalProperty"] if p["name"] == "lifecycle")


def test_only_new_cuts_carry_the_changes_and_old_files_stay_byte_identical(
    client, moderator, entries, cut
):
    social = entries[2]  # coded "pilot" by hand
    first = cut(moderator, "1.0.0")
    before = checksums(client, first)
    lifecycle_services.lifecycle_event_add(actor=moderator, example=social, data=ACTIVE)
    first.refresh_from_db()
    assert checksums(client, first) == before
    old = client.get("/api/examples/export.jsonld?release=1.0.0").json()
    (old_part,) = [p for p in old["hasPart"] if p["name"] == social.title]
    assert lifecycle_value(old_part) == {
        "@type": "PropertyValue", "name": "lifecycle", "value": "pilot"
    }  # fmt: skip

    second = cut(moderator, "1.1.0", title="Second")
    parts = json.loads(file_bytes(client, second, "entries.jsonld"))["hasPart"]
    (part,) = [p for p in parts if p["name"] == social.title]
    value = lifecycle_value(part)
    assert value["value"] == "active"
    assert [
        (c["value"], c["startDate"], c["citation"]["url"]) for c in value["valueReference"]
    ] == [("active", "2020-12", "https://example.org/notice")]
    # The others have no changes: their parts read as in 1.0.0.
    assert all("valueReference" not in lifecycle_value(p) for p in parts if p is not part)
    changelog = file_bytes(client, second, "CHANGELOG.md").decode()
    assert "lifecycle: pilot → active" in changelog.split("### Changed (1)")[1]
