"""Dated lifecycle changes decide the entry's coded ``lifecycle`` (issue 15): the latest
change sets it, removing one falls back to the one before and, with none left, to the
value hand-coded before them; each write is a new version in the entry's history and one
audit-log row; the table, exports and JSON-LD show it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.atlas.lifecycle import services
from apps.atlas.lifecycle.models import LifecycleEvent
from apps.atlas.models import Example
from apps.moderation.models import AuditAction, AuditLogEntry
from tests.factories import UserFactory

from .conftest import api

pytestmark = pytest.mark.django_db


def change(state: str, date: str, title: str = "Evidence", **extra) -> services.LifecycleEventData:
    return services.LifecycleEventData(
        state=state, date=date, evidence_title=title,
        evidence_url=f"https://example.org/{state}-{date}", **extra,
    )  # fmt: skip


@pytest.fixture
def entry(user, make_published):
    # Hand-coded "active" (tests/atlas/conftest.example_data).
    return make_published(user, title="Social Credit System", country="CN")


@pytest.fixture
def china_moderator(db):
    from tests.moderation.conftest import make_moderator

    return make_moderator(countries=["CN"])


def coded(example) -> tuple[str, int]:
    example = Example.objects.get(pk=example.pk)
    return example.lifecycle, example.version


def entries_table(client, query: str) -> str:
    page = client.get(f"/atlas/{query}").content.decode()
    return page.split('id="entries-table"')[1].split("</table>")[0]


def lifecycle_log() -> list[AuditLogEntry]:
    return list(AuditLogEntry.objects.filter(action=AuditAction.LIFECYCLE_CHANGE).order_by("pk"))


def test_the_latest_dated_change_sets_the_coded_lifecycle_as_a_new_version(entry, china_moderator):
    assert coded(entry) == ("active", entry.version)
    services.lifecycle_event_add(actor=china_moderator, example=entry, data=change("pilot", "2014"))
    assert coded(entry) == ("pilot", entry.version + 1)
    services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("discontinued", "2021-03")
    )
    assert coded(entry) == ("discontinued", entry.version + 2)
    # An older change is recorded (and versioned) but does not move the value.
    services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("proposed", "2012")
    )
    assert coded(entry) == ("discontinued", entry.version + 3)
    # The entry's history shows each change: who, why, and the value before and after.
    rows = list(Example.history.filter(id=entry.pk).order_by("-history_date", "-history_id")[:3])
    assert [row.lifecycle for row in rows] == ["discontinued", "discontinued", "pilot"]
    assert rows[2].history_change_reason.startswith("lifecycle event added: pilot on 2014")
    assert "discontinued on 2021-03" in rows[1].history_change_reason
    assert {row.history_user_id for row in rows} == {china_moderator.pk}


def test_on_the_same_date_the_later_recorded_change_wins(entry, china_moderator):
    services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("active", "2020")
    )
    services.lifecycle_event_add(actor=china_moderator, example=entry, data=change("pilot", "2020"))
    assert coded(entry)[0] == "pilot"
    # A year-only date is 1 January: a later day of that year is later.
    services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("active", "2020-01-02")
    )
    assert coded(entry)[0] == "active"


def test_removing_falls_back_to_the_change_before_then_to_the_hand_coded_value(
    entry, china_moderator
):
    pilot = services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("pilot", "2014")
    )
    ended = services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("discontinued", "2021")
    )
    assert coded(entry)[0] == "discontinued"
    services.lifecycle_event_delete(actor=china_moderator, event=ended)
    assert coded(entry)[0] == "pilot"
    services.lifecycle_event_delete(actor=china_moderator, event=pilot)
    # No change left: the value coded by hand before the changes comes back.
    assert coded(entry) == ("active", entry.version + 4)


def test_removing_the_last_imported_change_leaves_the_value_as_it_is(entry, china_moderator):
    # The import stores the file's changes and coded value as given (no hand-coded value
    # known from before them).
    errors = services.Errors()
    events = services.clean_events([change("pilot", "2014")], errors)
    services.replace_events(example=entry, events=events, actor=None)
    Example.objects.filter(pk=entry.pk).update(lifecycle="pilot")
    services.lifecycle_event_delete(actor=china_moderator, event=LifecycleEvent.objects.get())
    assert coded(entry)[0] == "pilot"


def test_correcting_a_change_moves_the_coded_value(entry, china_moderator):
    services.lifecycle_event_add(actor=china_moderator, example=entry, data=change("pilot", "2014"))
    later = services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("active", "2020")
    )
    assert coded(entry)[0] == "active"
    # It ended, and earlier than recorded: the 2014 pilot is now the latest.
    services.lifecycle_event_update(
        actor=china_moderator, event=later, data=change("discontinued", "2013", note="Halted")
    )
    later.refresh_from_db()
    assert (later.state, later.date_display, later.note) == ("discontinued", "2013", "Halted")
    assert coded(entry)[0] == "pilot"


def test_refused_writes_store_nothing_no_version_no_audit_row(entry, china_moderator, user):
    pilot = services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("pilot", "2014")
    )
    services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("active", "2020")
    )
    before, rows, stored = coded(entry), len(lifecycle_log()), services.event_json(pilot)
    with pytest.raises(ValidationError) as caught:  # the same change as the other one
        services.lifecycle_event_update(
            actor=china_moderator, event=pilot, data=change("active", "2020")
        )
    assert "event" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.lifecycle_event_update(
            actor=china_moderator, event=pilot, data=change("pilot", "someday")
        )
    assert "event.date" in caught.value.message_dict
    for outsider in (UserFactory(), user):  # user: untrusted author of a published entry
        with pytest.raises(PermissionDenied):
            services.lifecycle_event_update(
                actor=outsider, event=pilot, data=change("discontinued", "2015")
            )
        with pytest.raises(PermissionDenied):
            services.lifecycle_event_delete(actor=outsider, event=pilot)
    pilot.refresh_from_db()
    assert services.event_json(pilot) == stored
    assert coded(entry) == before and len(lifecycle_log()) == rows


def test_each_write_appends_one_audit_row_with_the_actor_and_a_summary(entry, china_moderator):
    event = services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("pilot", "2014", "Planning outline")
    )
    services.lifecycle_event_update(
        actor=china_moderator, event=event, data=change("pilot", "2014-06", "Planning outline"),
        reason="The outline gives the month",
    )  # fmt: skip
    services.lifecycle_event_delete(actor=china_moderator, event=event, reason="Wrong system")
    added, corrected, removed = lifecycle_log()
    for row in (added, corrected, removed):
        assert (row.actor_id, row.actor_name) == (china_moderator.pk, china_moderator.username)
        assert (row.target_object_id, row.country) == (str(entry.pk), "CN")
    assert added.reason == "lifecycle event added: pilot on 2014 (evidence: Planning outline)."
    assert added.before == {"event": None, "lifecycle": "active"}
    assert added.after["event"]["date"] == "2014" and added.after["lifecycle"] == "pilot"
    assert corrected.reason == "The outline gives the month"
    assert (corrected.before["event"]["date"], corrected.after["event"]["date"]) == (
        "2014", "2014-06"
    )  # fmt: skip
    assert removed.reason == "Wrong system"
    assert removed.before == {"event": corrected.after["event"], "lifecycle": "pilot"}
    assert removed.after["event"] is None and removed.after["lifecycle"] == "active"
    # Append-only: the log's rows cannot be rewritten.
    from apps.moderation.models import AppendOnlyError

    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.filter(pk=added.pk).delete()


def test_the_api_corrects_a_change_and_logs_the_reason(entry, china_moderator):
    url = f"/api/examples/{entry.pk}/lifecycle/"
    made = api(china_moderator).post(
        url, {**change("pilot", "2014").__dict__, "reason": "From the outline"}, format="json"
    )
    assert made.status_code == 201, made.content
    detail = f"{url}{made.json()['id']}/"
    assert api().patch(detail, {"state": "active"}, format="json").status_code == 401
    assert api(UserFactory()).patch(detail, {"state": "active"}, format="json").status_code == 403
    for hostile in (
        {"date": "2999"},
        {"state": ["active"]},
        {"note": {"x": 1}},
        {"state": "x" * 99},
    ):
        bad = api(china_moderator).patch(detail, hostile, format="json")
        assert bad.status_code == 400, hostile
    assert coded(entry)[0] == "pilot" and len(lifecycle_log()) == 1
    fixed = api(china_moderator).patch(
        detail, {"state": "active", "reason": "Misread"}, format="json"
    )
    assert fixed.status_code == 200, fixed.content
    # Keys left out keep their value.
    assert (fixed.json()["state"], fixed.json()["date"]) == ("active", "2014")
    assert coded(entry)[0] == "active"
    assert [row.reason for row in lifecycle_log()] == ["From the outline", "Misread"]
    # The moderators' log shows the rows with their action.
    from django.test import Client

    viewer = Client()
    viewer.force_login(china_moderator)
    log_page = viewer.get("/moderation/log/").content.decode()
    assert "Lifecycle change" in log_page and "Misread" in log_page
    assert api(china_moderator).delete(f"{url}999999/").status_code == 404


def test_the_editors_page_corrects_a_change(client, entry, china_moderator):
    event = services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("pilot", "2014", "Outline")
    )
    url = f"/atlas/examples/{entry.pk}/lifecycle/"
    client.force_login(china_moderator)
    page = client.get(f"{url}?edit={event.pk}").content.decode()
    assert "Correct the change of 2014" in page and 'value="Outline"' in page
    form = {**services.event_json(event), "action": "edit", "event": event.pk}
    bad = client.post(url, {**form, "date": "someday"})
    assert bad.status_code == 400 and coded(entry)[0] == "pilot"
    assert client.post(url, {**form, "state": "active"}).status_code == 302
    assert coded(entry)[0] == "active"
    assert LifecycleEvent.objects.get().state == "active"


def test_the_table_exports_and_jsonld_show_the_value_the_changes_set(
    client, entry, china_moderator
):
    """With production caches on: each payload shows the new value on the next request."""

    def csv_lifecycle() -> str:
        body = client.get("/api/examples/export.csv").content.decode()
        return next(csv.DictReader(io.StringIO(body)))["lifecycle"]

    def jsonld_lifecycle() -> dict:
        part = client.get("/api/examples/export.jsonld").json()["hasPart"][0]
        return next(p for p in part["additionalProperty"] if p["name"] == "lifecycle")

    assert csv_lifecycle() == "active"
    # An entry without changes reads as before: no key for them.
    assert jsonld_lifecycle() == {"@type": "PropertyValue", "name": "lifecycle", "value": "active"}
    assert "Social Credit System" not in entries_table(client, "?lifecycle=pilot")
    services.lifecycle_event_add(
        actor=china_moderator, example=entry,
        data=change("pilot", "2014-06-14", "Planning outline", note="Local pilots",
                    evidence_publisher="State Council", evidence_published="2014-06-27"),
    )  # fmt: skip
    assert csv_lifecycle() == "pilot"
    value = jsonld_lifecycle()
    assert value["value"] == "pilot"
    assert value["valueReference"] == [
        {
            "@type": "PropertyValue",
            "name": "lifecycle",
            "value": "pilot",
            "startDate": "2014-06-14",
            "description": "Local pilots",
            "citation": {
                "@type": "CreativeWork",
                "name": "Planning outline",
                "url": "https://example.org/pilot-2014-06-14",
                "publisher": "State Council",
                "datePublished": "2014-06-27",
            },
        }
    ]
    assert "Social Credit System" in entries_table(client, "?lifecycle=pilot")


def test_the_history_page_shows_each_change_and_its_reason(client, entry, china_moderator):
    services.lifecycle_event_add(
        actor=china_moderator, example=entry, data=change("pilot", "2014", "Planning outline")
    )
    page = client.get(f"/atlas/examples/{entry.pk}/{entry.slug}/history/").content.decode()
    newest = page.split('class="history__version"')[1]
    assert "lifecycle event added: pilot on 2014 (evidence: Planning outline)." in newest
    assert "<del>Active</del>" in newest and "<ins>Pilot</ins>" in newest


def test_reads_cost_constant_queries_with_changes(
    client, user, make_published, china_moderator, django_assert_max_num_queries, session_read
):
    entries = [
        make_published(user, title=f"System {n}", country="CN", summary=f"Number {n}.")
        for n in range(3)
    ]
    for example in entries:
        for data in (change("pilot", "2014"), change("active", "2020")):
            services.lifecycle_event_add(actor=china_moderator, example=example, data=data)
    with django_assert_max_num_queries(7):  # as tests/atlas/test_api.py's JSON-LD export
        parts = client.get("/api/examples/export.jsonld").json()["hasPart"]
    assert all(
        len(next(p for p in part["additionalProperty"] if p["name"] == "lifecycle")[
            "valueReference"
        ]) == 2
        for part in parts
    )  # fmt: skip
    event = LifecycleEvent.objects.filter(example=entries[0]).first()
    client.force_login(china_moderator)
    with django_assert_max_num_queries(11 + session_read):
        page = client.get(f"/atlas/examples/{entries[0].pk}/lifecycle/?edit={event.pk}")
    assert page.status_code == 200


def test_the_entry_form_says_which_change_sets_the_value(client, entry, china_moderator):
    client.force_login(china_moderator)
    url = f"/atlas/examples/{entry.pk}/{entry.slug}/edit/"
    assert "Set by the dated lifecycle changes" not in client.get(url).content.decode()
    services.lifecycle_event_add(actor=china_moderator, example=entry, data=change("pilot", "2014"))
    page = client.get(url).content.decode()
    assert "Set by the dated lifecycle changes (the latest: Pilot on 2014)." in page
