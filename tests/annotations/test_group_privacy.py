"""A reading group's notes are its members' (issue 14): a non-member never sees one, in
any channel — reader (shared threads, mine.json, counts), API list and detail, W3C
JSON-LD collection, exports, search results and facet counts, activity and Atom feeds,
notifications and e-mails. One test per channel; each was made to fail once (see the
commit message). Leaving takes access away at once; replies inherit the audience; site
moderators see a group note only when a member flags it, and then only that item."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from apps.annotations import reader_selectors, selectors, services
from apps.annotations.models import Annotation
from apps.moderation.models import ReviewItem
from apps.moderation.services import flag_create
from apps.notifications import selectors as inbox
from apps.notifications import services as inbox_services
from apps.notifications.models import Notification
from tests.factories import UserFactory
from tests.moderation.conftest import make_admin, make_moderator

pytestmark = pytest.mark.django_db

SECRET = "Seminar-only reading of scoring"
TAG = "seminar-tag"
QUOTE = "Amy Dobson and Wong"


@pytest.fixture
def author(db):
    return UserFactory(email="author@example.org")


@pytest.fixture
def member(db):
    return UserFactory(email="member@example.org")


@pytest.fixture
def group(author, member):
    group = services.group_create(creator=author, name="Seminar on scoring")
    services.group_join(user=member, group=group, invite=group.invite_token)
    return group


@pytest.fixture
def outsiders(db):
    """Everyone who is not in the group: none of them may read its notes."""
    return {
        "anonymous": None,
        "signed-in non-member": UserFactory(),
        "global moderator": make_moderator(),
        "superuser": make_admin(),
    }


@pytest.fixture
def note(author, group, make_annotation, run_on_commit, outsiders):
    mentioned = " ".join(f"@{u.username}" for u in outsiders.values() if u is not None)
    with run_on_commit():
        return make_annotation(
            author,
            quote=QUOTE,
            body=f"{SECRET} {mentioned}",
            tags=[TAG, "country:FR"],
            visibility="group",
            group=group,
        )


def about(annotation) -> dict:
    """The inbox's lookup of notifications about ``annotation`` (apps/notifications)."""
    from django.contrib.contenttypes.models import ContentType

    return {
        "subject_type": ContentType.objects.get_for_model(Annotation),
        "subject_id": annotation.pk,
    }


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _assert_nowhere(outsiders, urls: dict[str, str], *, needle: str = SECRET) -> None:
    for role, viewer in outsiders.items():
        client = _client(viewer)
        for name, url in urls.items():
            response = client.get(url)
            assert response.status_code in (200, 400, 401, 403, 404), (
                role,
                name,
                response.status_code,
            )
            assert needle.encode() not in _body(response), (role, name)


def _assert_member_sees(user, url: str, *, needle: str = SECRET) -> None:
    response = _client(user).get(url)
    assert response.status_code == 200, url
    assert needle.encode() in _body(response), url


def _tag_facet(q: str, viewer) -> dict[str, int]:
    """The tag facet's counts of a search for ``q`` as ``viewer`` (the search page's)."""
    from django.contrib.auth.models import AnonymousUser

    from apps.search import selectors as search_selectors
    from apps.search.providers import SearchRequest
    from apps.search.query import parse_query

    request = SearchRequest(query=parse_query(q), viewer=viewer or AnonymousUser())
    results = search_selectors.search(request=request, page_size=50, with_facets=True)
    return {value.value: value.count for value in results.facets.get("tag", [])}


# --- One channel each ------------------------------------------------------------------------


