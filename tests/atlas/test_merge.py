"""Merging duplicate entries: evidence and passage links united without duplicates, the
discussion moved, the duplicate's page and API address answering 301 to the target for
good, the duplicate gone from lists, counts and exports, the merge audited and undone
(the duplicate comes back exactly as it was). Bad input changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.atlas import merging, selectors, services
from apps.atlas.models import EntryComment, Example, ExampleMerge
from apps.moderation.models import AuditLogEntry, ModeratorScope
from apps.moderation.permissions import MODERATOR_GROUP
from apps.sources.models import Passage
from tests.factories import UserFactory
from tests.moderation.conftest import make_trusted_user

from .conftest import evidence_data

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


@pytest.fixture
def passages(founding_paper):
    return list(
        Passage.objects.filter(document=founding_paper.current_document).order_by("order")[:3]
    )


@pytest.fixture
def pair(user, other_user, make_published, passages):
    """A (the target) and B (a duplicate): one piece of evidence in common (same URL), one
    each of their own; one passage in common, one of B's own; a thread under B."""
    services_data = {"passages": passages[:1]}
    a = make_published(user, title="Schufa geo-scoring", **services_data)
    b = make_published(other_user, title="Schufa scoring by address", passages=passages[:2])
    # Trusted authors' edits to published entries go live (others' wait for a moderator).
    make_trusted_user(user)
    make_trusted_user(other_user)
    services.example_update(
        actor=user,
        example=a,
        evidence=[evidence_data(), evidence_data(title="Only in A", url="https://a.example/")],
    )
    services.example_update(
        actor=other_user,
        example=b,
        evidence=[
            evidence_data(title="Same URL, other title"),
            evidence_data(title="Only in B", url="https://b.example/", doi=""),
        ],
    )
    root = services.comment_create(author=user, example=b, body="Is this a duplicate?")
    services.comment_create(author=other_user, example=b, body="Maybe.", parent_id=root.pk)
    return Example.objects.get(pk=a.pk), Example.objects.get(pk=b.pk)


def merge_url(example) -> str:
    return f"/atlas/examples/{example.pk}/merge/"


def state(example) -> dict:
    example = Example.objects.get(pk=example.pk)
    return {
        "status": example.status,
        "version": example.version,
        "merged_into": example.merged_into_id,
        "evidence": sorted((e.title, e.url) for e in example.evidence.all()),
        "passages": sorted(link.passage_id for link in example.passage_links.all()),
        "comments": sorted(
            EntryComment.objects.filter(example=example).values_list("pk", flat=True)
        ),
    }


def test_moderator_merges_b_into_a(client, pair, mod, passages):
    a, b = pair
    before_a, before_b = state(a), state(b)
    client.force_login(mod)
    assert client.get(merge_url(b)).status_code == 200
    response = client.post(merge_url(b), {"into": a.pk, "reason": "Same system"})
    assert response.status_code == 302
    assert response["Location"] == a.get_absolute_url()

    after_a, after_b = state(a), state(b)
    # United, no duplicates: B's copy of the shared URL is not added again.
    assert after_a["evidence"] == sorted(
        before_a["evidence"] + [("Only in B", "https://b.example/")]
    )
    assert after_a["passages"] == sorted(p.pk for p in passages[:2])
    assert after_a["comments"] == before_b["comments"]
    assert after_a["version"] == before_a["version"] + 1
    # B is merged; its own rows stay with it (for an undo), its comments moved.
    assert after_b["status"] == "merged" and after_b["merged_into"] == a.pk
    assert after_b["evidence"] == before_b["evidence"]
    assert after_b["passages"] == before_b["passages"]
    assert after_b["comments"] == []
    # The thread kept its shape.
    reply = EntryComment.objects.get(body="Maybe.")
    assert reply.parent.example_id == a.pk

    log = AuditLogEntry.objects.get(action="merge")
    assert log.actor == mod and log.reason == "Same system"
    assert log.target_object_id == str(b.pk)
    assert log.before["source"]["status"] == "published"
    assert log.after["source"] == {
        "status": "merged",
        "merged_into": a.pk,
        "version": b.version + 1,
    }
    assert log.after["moved"]["comments"] == before_b["comments"]
    assert log.after["moved"]["evidence"] == [["url", "https://b.example"]]


