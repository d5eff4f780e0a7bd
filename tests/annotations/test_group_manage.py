"""Renaming and deleting a reading group (owners only; rename logged in the group's log,
delete in the site's audit log), what happens to the group's notes when it is deleted
(each becomes private to its own author, never public), and ``audience`` in the W3C
JSON-LD of group notes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from apps.annotations import services
from apps.annotations.models import (
    Annotation,
    GroupLogEntry,
    GroupMembership,
    ReadingGroup,
    Visibility,
)
from apps.moderation.models import AuditAction, AuditLogEntry
from tests.factories import UserFactory

from .conftest import JSONLD

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(username="olive")


@pytest.fixture
def member(db):
    return UserFactory(username="mina")


@pytest.fixture
def group(owner, member):
    group = services.group_create(creator=owner, name="Scoring seminar", description="Tuesdays")
    services.group_member_add(actor=owner, group=group, username=member.username)
    return group


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- Rename --------------------------------------------------------------------------------


def test_owner_renames_on_the_page_and_the_api_logged(owner, group):
    page = _client(owner).post(
        group.get_absolute_url(),
        {"action": "rename", "name": "  Scoring   reading group ", "description": "Mondays"},
    )
    assert page.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.description, group.slug) == (
        "Scoring reading group", "Mondays", "scoring-seminar",
    )  # fmt: skip
    api = _client(owner).patch(
        f"/api/groups/{group.slug}/", {"name": "Seminar"}, content_type="application/json"
    )
    assert api.status_code == 200 and api.json()["name"] == "Seminar"
    log = list(GroupLogEntry.objects.filter(group=group, action="rename").order_by("pk"))
    assert [entry.detail for entry in log] == [
        "Scoring seminar → Scoring reading group", "Scoring reading group → Seminar",
    ]  # fmt: skip
    shown = _client(owner).get(group.get_absolute_url()).text
    assert "Scoring reading group → Seminar" in shown


@pytest.mark.parametrize("name", ["", "   ", "x" * 2048, "nul\x00"])
def test_bad_names_change_nothing(owner, group, name):
    response = _client(owner).post(group.get_absolute_url(), {"action": "rename", "name": name})
    assert response.status_code == 400
    group.refresh_from_db()
    assert group.name == "Scoring seminar"
    assert not GroupLogEntry.objects.filter(action="rename").exists()


def test_only_owners_rename(group, member):
    with pytest.raises(PermissionDenied):
        services.group_rename(actor=member, group=group, name="Mine now")
    assert (
        _client(member)
        .post(group.get_absolute_url(), {"action": "rename", "name": "Mine"})
        .status_code
        == 403
    )
    outsider = _client(UserFactory())
    assert (
        outsider.post(group.get_absolute_url(), {"action": "rename", "name": "X"}).status_code
        == 404
    )
    assert (
        outsider.patch(
            f"/api/groups/{group.slug}/", {"name": "X"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        _client(None)
        .patch(f"/api/groups/{group.slug}/", {"name": "X"}, content_type="application/json")
        .status_code
        == 401
    )
    group.refresh_from_db()
    assert group.name == "Scoring seminar"


# --- Delete --------------------------------------------------------------------------------


@pytest.fixture
def threads(group, owner, member, make_annotation):
    """The owner's group note with the member's reply, and the member's own group note."""
    root = make_annotation(owner, body="Owner's seminar note", visibility="group", group=group)
    reply = services.annotation_reply(author=member, parent=root, body="Member's reply")
    solo = make_annotation(
        member, quote="credit", body="Member's note", visibility="group", group=group
    )
    return root, reply, solo


def test_delete_asks_first_and_says_what_happens(owner, group, threads):
    page = _client(owner).get(f"/groups/{group.slug}/delete/")
    assert page.status_code == 200
    assert "private to its own author" in page.text and "None becomes public" in page.text
    assert "3 notes and replies" in page.text and "2 members" in page.text
    assert ReadingGroup.objects.filter(pk=group.pk).exists()  # GET deletes nothing