def test_reader_non_members_see_no_highlight_thread_or_count(
    note, member, outsiders, founding_paper
):
    document = founding_paper.current_document
    urls = {
        "reader page": f"/sources/{founding_paper.slug}/",
        "shared threads": f"/reader/{document.pk}/threads.json",
        "mine.json": f"/reader/{document.pk}/mine.json",
    }
    for role, viewer in outsiders.items():
        client = _client(viewer)
        for name, url in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (role, name)
            assert SECRET.encode() not in response.content, (role, name)
            assert f'"id":{note.pk},'.encode() not in response.content, (role, name)
            assert f"[{note.pk},".encode() not in response.content, (role, name)
        assert not reader_selectors.thread_counts_by_passage(viewer=viewer, document=document), role
    # The shared threads JSON is the same for the member: their group's note comes only
    # through their own mine.json.
    shared = _client(member).get(urls["shared threads"]).content
    assert f"[{note.pk},".encode() not in shared
    mine = _client(member).get(urls["mine.json"]).json()
    assert [a["id"] for a in mine["annotations"]] == [note.pk]
    assert mine["annotations"][0]["group"] == note.group.slug
    assert mine["groups"] == [{"slug": note.group.slug, "name": note.group.name, "manages": False}]
    assert reader_selectors.thread_counts_by_passage(viewer=member, document=document)


def test_api_list_and_detail_are_for_members_only(note, member, outsiders, founding_paper):
    slug = founding_paper.slug
    _assert_nowhere(
        outsiders,
        {
            "list": f"/api/annotations/?source={slug}",
            "list by tag": f"/api/annotations/?tag={TAG}",
            "list by group": f"/api/annotations/?group={note.group.slug}",
            "list by visibility": "/api/annotations/?visibility=group",
            "detail": f"/api/annotations/{note.pk}/",
        },
    )
    for role, viewer in outsiders.items():
        assert _client(viewer).get(f"/api/annotations/{note.pk}/").status_code == 404, role
    _assert_member_sees(member, f"/api/annotations/{note.pk}/")
    listed = _client(member).get(f"/api/annotations/?group={note.group.slug}").json()
    assert [a["id"] for a in listed["results"]] == [note.pk]
    assert listed["results"][0]["visibility"] == "group"


def test_w3c_jsonld_collection_is_for_members_only(note, member, outsiders, founding_paper):
    accept = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    url = f"/api/annotations/?source={founding_paper.slug}"
    for role, viewer in outsiders.items():
        response = _client(viewer).get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200, role
        assert SECRET.encode() not in response.content, role
        assert response.json()["total"] == 0, role
    response = _client(member).get(url, HTTP_ACCEPT=accept)
    assert SECRET.encode() in response.content and response.json()["total"] == 1


def test_exports_are_for_members_only(note, member, outsiders, founding_paper):
    urls = {
        "CSV": f"/api/sources/{founding_paper.slug}/annotations.csv",
        "JSON-LD": f"/api/sources/{founding_paper.slug}/annotations.jsonld",
    }
    _assert_nowhere(outsiders, urls)
    for url in urls.values():
        _assert_member_sees(member, url)


def test_search_results_and_facet_counts_are_for_members_only(note, member, outsiders):
    _assert_nowhere(
        outsiders,
        {"search page": "/search/?q=seminar", "search API": "/api/search/?q=seminar"},
    )
    # Facets: the group note's tag is neither offered nor counted for an outsider, and
    # filtering by it reads as for a tag that does not exist.
    _assert_nowhere(
        outsiders, {"page": "/search/?q=scoring", "API": "/api/search/?q=scoring"}, needle=TAG
    )
    for role, viewer in outsiders.items():
        response = _client(viewer).get(f"/api/search/?tag={TAG}")
        assert response.status_code == 400 and b"No annotation has the tag" in response.content
        assert not selectors.annotations_searchable(viewer=viewer).filter(pk=note.pk), role
        assert not selectors.annotation_tag_exists(viewer=viewer, tag=TAG), role
    found = _client(member).get("/api/search/?q=seminar").json()
    assert found["counts_by_kind"]["annotation"] == 1
    assert found["results"][0]["url"].endswith(f"#annotation-{note.pk}")
    assert TAG in _tag_facet("scoring", member)
    for role, viewer in outsiders.items():
        assert TAG not in _tag_facet("scoring", viewer), role
    assert _client(member).get(f"/api/search/?tag={TAG}").status_code == 200