def test_merged_entry_redirects_permanently_and_disappears(client, pair, mod, user):
    a, b = pair
    merging.example_merge(actor=mod, source=b, target_id=a.pk, reason="Duplicate")
    for viewer in (None, user, mod):
        if viewer is not None:
            client.force_login(viewer)
        for path in (
            b.get_absolute_url(),
            f"/atlas/examples/{b.pk}/",
            f"/atlas/examples/{b.pk}/old-slug/",
        ):
            response = client.get(path)
            assert response.status_code == 301, path
            assert response["Location"] == a.get_absolute_url()
        response = client.get(f"/api/examples/{b.pk}/")
        assert response.status_code == 301
        assert response["Location"] == f"/api/examples/{a.pk}/"
        assert client.get(response["Location"]).json()["id"] == a.pk
        client.logout()
    # Gone from lists, counts, the map data and the exports; for moderators too.
    listed = [row["id"] for row in APIClient().get("/api/examples/").json()["results"]]
    assert b.pk not in listed and a.pk in listed
    api = APIClient()
    api.force_authenticate(mod)
    assert b.pk not in [row["id"] for row in api.get("/api/examples/").json()["results"]]
    assert selectors.atlas_aggregates()["total"] == 1
    assert b.title not in client.get("/api/examples/export.csv").content.decode()
    assert "1 example in 1 country" in client.get("/atlas/").content.decode()


def test_redirect_follows_later_merges(pair, mod, user, make_published, client):
    a, b = pair
    c = make_published(user, title="Third")
    merging.example_merge(actor=mod, source=b, target_id=a.pk, reason="Duplicate")
    merging.example_merge(actor=mod, source=a, target_id=c.pk, reason="Duplicate too")
    response = client.get(b.get_absolute_url())
    assert response.status_code == 301 and response["Location"] == c.get_absolute_url()


def test_undo_gives_b_back_exactly(client, pair, mod):
    a, b = pair
    before_a, before_b = state(a), state(b)
    merge = merging.example_merge(actor=mod, source=b, target_id=a.pk, reason="Duplicate")
    client.force_login(mod)
    html = client.get(f"/atlas/examples/{a.pk}/{a.slug}/history/").content.decode()
    assert "Undo merge" in html
    response = client.post(f"/atlas/merges/{merge.pk}/undo/", {"reason": "Not the same system"})
    assert response.status_code == 302
    assert response["Location"] == b.get_absolute_url()
    after_a, after_b = state(a), state(b)
    for key in ("status", "merged_into", "evidence", "passages", "comments"):
        assert after_a[key] == before_a[key], key
        assert after_b[key] == before_b[key], key
    assert after_b["version"] == before_b["version"] + 2
    assert client.get(b.get_absolute_url()).status_code == 200
    log = AuditLogEntry.objects.get(action="unmerge")
    assert log.reason == "Not the same system" and log.after["source"]["status"] == "published"
    assert ExampleMerge.objects.get(pk=merge.pk).undone_by == mod
    # Undone once: a second undo is refused, and nothing changes.
    response = client.post(f"/atlas/merges/{merge.pk}/undo/", {"reason": "again"})
    assert state(b) == after_b and AuditLogEntry.objects.filter(action="unmerge").count() == 1


def test_undo_brings_back_replies_posted_to_bs_threads_after_the_merge(pair, mod, user):
    a, b = pair
    merge = merging.example_merge(actor=mod, source=b, target_id=a.pk, reason="Duplicate")
    root = EntryComment.objects.get(body="Is this a duplicate?")
    later = services.comment_create(author=user, example=a, body="Yes it is.", parent_id=root.pk)
    own = services.comment_create(author=user, example=a, body="About A")
    merging.example_unmerge(actor=mod, merge=merge, reason="Wrong")
    assert EntryComment.objects.get(pk=later.pk).example_id == b.pk
    assert EntryComment.objects.get(pk=own.pk).example_id == a.pk


