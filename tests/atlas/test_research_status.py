"""Issue 15: country moderators set and clear "researched, none found" on the country
page and through the API, with a reason, audit-logged, shown with its date."""

from __future__ import annotations

import pytest

from apps.atlas.models import CountryResearchStatus
from apps.moderation.models import AuditLogEntry

from .conftest import api

pytestmark = pytest.mark.django_db

URL = "/atlas/countries/DE/research/"
API = "/api/atlas/countries/DE/research/"


def test_country_moderator_marks_and_clears_on_the_page(client, german_moderator):
    client.force_login(german_moderator)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"category": "tenant-screening", "action": "mark",
                                 "reason": "Searched court records and the press, 2024."})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith(
        "/atlas/countries/DE/#research"
    )
    row = CountryResearchStatus.objects.get()
    assert (row.country.code, row.note, row.set_by) == (
        "DE",
        "Searched court records and the press, 2024.",
        german_moderator,
    )
    log = AuditLogEntry.objects.get(action="research_status")
    assert log.country == "DE" and log.reason.startswith("Searched court records")
    assert log.before == {"category": "tenant-screening", "status": ""}
    assert log.after["status"] == "none_found"
    client.logout()
    html = client.get("/atlas/countries/DE/").content.decode()
    assert "Searched court records" in html and "since <time datetime=" in html
    client.force_login(german_moderator)
    client.post(
        URL, {"category": "tenant-screening", "action": "clear", "reason": "An entry was found."}
    )
    assert CountryResearchStatus.objects.count() == 0
    assert AuditLogEntry.objects.filter(action="research_status").count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"category": "tenant-screening", "action": "mark", "reason": ""},
            "This field is required",
        ),
        ({"category": "nope", "action": "mark", "reason": "x"}, "Select a valid choice"),
        ({"category": "tenant-screening", "action": "clear", "reason": "x"}, "is not marked"),
        ({"category": "tenant-screening", "action": "mark", "reason": "x" * 2048}, "at most 500"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_stored(client, german_moderator, data, message):
    client.force_login(german_moderator)
    response = client.post(URL, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert CountryResearchStatus.objects.count() == 0
    assert not AuditLogEntry.objects.filter(action="research_status").exists()


def test_others_may_not(client, user, french_moderator):
    assert client.get(URL).status_code == 302
    for who in (user, french_moderator):
        client.force_login(who)
        assert client.get(URL).status_code == 403
        response = client.post(
            URL, {"category": "tenant-screening", "action": "mark", "reason": "x"}
        )
        assert response.status_code == 403
    assert client.get("/atlas/countries/" + "9" * 50 + "/research/").status_code == 404
    assert CountryResearchStatus.objects.count() == 0


def test_api_sets_and_clears_with_a_reason(german_moderator, french_moderator, user):
    body = {"category": "tenant-screening", "none_found": True, "reason": "Searched."}
    assert api().post(API, body, format="json").status_code == 401
    assert api(user).post(API, body, format="json").status_code == 403
    assert api(french_moderator).post(API, body, format="json").status_code == 403
    missing = api(german_moderator).post(API, {"category": "tenant-screening"}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    done = api(german_moderator).post(API, body, format="json")
    assert done.status_code == 200 and done.json()["none_found"] is True and done.json()["date"]
    shown = api().get("/api/atlas/countries/DE/").json()
    assert shown["researched_none_found"] == ["tenant-screening"]
    cleared = api(german_moderator).post(
        API, {**body, "none_found": False, "reason": "Found one."}, format="json"
    )
    assert cleared.status_code == 200 and cleared.json()["none_found"] is False
    assert AuditLogEntry.objects.filter(action="research_status").count() == 2


def test_admin_can_no_longer_change_it_unlogged(admin_client):
    assert admin_client.get("/admin/atlas/countryresearchstatus/add/").status_code == 403