def test_activity_atom_and_contributor_pages_never_show_group_notes(note, member, outsiders):
    urls = {
        "activity": "/activity/",
        "Atom feed": "/activity/feed/",
        f"feed by tag {TAG}": f"/activity/feed/?tag={TAG}",
        "author's page": f"/users/{note.author.username}/",
        "country page": "/atlas/countries/FR/",
    }
    # Public feeds: not even the members find the group there (the group page is theirs).
    _assert_nowhere({**outsiders, "member": member, "author": note.author}, urls)
    _assert_member_sees(member, f"/groups/{note.group.slug}/")


def test_notifications_and_emails_reach_members_only(
    note, author, member, outsiders, run_on_commit
):
    """The note mentions every outsider: nobody outside the group is notified or mailed."""
    for role, viewer in outsiders.items():
        if viewer is None:
            continue
        assert not Notification.objects.filter(recipient=viewer).exists(), role
        assert SECRET.encode() not in _client(viewer).get("/notifications/").content, role
    assert all(SECRET not in m.body for m in mail.outbox if author.email not in m.to)
    mail.outbox.clear()
    with run_on_commit():
        reply = services.annotation_reply(
            author=member, parent=note, body=f"Agreed. {SECRET} again @{author.username}"
        )
    assert reply.visibility == "group" and reply.group_id == note.group_id
    assert Notification.objects.filter(recipient=author, **about(reply)).exists()
    assert [m.to for m in mail.outbox] == [[author.email]]


# --- Membership changes take effect at once ------------------------------------------------


def test_a_member_who_leaves_loses_access_at_once(
    note, author, member, founding_paper, run_on_commit
):
    with run_on_commit():
        reply = services.annotation_reply(author=author, parent=note, body=f"@{member.username} x")
    notification = Notification.objects.get(recipient=member, **about(reply))
    client = _client(member)
    assert client.get(f"/api/annotations/{note.pk}/").status_code == 200
    assert inbox.unread_notification_count(user=member) == 1

    assert client.post(f"/groups/{note.group.slug}/", {"action": "leave"}).status_code == 302

    assert client.get(f"/api/annotations/{note.pk}/").status_code == 404
    assert client.get(f"/api/annotations/{reply.pk}/").status_code == 404
    assert (
        SECRET.encode()
        not in client.get(f"/reader/{founding_paper.current_document_id}/mine.json").content
    )
    assert SECRET.encode() not in client.get("/api/search/?q=seminar").content
    assert inbox.unread_notification_count(user=member) == 0
    assert client.get(f"/groups/{note.group.slug}/").status_code == 404
    # An e-mail still owed for the old notification is settled without being sent.
    mail.outbox.clear()
    Notification.objects.filter(pk=notification.pk).update(email_pending=True)
    assert inbox_services.notification_send_email(notification_id=notification.pk) is False
    assert mail.outbox == []


def test_replies_inherit_the_group_and_cannot_leave_it(note, member, author):
    reply = services.annotation_reply(
        author=member, parent=note, body="A reply", visibility="public"
    )
    assert (reply.visibility, reply.group_id) == ("group", note.group_id)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.annotation_update(annotation=reply, user=member, visibility="public")
    with pytest.raises(ValidationError):
        services.annotation_update(annotation=note, user=author, visibility="private")
    assert Annotation.objects.get(pk=reply.pk).visibility == "group"