def test_delete_makes_every_note_private_to_its_author(
    owner, member, group, threads, run_on_commit
):
    root, reply, solo = threads
    with run_on_commit():
        response = _client(owner).post(f"/groups/{group.slug}/delete/")
    assert response.status_code == 302 and response.url == "/groups/"
    assert not ReadingGroup.objects.filter(pk=group.pk).exists()
    assert not GroupMembership.objects.filter(group_id=group.pk).exists()
    rows = {a.pk: (a.visibility, a.group_id, a.author_id) for a in Annotation.objects.all()}
    assert rows == {
        root.pk: (Visibility.PRIVATE, None, owner.pk),
        reply.pk: (Visibility.PRIVATE, None, member.pk),
        solo.pk: (Visibility.PRIVATE, None, member.pk),
    }
    # Each author still has their own; nobody else sees it; the public sees nothing.
    assert _client(owner).get(f"/api/annotations/{root.pk}/").status_code == 200
    assert _client(member).get(f"/api/annotations/{root.pk}/").status_code == 404
    assert _client(member).get(f"/api/annotations/{reply.pk}/").status_code == 200
    assert _client(owner).get(f"/api/annotations/{solo.pk}/").status_code == 404
    assert _client(None).get("/api/annotations/").json()["count"] == 0
    assert _client(member).get(f"/groups/{group.slug}/").status_code == 404
    log = AuditLogEntry.objects.get(action=AuditAction.GROUP_CHANGE)
    assert log.actor_id == owner.pk and log.after is None
    assert log.before == {"group": group.pk, "members": 2, "notes": 3}
    assert "Scoring seminar" not in str(log.before) + log.target_label


def test_only_owners_delete(owner, member, group, threads):
    assert _client(member).get(f"/groups/{group.slug}/delete/").status_code == 403
    assert _client(member).post(f"/groups/{group.slug}/delete/").status_code == 403
    assert _client(member).delete(f"/api/groups/{group.slug}/").status_code == 403
    assert _client(UserFactory()).post(f"/groups/{group.slug}/delete/").status_code == 404
    assert _client(None).post(f"/groups/{group.slug}/delete/").status_code == 302  # sign in
    with pytest.raises(PermissionDenied):
        services.group_delete(actor=member, group=group)
    assert ReadingGroup.objects.filter(pk=group.pk).exists()
    assert Annotation.objects.filter(visibility="group").count() == 3


def test_api_delete(owner, group, threads):
    assert _client(owner).delete(f"/api/groups/{group.slug}/").status_code == 204
    assert not ReadingGroup.objects.exists()
    assert not Annotation.objects.filter(visibility=Visibility.PUBLIC).exists()


def test_flags_on_group_notes_close_when_the_group_goes(owner, member, group, threads):
    from apps.moderation.models import ReviewItem
    from apps.moderation.services import flag_create

    root = threads[0]
    flag_create(flagger=member, target=root, reason="spam", text="Looks like spam.")
    assert ReviewItem.objects.filter(status="open").exists()
    services.group_delete(actor=owner, group=group)
    assert not ReviewItem.objects.filter(status="open").exists()


# --- audience in JSON-LD --------------------------------------------------------------------


def test_group_notes_carry_their_audience(owner, group, threads, make_annotation):
    root = threads[0]
    public = make_annotation(owner, quote="credit", body="Public")
    client = _client(owner)
    item = client.get(f"/api/annotations/{root.pk}/", HTTP_ACCEPT=JSONLD).json()
    site = item["id"].split("/api/")[0]
    assert item["audience"] == {
        "id": f"{site}/groups/{group.slug}/",
        "type": "schema:Audience",
        "schema:audienceType": "reading group",
    }
    assert "audience" not in client.get(f"/api/annotations/{public.pk}/", HTTP_ACCEPT=JSONLD).json()
    collection = client.get("/api/annotations/", {"group": group.slug}, HTTP_ACCEPT=JSONLD).json()
    items = collection["first"]["items"]
    assert items and all(i["audience"]["id"].endswith(f"/groups/{group.slug}/") for i in items)