def _nothing_changed(a, b, before):
    assert (state(a), state(b)) == before
    assert not ExampleMerge.objects.exists()
    assert not AuditLogEntry.objects.filter(action="merge").exists()


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("self", "cannot be merged into itself"),
        ("", "Choose the entry to merge into"),
        ("abc", "is not an entry number"),
        ("999999", "There is no entry #999999"),
    ],
)
def test_bad_targets_are_refused(client, pair, mod, into, message):
    a, b = pair
    before = (state(a), state(b))
    client.force_login(mod)
    response = client.post(merge_url(b), {"into": b.pk if into == "self" else into, "reason": "r"})
    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_changed(a, b, before)


def test_merging_into_a_merged_entry_is_refused(client, pair, mod, user, make_published):
    a, b = pair
    c = make_published(user, title="Third")
    merging.example_merge(actor=mod, source=a, target_id=c.pk, reason="dup")
    before_b, count = state(b), AuditLogEntry.objects.count()
    client.force_login(mod)
    response = client.post(merge_url(b), {"into": a.pk, "reason": "r"})
    assert response.status_code == 400
    assert f"was itself merged into #{c.pk}" in response.content.decode()
    assert state(b) == before_b and AuditLogEntry.objects.count() == count


def test_a_merge_needs_a_reason(client, pair, mod):
    a, b = pair
    before = (state(a), state(b))
    client.force_login(mod)
    response = client.post(merge_url(b), {"into": a.pk, "reason": "  "})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    _nothing_changed(a, b, before)


def test_non_moderators_and_moderators_out_of_scope_get_403(client, pair, user, make_published):
    a, b = pair
    before = (state(a), state(b))
    for actor in (user, make_moderator(countries=["FR"])):
        client.force_login(actor)
        assert client.get(merge_url(b)).status_code == 403
        assert client.post(merge_url(b), {"into": a.pk, "reason": "r"}).status_code == 403
        _nothing_changed(a, b, before)
    # In scope for B (DE) but not for the target (FR): refused too.
    french = make_published(user, title="French scoring", country="FR")
    client.force_login(make_moderator(countries=["DE"]))
    assert client.post(merge_url(b), {"into": french.pk, "reason": "r"}).status_code == 403
    _nothing_changed(a, b, before)
    client.logout()
    assert client.post(merge_url(b), {"into": a.pk, "reason": "r"}).status_code == 302  # to login
    _nothing_changed(a, b, before)


def test_moderator_in_scope_may_merge(client, pair):
    a, b = pair
    client.force_login(make_moderator(countries=["DE"]))
    assert client.post(merge_url(b), {"into": a.pk, "reason": "dup"}).status_code == 302
    assert Example.objects.get(pk=b.pk).status == "merged"


def test_merge_and_undo_through_the_api(pair, mod, user):
    a, b = pair
    before = (state(a), state(b))
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(
        f"/api/examples/{b.pk}/merge/", {"into": a.pk, "reason": "dup"}, format="json"
    )
    assert response.status_code == 403
    api.force_authenticate(make_moderator(countries=["FR"]))
    response = api.post(
        f"/api/examples/{b.pk}/merge/", {"into": a.pk, "reason": "dup"}, format="json"
    )
    assert response.status_code == 403
    api.force_authenticate(mod)
    response = api.post(
        f"/api/examples/{b.pk}/merge/", {"into": b.pk, "reason": "dup"}, format="json"
    )
    assert response.status_code == 400
    assert "cannot be merged into itself" in response.json()["detail"]
    _nothing_changed(a, b, before)
    response = api.post(
        f"/api/examples/{b.pk}/merge/", {"into": a.pk, "reason": "dup"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["source"] == b.pk and body["target"] == a.pk
    assert api.get(f"/api/examples/{b.pk}/").status_code == 301
    response = api.post(body["undo_url"], {"reason": ""}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["reason"]
    response = api.post(body["undo_url"], {"reason": "not a duplicate"}, format="json")
    assert response.status_code == 200 and response.json()["undone_at"]
    assert (state(a)["evidence"], state(b)["comments"]) == (
        before[0]["evidence"],
        before[1]["comments"],
    )


def test_merge_page_query_count(client, pair, mod, django_assert_max_num_queries):
    a, b = pair
    client.force_login(mod)
    with django_assert_max_num_queries(12):
        assert client.get(merge_url(b)).status_code == 200