def test_non_members_cannot_reply_or_write_to_the_group(note, outsiders, make_annotation, group):
    from django.core.exceptions import ValidationError

    stranger = outsiders["signed-in non-member"]
    before = Annotation.objects.count()
    with pytest.raises(ValidationError):
        services.annotation_reply(author=stranger, parent=note, body="Let me in")
    with pytest.raises(ValidationError):
        make_annotation(stranger, quote="Sesame Credit", visibility="group", group=group)
    response = _client(stranger).post(
        "/api/annotations/",
        {"parent": note.pk, "body": "Let me in"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Annotation.objects.count() == before


# --- Moderation ------------------------------------------------------------------------------


def test_site_moderators_see_only_the_flagged_item(
    note, author, member, group, make_annotation, run_on_commit
):
    other = make_annotation(
        author, quote="Sesame Credit", body="Another seminar note", visibility="group", group=group
    )
    moderator = make_moderator()
    queue = _client(moderator).get("/moderation/").content
    assert SECRET.encode() not in queue and b"Another seminar note" not in queue

    with run_on_commit():
        flag_create(flagger=member, target=note, reason="other", text="Off topic")

    item = ReviewItem.objects.get()
    assert item.object_id == str(note.pk)
    queue = _client(moderator).get("/moderation/").content
    assert SECRET.encode() in queue  # the flagged item, shown to decide on it
    assert b"Another seminar note" not in queue
    # ...and nothing else of the group: not the note's thread, page or other notes.
    client = _client(moderator)
    assert client.get(f"/api/annotations/{note.pk}/").status_code == 404
    assert client.get(f"/api/annotations/{other.pk}/").status_code == 404
    assert client.get(f"/groups/{group.slug}/").status_code == 404


def test_group_moderators_hide_and_restore_logged(note, author, member, group):
    services.group_member_add(actor=author, group=group, username=member.username, role="moderator")
    reader = UserFactory()
    services.group_join(user=reader, group=group, invite=group.invite_token)
    client = _client(member)

    assert client.post(f"/api/annotations/{note.pk}/hide/").status_code == 200
    assert _client(reader).get(f"/api/annotations/{note.pk}/").status_code == 404
    assert client.get(f"/api/annotations/{note.pk}/").json()["hidden"] is True
    assert _client(author).get(f"/api/annotations/{note.pk}/").status_code == 200
    # A plain member cannot restore; a site moderator cannot even find it.
    assert _client(reader).post(f"/api/annotations/{note.pk}/restore/").status_code == 404
    assert _client(make_moderator()).post(f"/api/annotations/{note.pk}/restore/").status_code == 404
    assert client.post(f"/api/annotations/{note.pk}/restore/").status_code == 200
    assert _client(reader).get(f"/api/annotations/{note.pk}/").status_code == 200
    assert list(group.log.values_list("action", "actor", "annotation")) == [
        ("restore", member.pk, note.pk),
        ("hide", member.pk, note.pk),
        ("role", author.pk, None),
    ]


def test_plain_members_cannot_hide(note, member):
    response = _client(member).post(f"/api/annotations/{note.pk}/hide/")
    assert response.status_code == 403
    note.refresh_from_db()
    assert not note.hidden


def test_a_hidden_group_root_keeps_its_thread_for_members_only(note, author, member, group):
    reply = services.annotation_reply(author=member, parent=note, body="A member's reply")
    services.group_annotation_hide(annotation=note, actor=author)
    reader = UserFactory()
    services.group_join(user=reader, group=group, invite=group.invite_token)

    rows = _client(reader).get(f"/api/annotations/?thread={note.pk}").json()["results"]
    assert [(r["id"], r["body"]) for r in rows] == [
        (note.pk, "[hidden by a moderator]"),
        (reply.pk, "A member's reply"),
    ]
    assert SECRET not in str(rows)
    assert _client(UserFactory()).get(f"/api/annotations/?thread={note.pk}").json()["count"] == 0
    # Its author (here also the group's owner) still reads it.
    assert SECRET in _client(author).get(f"/api/annotations/{note.pk}/").json()["body"]


def test_the_group_cannot_restore_what_site_moderators_hold(note, author, member, run_on_commit):
    """A member's flag put the note before the site's moderators; the group's owner may not
    restore it while they review it, nor after they hid it."""
    from apps.moderation.actions import review_item_decide

    with run_on_commit():
        flag_create(flagger=member, target=note, reason="other", text="Off topic")
    services.group_annotation_hide(annotation=note, actor=author)
    client = _client(author)
    assert client.post(f"/api/annotations/{note.pk}/restore/").status_code == 403
    item = ReviewItem.objects.get()
    review_item_decide(actor=make_moderator(), item=item, decision="hide", reason="Spam")
    assert client.post(f"/api/annotations/{note.pk}/restore/").status_code == 403
    note.refresh_from_db()
    assert note.hidden
