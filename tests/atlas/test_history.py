"""An entry's history page (every version with a field-by-field diff, evidence and passage
links included; who may read it; constant queries) and restoring an earlier version
(a new version, with a reason, audited; another entry's version and a stale version are
refused and change nothing); giving back deleted comments."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.atlas.discussion import services as discussion
from apps.atlas.entries import services as entry_services
from apps.atlas.entries.data import PassageLinkData
from apps.atlas.history import services as history_services
from apps.atlas.models import EntryComment, Example
from apps.moderation.models import AuditLogEntry, ModeratorScope
from apps.moderation.permissions import MODERATOR_GROUP
from tests.factories import UserFactory
from tests.moderation.conftest import make_trusted_user
from tests.personal import granted, page_with_personal_layer

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db


def make_moderator(countries=()):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])
    for code in countries:
        ModeratorScope.objects.create(user=user, country=code)
    return user


@pytest.fixture
def mod(db):
    return make_moderator()


def history_url(example) -> str:
    return f"/atlas/examples/{example.pk}/{example.slug}/history/"


def restore_url(example, row) -> str:
    return f"/atlas/examples/{example.pk}/restore/{row.history_id}/"


def first_row(example):
    return example.history.order_by("history_date", "history_id").first()


@pytest.fixture
def edited(user, make_published, schufa_passage):
    """A published entry by ``user``, then edited: new title, evidence and no link."""
    example = make_published(user, passages=[schufa_passage])
    make_trusted_user(user)  # so the author's edit of the published entry goes live
    entry_services.example_update(
        actor=user,
        example=example,
        changes={"title": "Schufa neighbourhood scoring"},
        evidence=[evidence_data(title="A later report", url="https://example.org/later")],
        passages=[],
        change_reason="Better title",
    )
    return Example.objects.get(pk=example.pk)


# --- The history page -------------------------------------------------------------------------


def test_history_lists_versions_with_field_evidence_and_link_changes(client, edited):
    response = client.get(history_url(edited))
    assert response.status_code == 200
    html = response.content.decode()
    for version in range(1, edited.version + 1):
        assert f"Version {version}" in html
    # The edit: field diff, its reason, evidence swapped, the passage link removed.
    assert "Schufa geo-scoring" in html and "Schufa neighbourhood scoring" in html
    assert "Better title" in html
    assert "Added: A later report &lt;https://example.org/later&gt;" in html
    assert "Removed: Schufa and the scoring of neighbourhoods" in html
    assert (
        "Removed: Comparable to: The Social Credit System" in html
        or "Removed: Comparable to" in html
    )
    # The status changes of the publication are versions too.
    assert "Submitted for review" in html and "Published" in html


def test_entry_page_links_to_its_history(client, edited):
    html = client.get(edited.get_absolute_url()).content.decode()
    assert history_url(edited) in html


def test_history_of_a_draft_is_for_its_author_and_moderators(client, user, other_user, mod):
    draft = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()]
    )
    assert client.get(history_url(draft)).status_code == 404
    client.force_login(other_user)
    assert client.get(history_url(draft)).status_code == 404
    client.force_login(user)
    assert client.get(history_url(draft)).status_code == 200
    client.force_login(mod)
    assert client.get(history_url(draft)).status_code == 200


def test_history_page_queries_do_not_grow_with_versions(
    client, user, make_published, django_assert_max_num_queries
):
    editor = make_moderator()  # edits of a published entry that go live at once

    def with_versions(n, title):
        example = make_published(user, title=title)
        for i in range(n):
            entry_services.example_update(
                actor=editor,
                example=example,
                changes={"region": f"Region {i}"},
                evidence=[evidence_data(title=f"Report {i}")],
            )
        return Example.objects.get(pk=example.pk)

    few, many = with_versions(2, "Few versions"), with_versions(30, "Many versions")
    # The author (session, user, roles, visibility, categories, count, versions, evidence,
    # links, passages, notification badge), then a moderator (+ deleted comments, merges).
    for viewer, limit in ((user, 15), (make_moderator(), 17)):
        client.force_login(viewer)
        for example in (few, many):
            with django_assert_max_num_queries(limit):
                response = client.get(history_url(example))
            assert response.status_code == 200
    # 32 versions: 20 on the first page, the rest (down to the creation) on the second.
    first = client.get(history_url(many)).content.decode()
    assert "Version 32" in first and "Version 13" in first and "Version 12" not in first
    second = client.get(history_url(many) + "?page=2").content.decode()
    assert "Version 12" in second and "Version 1\n" in second and "Version 13" not in second


def test_history_api(client, edited):
    response = APIClient().get(f"/api/examples/{edited.pk}/history/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == edited.version
    newest = body["results"][0]
    assert newest["version"] == edited.version
    assert newest["reason"] == "Better title"
    assert {c["field"] for c in newest["changes"]} == {"title"}
    assert newest["evidence_added"] and newest["evidence_removed"] and newest["passages_removed"]


# --- Restoring a version ---------------------------------------------------------------------


def test_moderator_restores_an_earlier_version_as_a_new_one(client, edited, mod, schufa_passage):
    row = first_row(edited)
    history_count = edited.history.count()
    client.force_login(mod)
    assert "Schufa geo-scoring" in client.get(restore_url(edited, row)).content.decode()
    response = client.post(
        restore_url(edited, row), {"reason": "Vandalised title", "version": edited.version}
    )
    assert response.status_code == 302
    restored = Example.objects.get(pk=edited.pk)
    assert restored.version == edited.version + 1
    assert restored.title == "Schufa geo-scoring"
    assert restored.status == "published"  # content only; the status is not rolled back
    assert [e.title for e in restored.evidence.all()] == [
        "Schufa and the scoring of neighbourhoods"
    ]
    assert [link.passage_id for link in restored.passage_links.all()] == [schufa_passage.pk]
    # Nothing in the history was rewritten: one more version, with the reason.
    assert restored.history.count() == history_count + 1
    newest = restored.history.order_by("-history_date", "-history_id").first()
    assert newest.history_change_reason == "Restored version 1: Vandalised title"
    assert newest.history_user == mod
    log = AuditLogEntry.objects.get(action="restore")
    assert log.actor == mod and log.reason == "Vandalised title"
    assert log.before["title"] == "Schufa neighbourhood scoring"
    assert log.after["title"] == "Schufa geo-scoring"
    assert log.after["restored_version"] == 1
    assert log.after["passages"] == [schufa_passage.pk]
    # And the history page shows the restore as the newest version.
    html = client.get(history_url(restored)).content.decode()
    assert "Restored version 1: Vandalised title" in html


def _unchanged(example):
    now = Example.objects.get(pk=example.pk)
    assert now.version == example.version and now.title == example.title
    assert not AuditLogEntry.objects.filter(action="restore").exists()


def test_restoring_a_version_of_another_entry_is_refused(client, edited, user, make_published, mod):
    other = make_published(user, title="Another entry", country="FR")
    client.force_login(mod)
    response = client.post(
        restore_url(edited, first_row(other)), {"reason": "oops", "version": edited.version}
    )
    assert response.status_code == 400
    assert "belongs to another entry" in response.content.decode()
    _unchanged(edited)
    with pytest.raises(Exception, match="belongs to another entry"):
        history_services.example_restore_version(
            actor=mod, example=edited, history_id=first_row(other).history_id, reason="x"
        )
    _unchanged(edited)


def test_a_stale_restore_is_a_conflict(client, edited, mod):
    client.force_login(mod)
    response = client.post(
        restore_url(edited, first_row(edited)), {"reason": "r", "version": edited.version - 1}
    )
    assert response.status_code == 409
    assert "Someone else changed this entry" in response.content.decode()
    _unchanged(edited)
    api = APIClient()
    api.force_authenticate(mod)
    response = api.post(
        f"/api/examples/{edited.pk}/restore/",
        {"history_id": first_row(edited).history_id, "reason": "r"},
        format="json",
        HTTP_IF_MATCH=f'"{edited.version - 1}"',
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == edited.version
    _unchanged(edited)


def test_a_restore_needs_a_reason(client, edited, mod):
    client.force_login(mod)
    response = client.post(
        restore_url(edited, first_row(edited)), {"reason": " ", "version": edited.version}
    )
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    _unchanged(edited)


def test_restoring_the_current_version_is_refused(client, edited, mod):
    newest = edited.history.order_by("-history_date", "-history_id").first()
    client.force_login(mod)
    response = client.post(restore_url(edited, newest), {"reason": "r", "version": edited.version})
    assert response.status_code == 400
    assert "current version" in response.content.decode()
    _unchanged(edited)


def test_only_moderators_in_scope_restore(client, edited, user):
    row = first_row(edited)
    for actor in (user, make_moderator(countries=["FR"])):
        client.force_login(actor)
        response = client.post(restore_url(edited, row), {"reason": "r", "version": edited.version})
        assert response.status_code == 403
        _unchanged(edited)
    client.force_login(make_moderator(countries=["DE"]))
    response = client.post(restore_url(edited, row), {"reason": "r", "version": edited.version})
    assert response.status_code == 302


def test_restore_api(edited, mod):
    api = APIClient()
    api.force_authenticate(mod)
    response = api.post(
        f"/api/examples/{edited.pk}/restore/",
        {"history_id": first_row(edited).history_id, "reason": "Back", "version": edited.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Schufa geo-scoring"
    assert response["ETag"] == f'"{edited.version + 1}"'
    response = api.post(
        f"/api/examples/{edited.pk}/restore/",
        {"history_id": first_row(edited).history_id, "reason": ""},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["reason"]


# --- Deleted comments ---------------------------------------------------------------------------


def test_moderator_restores_a_deleted_comment(client, edited, other_user, mod):
    comment = discussion.comment_create(author=other_user, example=edited, body="Useful source")
    discussion.comment_delete(actor=other_user, comment=comment)
    assert "Useful source" not in client.get(history_url(edited)).content.decode()
    client.force_login(mod)
    html = page_with_personal_layer(client, history_url(edited))
    assert "Deleted comments" in html and "Useful source" in html
    response = client.post(
        f"/atlas/comments/{comment.pk}/restore/", {"reason": "Deleted by mistake"}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.deleted_at is None
    log = AuditLogEntry.objects.get(action="restore")
    assert log.reason == "Deleted by mistake" and log.after["deleted_at"] is None
    assert "Useful source" in client.get(edited.get_absolute_url()).content.decode()


def test_restoring_a_comment_is_refused_without_reason_or_right(client, edited, other_user, mod):
    comment = discussion.comment_create(author=other_user, example=edited, body="Useful source")
    discussion.comment_delete(actor=other_user, comment=comment)
    client.force_login(mod)
    client.post(f"/atlas/comments/{comment.pk}/restore/", {"reason": ""})
    client.force_login(other_user)
    assert client.post(f"/atlas/comments/{comment.pk}/restore/", {"reason": "r"}).status_code == 403
    assert EntryComment.objects.get(pk=comment.pk).deleted_at is not None
    assert not AuditLogEntry.objects.exists()
    # A comment that is not deleted has nothing to restore.
    live = discussion.comment_create(author=other_user, example=edited, body="Still here")
    with pytest.raises(Exception, match="not deleted"):
        discussion.comment_restore_deleted(actor=mod, comment=live, reason="r")


def test_restore_link_shows_only_for_moderators(client, edited, user, mod):
    # The links are in the public page, hidden; the private fragment grants "restore".
    html = client.get(history_url(edited)).content.decode()
    assert '<p data-permission="restore" hidden><a href="/atlas/examples/' in html
    client.force_login(user)
    assert "restore" not in granted(page_with_personal_layer(client, history_url(edited)))
    client.force_login(mod)
    assert "restore" in granted(page_with_personal_layer(client, history_url(edited)))


def test_links_to_passages_are_restored_as_of_the_version(
    user, make_published, schufa_passage, mod
):
    example = make_published(user)
    make_trusted_user(user)  # so the author's edit of the published entry goes live
    entry_services.example_update(
        actor=user, example=example, passages=[PassageLinkData(passage_id=schufa_passage.pk)]
    )
    example = Example.objects.get(pk=example.pk)
    history_services.example_restore_version(
        actor=mod, example=example, history_id=first_row(example).history_id, reason="Unlink"
    )
    assert not Example.objects.get(pk=example.pk).passage_links.exists()
