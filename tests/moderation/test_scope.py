"""Scope means scope (issue 12): a moderator scoped to countries acts on those countries
only. Trust, pre-moderation and shadow-hiding apply everywhere, so they are global
moderators' (and admins') actions; the log shows a scoped moderator only their
countries' rows; taking a scoped moderator's last country away removes the role."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.moderation import permissions
from apps.moderation.models import AuditLogEntry, ModeratorScope, UserModerationState
from apps.moderation.services import (
    audit_record,
    role_grant_moderator,
    role_grant_trusted,
    role_remove_moderator_countries,
    role_revoke_trusted,
    user_set_premoderation,
    user_set_shadow_hidden,
)
from tests.factories import UserFactory

from .conftest import make_admin, make_moderator, make_trusted

pytestmark = pytest.mark.django_db


# --- Trust and measures: global moderators only -----------------------------------------------

SCOPED_REFUSED = [
    pytest.param(
        lambda actor, user: role_grant_trusted(actor=actor, user=user, reason="Good work"),
        "grant trusted status",
        id="grant trusted",
    ),
    pytest.param(
        lambda actor, user: user_set_premoderation(
            actor=actor, user=user, enabled=True, reason="Spam"
        ),
        "pre-moderate or shadow-hide",
        id="pre-moderate",
    ),
    pytest.param(
        lambda actor, user: user_set_shadow_hidden(
            actor=actor, user=user, hidden=True, reason="Spam"
        ),
        "pre-moderate or shadow-hide",
        id="shadow-hide",
    ),
]


@pytest.mark.parametrize("change, message", SCOPED_REFUSED)
def test_a_scoped_moderator_cannot_grant_trust_or_set_measures(user, change, message):
    french = make_moderator(countries=["FR"])

    with pytest.raises(PermissionDenied, match=message) as caught:
        change(french, user)

    assert "FR" in str(caught.value)  # says what they do moderate
    assert not permissions.is_trusted(user)
    assert not UserModerationState.objects.filter(user=user).exists()
    assert not AuditLogEntry.objects.exists()


def test_a_scoped_moderator_cannot_revoke_trust():
    trusted = make_trusted()
    with pytest.raises(PermissionDenied, match="Only global moderators"):
        role_revoke_trusted(actor=make_moderator(countries=["FR"]), user=trusted, reason="x")
    permissions.forget_roles(trusted)
    assert permissions.is_trusted(trusted)
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("change, message", SCOPED_REFUSED)
def test_global_moderators_and_admins_still_may(user, change, message):
    change(make_moderator(), user)
    assert AuditLogEntry.objects.count() == 1
    change(make_admin(), UserFactory())
    assert AuditLogEntry.objects.count() == 2


# --- Moderator roles: an empty scope never means every country ------------------------------


def test_removing_a_scoped_moderators_last_country_removes_the_role(user):
    admin = make_admin()
    role_grant_moderator(actor=admin, user=user, countries=["FR", "DE"], reason="Volunteer")

    assert role_remove_moderator_countries(
        actor=admin, user=user, countries=["DE"], reason="Moved away"
    )
    permissions.forget_roles(user)
    assert permissions.moderator_countries(user) == frozenset({"FR"})

    assert not role_remove_moderator_countries(
        actor=admin, user=user, countries=["FR"], reason="Stepped down"
    )
    permissions.forget_roles(user)
    assert not permissions.is_moderator(user)
    assert not permissions.is_global_moderator(user)
    assert not ModeratorScope.objects.filter(user=user).exists()
    last = AuditLogEntry.objects.order_by("id").last()
    assert last.before == {"trusted": False, "moderator": True, "countries": ["FR"]}
    assert last.after == {"trusted": False, "moderator": False, "countries": []}


def test_replacing_a_scope_by_no_countries_is_refused_not_widened(user):
    admin = make_admin()
    role_grant_moderator(actor=admin, user=user, countries=["FR"], reason="Volunteer")

    with pytest.raises(ValidationError, match="never means every country"):
        role_grant_moderator(actor=admin, user=user, countries=[], reason="Oops")

    permissions.forget_roles(user)
    assert permissions.moderator_countries(user) == frozenset({"FR"})
    assert AuditLogEntry.objects.count() == 1


def test_a_global_moderator_is_appointed_explicitly(user):
    admin = make_admin()
    with pytest.raises(ValidationError, match="not both"):
        role_grant_moderator(actor=admin, user=user, countries=["FR"], everywhere=True, reason="x")
    role_grant_moderator(actor=admin, user=user, countries=[], everywhere=True, reason="All")
    permissions.forget_roles(user)
    assert permissions.is_global_moderator(user)


@pytest.mark.parametrize(
    "countries, message",
    [([], "Choose the countries"), (["DE"], "does not moderate DE"), (["XX"], "not a country")],
)
def test_bad_scope_removals_change_nothing(user, countries, message):
    admin = make_admin()
    role_grant_moderator(actor=admin, user=user, countries=["FR"], reason="Volunteer")
    with pytest.raises(ValidationError, match=message):
        role_remove_moderator_countries(actor=admin, user=user, countries=countries, reason="x")
    assert list(ModeratorScope.objects.filter(user=user).values_list("country", flat=True)) == [
        "FR"
    ]
    assert AuditLogEntry.objects.count() == 1


def test_scope_removal_of_a_global_moderator_or_a_contributor_is_refused(user, moderator):
    admin = make_admin()
    with pytest.raises(ValidationError, match="every country"):
        role_remove_moderator_countries(actor=admin, user=moderator, countries=["FR"], reason="x")
    with pytest.raises(ValidationError, match="not a moderator"):
        role_remove_moderator_countries(actor=admin, user=user, countries=["FR"], reason="x")
    assert permissions.is_global_moderator(moderator)
    assert not AuditLogEntry.objects.exists()


def test_only_admins_take_countries_away(user):
    french = make_moderator(countries=["FR"])
    for actor in (french, make_moderator()):
        with pytest.raises(PermissionDenied):
            role_remove_moderator_countries(actor=actor, user=french, countries=["FR"], reason="x")
    permissions.forget_roles(french)
    assert permissions.moderator_countries(french) == frozenset({"FR"})


def test_scopes_removed_one_by_one_from_the_page_end_with_no_role(client, user):
    """The reproduction: before, emptying a scoped moderator's country list on the user
    page made them a global moderator."""
    client.force_login(make_admin())
    url = reverse("moderation:user", args=[user.username])
    appoint = {"action": "grant_moderator", "countries": ["FR", "BE"], "reason": "Volunteer"}
    assert client.post(url, appoint).status_code == 302

    emptied = {"action": "grant_moderator", "countries": [], "reason": "Fewer"}
    response = client.post(url, emptied)
    assert response.status_code == 400
    assert "never means every country" in response.content.decode()
    permissions.forget_roles(user)
    assert permissions.moderator_countries(user) == frozenset({"FR", "BE"})

    for code in ("BE", "FR"):
        remove = {"action": "remove_moderator_countries", "countries": [code], "reason": "Less"}
        assert client.post(url, remove).status_code == 302
    permissions.forget_roles(user)
    assert not permissions.is_moderator(user)

    every = {"action": "grant_moderator", "every_country": "on", "reason": "Promoted"}
    assert client.post(url, every).status_code == 302
    permissions.forget_roles(user)
    assert permissions.is_global_moderator(user)


# --- The user page for a scoped moderator -------------------------------------------------------


@pytest.mark.parametrize(
    "action", ["grant_trusted", "revoke_trusted", "premoderate_on", "shadow_hide_on"]
)
def test_scoped_moderator_gets_403_with_a_reason_on_the_user_page(client, user, action):
    client.force_login(make_moderator(countries=["FR"]))
    url = reverse("moderation:user", args=[user.username])

    response = client.post(url, {"action": action, "reason": "Looks fine"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "Only global moderators" in html and "FR" in html
    assert not AuditLogEntry.objects.exists()
    assert not UserModerationState.objects.filter(user=user).exists()


def test_scoped_moderator_sees_no_measures_form_or_user_log(client, user):
    audit_record(actor=make_moderator(), action="shadow_hide", target=user, reason="Secret why")
    client.force_login(make_moderator(countries=["FR"]))

    html = client.get(reverse("moderation:user", args=[user.username])).content.decode()

    assert "Secret why" not in html
    assert 'name="action"' not in html
    assert "global moderators grant and set them" in html


# --- The log: a scoped moderator reads their countries' rows only -------------------------------


@pytest.fixture
def log_rows(user):
    moderator = make_moderator()
    audit_record(actor=moderator, action="hide", target=None, country="FR", reason="French row")
    audit_record(actor=moderator, action="hide", target=None, country="DE", reason="German row")
    audit_record(actor=moderator, action="role_change", target=user, reason="Made trusted")
    audit_record(actor=moderator, action="shadow_hide", target=user, reason="Shadow reason")
    return moderator


def _reasons_in_page(response) -> set[str]:
    html = response.content.decode()
    return {r for r in ("French row", "German row", "Made trusted", "Shadow reason") if r in html}


def test_scoped_moderator_reads_only_their_countries_rows(client, log_rows):
    client.force_login(make_moderator(countries=["FR"]))

    assert _reasons_in_page(client.get("/moderation/log/")) == {"French row"}
    assert _reasons_in_page(client.get("/moderation/log/?country=DE")) == set()

    api = client.get("/api/moderation/log/").json()
    assert [row["reason"] for row in api["results"]] == ["French row"]
    assert client.get("/api/moderation/log/?country=DE").json()["count"] == 0

    response = client.get("/moderation/log/?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[8] for row in rows[1:]] == ["French row"]


def test_global_moderator_reads_every_row(client, log_rows):
    client.force_login(make_moderator())
    assert _reasons_in_page(client.get("/moderation/log/")) == {
        "French row",
        "German row",
        "Made trusted",
        "Shadow reason",
    }
    assert client.get("/api/moderation/log/").json()["count"] == 4


def test_scoped_log_query_count(client, log_rows, django_assert_max_num_queries):
    for index in range(30):
        audit_record(actor=log_rows, action="hide", target=None, country="FR", reason=f"r{index}")
    client.force_login(make_moderator(countries=["FR", "BE"]))
    # session, user, groups, scopes, count, rows
    with django_assert_max_num_queries(7):
        assert client.get("/moderation/log/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/moderation/log/").status_code == 200
