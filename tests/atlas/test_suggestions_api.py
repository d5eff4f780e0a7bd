"""Suggested edits over the REST API: the same rules as the entry page (services and
selectors), JSON errors a person can read, 409 on a stale accept."""

from __future__ import annotations

import pytest

from apps.atlas.models import SuggestedEdit

from .conftest import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(user, make_published):
    from tests.moderation.conftest import make_trusted_user

    make_trusted_user(user)  # a trusted author decides on suggestions to their entry
    return make_published(user)


def url(entry) -> str:
    return f"/api/examples/{entry.pk}/suggestions/"


def propose(user, entry, **changes):
    return api(user).post(
        url(entry), {"changes": changes, "comment": "See the report."}, format="json"
    )


def test_propose_list_and_accept(user, other_user, entry):
    response = propose(other_user, entry, lifecycle="discontinued", end_year=2021)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["changes"] == {"lifecycle": "discontinued", "end_year": 2021}
    assert {c["field"] for c in created["diff"]} == {"lifecycle", "end_year"}
    assert created["can_decide"] is False  # the proposer does not decide

    listed = api(user).get(url(entry)).json()
    assert [s["id"] for s in listed] == [created["id"]] and listed[0]["can_decide"] is True
    assert api().get(url(entry)).json() == []  # anonymous readers see none

    decide = f"/api/suggestions/{created['id']}/decide/"
    stale = api(user).post(
        decide, {"decision": "accept", "version": entry.version - 1}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == entry.version
    accepted = api(user).post(
        decide, {"decision": "accept", "version": entry.version}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    entry.refresh_from_db()
    assert (entry.lifecycle, entry.end_year) == ("discontinued", 2021)


def test_reject_needs_a_reason_and_only_deciders_decide(user, other_user, entry):
    created = propose(other_user, entry, lifecycle="discontinued").json()
    decide = f"/api/suggestions/{created['id']}/decide/"
    assert (
        api(other_user)
        .post(decide, {"decision": "reject", "reason": "No"}, format="json")
        .status_code
        == 403
    )
    response = api(user).post(decide, {"decision": "reject"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = api(user).post(decide, {"decision": "maybe"}, format="json")
    assert response.status_code == 400 and "decision" in response.json()["errors"]
    done = api(user).post(decide, {"decision": "reject", "reason": "Still active."}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "rejected"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nonsense": 1}, "nonsense"),
        ({"lifecycle": "forever"}, "lifecycle"),
        ({"start_year": "soon"}, "start_year"),
        ({"consequences": "sanctions"}, "consequences"),
        ({"title": "Schufa geo-scoring"}, "changes"),  # the current value: no change
        ({}, "changes"),
    ],
)
def test_bad_suggestions_are_a_400_and_nothing_is_stored(other_user, entry, changes, field):
    response = propose(other_user, entry, **changes)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not SuggestedEdit.objects.exists()


def test_authors_and_anonymous_cannot_suggest(user, entry):
    assert propose(user, entry, lifecycle="discontinued").status_code == 403  # edit it instead
    assert propose(None, entry, lifecycle="discontinued").status_code == 401
    assert api().get("/api/examples/999999/suggestions/").status_code == 404
    assert not SuggestedEdit.objects.exists()
