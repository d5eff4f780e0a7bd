"""Lifecycle changes as dated events with evidence (issue 15): who may record them, what
is refused (and nothing stored), the entry page's timeline, the API, and the exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.atlas.lifecycle import services
from apps.atlas.lifecycle.models import LifecycleEvent
from tests.factories import UserFactory

from .conftest import api

pytestmark = pytest.mark.django_db

PILOT = services.LifecycleEventData(
    state="pilot", date="2014", evidence_title="State Council planning outline",
    evidence_url="https://example.org/outline", evidence_publisher="State Council",
    evidence_published="2014-06-14",
)  # fmt: skip
ACTIVE = services.LifecycleEventData(
    state="active", date="2020-12", evidence_title="Implementation notice",
    evidence_url="https://example.org/notice", note="Nationwide",
)  # fmt: skip


@pytest.fixture
def entry(user, make_published):
    return make_published(user, title="Social Credit System", country="CN")


@pytest.fixture
def china_moderator(db):
    from tests.moderation.conftest import make_moderator

    return make_moderator(countries=["CN"])


def test_a_moderator_records_dated_changes_and_the_page_shows_a_timeline(
    client, entry, china_moderator
):
    services.lifecycle_event_add(actor=china_moderator, example=entry, data=ACTIVE)
    event = services.lifecycle_event_add(actor=china_moderator, example=entry, data=PILOT)
    assert (event.date.isoformat(), event.precision, event.date_display) == (
        "2014-01-01", "year", "2014"
    )  # fmt: skip
    page = client.get(entry.get_absolute_url()).content.decode()
    timeline = page.split('class="lifecycle-timeline"')[1].split("</ol>")[0]
    # Oldest first, each with its date, state and evidence.
    assert timeline.index('datetime="2014"') < timeline.index('datetime="2020-12"')
    assert "Pilot" in timeline and "Active" in timeline and "Nationwide" in timeline
    assert 'href="https://example.org/outline">State Council planning outline</a>' in timeline


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"state": "unknown"}, "event.state"),
        ({"state": "x" * 2000}, "event.state"),
        ({"date": "2014-02-30"}, "event.date"),
        ({"date": "next year"}, "event.date"),
        ({"date": "2999"}, "event.date"),
        ({"date": "1850"}, "event.date"),
        ({"evidence_title": " \x00 "}, "event.evidence_title"),
        ({"evidence_url": "javascript:alert(1)"}, "event.evidence_url"),
        ({"evidence_url": ""}, "event.evidence_url"),
        ({"evidence_published": "June"}, "event.evidence_published"),
        ({"note": "n" * 2000}, "event.note"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_stored(
    entry, china_moderator, overrides, field
):
    data = services.LifecycleEventData(**{**PILOT.__dict__, **overrides})
    with pytest.raises(ValidationError) as caught:
        services.lifecycle_event_add(actor=china_moderator, example=entry, data=data)
    assert field in caught.value.message_dict
    assert not LifecycleEvent.objects.exists()


def test_the_same_change_twice_is_refused(entry, china_moderator):
    services.lifecycle_event_add(actor=china_moderator, example=entry, data=PILOT)
    with pytest.raises(ValidationError):
        services.lifecycle_event_add(actor=china_moderator, example=entry, data=PILOT)
    assert LifecycleEvent.objects.count() == 1


def test_only_the_entrys_editors_record_or_remove_changes(entry, user, china_moderator):
    german = __import__("tests.moderation.conftest", fromlist=["x"]).make_moderator(
        countries=["DE"]
    )
    for outsider in (UserFactory(), german, user):  # user: untrusted author of a published entry
        with pytest.raises(PermissionDenied):
            services.lifecycle_event_add(actor=outsider, example=entry, data=PILOT)
    event = services.lifecycle_event_add(actor=china_moderator, example=entry, data=PILOT)
    with pytest.raises(PermissionDenied):
        services.lifecycle_event_delete(actor=german, event=event)
    services.lifecycle_event_delete(actor=china_moderator, event=event)
    assert not LifecycleEvent.objects.exists()


def test_the_api_lists_records_and_removes_changes(entry, china_moderator):
    url = f"/api/examples/{entry.pk}/lifecycle/"
    assert api().post(url, {}, format="json").status_code == 401
    assert api(UserFactory()).post(url, PILOT.__dict__, format="json").status_code == 403
    bad = api(china_moderator).post(url, {**PILOT.__dict__, "date": "\x00" * 2000}, format="json")
    assert bad.status_code == 400 and not LifecycleEvent.objects.exists()
    made = api(china_moderator).post(url, PILOT.__dict__, format="json")
    assert made.status_code == 201, made.content
    listed = api().get(url).json()
    assert listed == [made.json()] and listed[0]["date"] == "2014"
    gone = api(china_moderator).delete(f"{url}{made.json()['id']}/")
    assert gone.status_code == 204 and api().get(url).json() == []


def test_the_editors_page_records_and_removes_changes(client, entry, china_moderator, user):
    url = f"/atlas/examples/{entry.pk}/lifecycle/"
    client.force_login(user)
    assert client.get(url).status_code == 403
    client.force_login(china_moderator)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"action": "add", **PILOT.__dict__, "date": "someday"})
    assert bad.status_code == 400 and "2014-06-14" in bad.content.decode()
    assert not LifecycleEvent.objects.exists()
    assert client.post(url, {"action": "add", **PILOT.__dict__}).status_code == 302
    event = LifecycleEvent.objects.get()
    assert client.post(url, {"action": "delete", "event": event.pk}).status_code == 302
    assert not LifecycleEvent.objects.exists()


def test_exports_carry_the_changes(client, entry, china_moderator):
    services.lifecycle_event_add(actor=china_moderator, example=entry, data=PILOT)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/examples/export.csv").content.decode()))
    )
    events = json.loads(rows[0]["lifecycle_events_json"])
    assert events == [services.event_json(LifecycleEvent.objects.get())]
    assert events[0]["evidence_published"] == "2014-06-14"
    geojson = client.get("/api/examples/export.geojson").json()
    assert geojson["features"][0]["properties"]["lifecycle_events"][0]["state"] == "pilot"
