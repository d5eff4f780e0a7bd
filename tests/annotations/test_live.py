"""Live updates at the socket (apps/annotations/live.py, consumers.py): what each kind of
write sends to whom. The browser test (tests/browser/test_live.py) covers the page."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from apps.annotations import services
from apps.annotations.models import Visibility
from apps.moderation.models import UserModerationState
from project.asgi import application
from tests.annotations.live_socket import Socket

pytestmark = pytest.mark.django_db(transaction=True)

QUIET = 0.3  # seconds a socket must stay silent


def socket(source, user=None, *, origin="http://testserver", slug=None):
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return Socket(application, f"/ws/sources/{slug or source.slug}/", headers=headers)


def run(scenario):
    """Runs ``scenario`` on an event loop of its own thread: Playwright's sync API (the
    browser tests, in the same process) leaves a loop running in the main thread, where
    ``async_to_sync`` refuses to start."""
    errors: list[BaseException] = []

    def target():
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the scenario did not finish in 60 s"
    if errors:
        raise errors[0]


async def connected(*sockets):
    for s in sockets:
        ok, _ = await s.connect()
        assert ok
    return sockets


async def close(*sockets):
    for s in sockets:
        await s.disconnect()


def passage_of(annotation) -> str:
    anchor = annotation.anchors.get(document=annotation.document)
    return annotation.document.passages.get(start__lte=anchor.start, end__gt=anchor.start).anchor


def test_a_public_annotation_reaches_every_reader_of_the_source(
    founding_paper, user, other_user, make_annotation
):
    async def scenario():
        author, reader, anonymous = await connected(
            socket(founding_paper, user), socket(founding_paper, other_user), socket(founding_paper)
        )
        note = await database_sync_to_async(make_annotation)(user)
        expected = {
            "type": "annotation.created",
            "id": note.pk,
            "thread": note.pk,
            "passage": await database_sync_to_async(passage_of)(note),
        }
        assert await reader.receive_json_from(timeout=2) == expected
        assert await anonymous.receive_json_from(timeout=2) == expected
        # The author's own socket hears it once, though it is in their personal group and
        # the public one, marked as theirs (their other tabs show it at once); the
        # author's id is never sent.
        assert await author.receive_json_from(timeout=2) == {**expected, "mine": True}
        assert await author.receive_nothing(timeout=QUIET)
        await close(author, reader, anonymous)

    run(scenario)


def test_forwarding_a_message_takes_no_trip_through_the_sync_thread(
    founding_paper, user, make_annotation, monkeypatch
):
    """Channels' dispatch closes stale database connections in the one sync thread before
    each message, for every socket: with 200 readers on a paper each note queued 200
    trips through that thread (make load's live readers). Forwarding a live message
    reads no database, so it skips them; connecting still does them."""
    import channels.consumer

    trips = []
    original = channels.consumer.aclose_old_connections

    async def counted():
        trips.append(1)
        await original()

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)

    async def scenario():
        readers = await connected(*(socket(founding_paper) for _ in range(3)))
        assert trips, "connecting goes the usual way"
        trips.clear()
        note = await database_sync_to_async(make_annotation)(user)
        for reader in readers:
            assert (await reader.receive_json_from(timeout=2))["id"] == note.pk
        assert trips == []
        await close(*readers)

    run(scenario)


def test_a_private_note_reaches_only_its_author(founding_paper, user, other_user, make_annotation):
    async def scenario():
        author, stranger, anonymous = await connected(
            socket(founding_paper, user), socket(founding_paper, other_user), socket(founding_paper)
        )
        note = await database_sync_to_async(make_annotation)(user, visibility=Visibility.PRIVATE)
        message = await author.receive_json_from(timeout=2)
        assert message["type"] == "annotation.created" and message["id"] == note.pk
        assert message["mine"] is True
        assert await stranger.receive_nothing(timeout=QUIET)
        assert await anonymous.receive_nothing(timeout=QUIET)
        # Edited, then deleted: still nobody else hears of it.
        await database_sync_to_async(services.annotation_update)(
            annotation=note, user=user, body="Still mine."
        )
        await database_sync_to_async(services.annotation_delete)(annotation=note, user=user)
        assert (await author.receive_json_from(timeout=2))["type"] == "annotation.updated"
        assert (await author.receive_json_from(timeout=2))["type"] == "annotation.deleted"
        assert await stranger.receive_nothing(timeout=QUIET)
        assert await anonymous.receive_nothing(timeout=QUIET)
        await close(author, stranger, anonymous)

    run(scenario)


def test_a_shadow_hidden_authors_writes_reach_only_them(
    founding_paper, user, other_user, make_annotation
):
    UserModerationState.objects.update_or_create(user=user, defaults={"shadow_hidden": True})

    async def scenario():
        author, stranger = await connected(
            socket(founding_paper, user), socket(founding_paper, other_user)
        )
        note = await database_sync_to_async(make_annotation)(user)
        assert (await author.receive_json_from(timeout=2))["id"] == note.pk
        await database_sync_to_async(services.annotation_update)(
            annotation=note, user=user, visibility=Visibility.PRIVATE
        )
        assert (await author.receive_json_from(timeout=2))["type"] == "annotation.updated"
        assert await stranger.receive_nothing(timeout=QUIET)
        await close(author, stranger)

    run(scenario)


def test_going_private_or_hidden_is_a_deletion_for_the_public(
    founding_paper, user, other_user, moderator, make_annotation
):
    note = make_annotation(user)
    other = make_annotation(other_user, quote="credit")

    async def scenario():
        (reader,) = await connected(socket(founding_paper))
        await database_sync_to_async(services.annotation_update)(
            annotation=note, user=user, visibility=Visibility.PRIVATE
        )
        message = await reader.receive_json_from(timeout=2)
        assert (message["type"], message["id"]) == ("annotation.deleted", note.pk)
        await database_sync_to_async(services.annotation_hide)(
            annotation=other, moderator=moderator
        )
        message = await reader.receive_json_from(timeout=2)
        assert (message["type"], message["id"]) == ("annotation.deleted", other.pk)
        await database_sync_to_async(services.annotation_restore)(
            annotation=other, moderator=moderator
        )
        message = await reader.receive_json_from(timeout=2)
        assert (message["type"], message["id"]) == ("annotation.created", other.pk)
        # Public again: new to the public.
        await database_sync_to_async(services.annotation_update)(
            annotation=note, user=user, visibility=Visibility.PUBLIC
        )
        message = await reader.receive_json_from(timeout=2)
        assert (message["type"], message["id"]) == ("annotation.created", note.pk)
        await close(reader)

    run(scenario)


def test_a_reply_names_its_thread(founding_paper, user, other_user, make_annotation):
    note = make_annotation(user)

    async def scenario():
        (reader,) = await connected(socket(founding_paper))
        reply = await database_sync_to_async(services.annotation_reply)(
            author=other_user, parent=note, body="Indeed."
        )
        message = await reader.receive_json_from(timeout=2)
        assert (message["id"], message["thread"]) == (reply.pk, note.pk)
        await close(reader)

    run(scenario)


def test_sockets_of_another_source_hear_nothing(
    founding_paper, user, make_annotation, make_source_for_live
):
    other_source = make_source_for_live()

    async def scenario():
        (elsewhere,) = await connected(socket(other_source))
        await database_sync_to_async(make_annotation)(user)
        assert await elsewhere.receive_nothing(timeout=QUIET)
        await close(elsewhere)

    run(scenario)


@pytest.mark.parametrize(
    "slug",
    ["no-such-source", "x" * 300, "%00", "../../admin"],
    ids=["unknown", "long", "nul", "dots"],
)
def test_an_unreadable_source_is_refused(founding_paper, slug):
    async def scenario():
        communicator = socket(founding_paper, slug=slug)
        ok, code = await communicator.connect()
        assert not ok
        assert code == 4404

    run(scenario)


def test_a_socket_from_another_origin_is_refused(founding_paper, user):
    """Cross-site WebSocket hijacking: another site's page may not listen with the
    visitor's cookies."""

    async def scenario():
        communicator = socket(founding_paper, user, origin="https://evil.example")
        ok, _ = await communicator.connect()
        assert not ok

    run(scenario)


def test_the_socket_accepts_no_input(founding_paper):
    async def scenario():
        (reader,) = await connected(socket(founding_paper))
        await reader.send_to(text_data='{"type": "annotation.created", "id": 1}')
        closed = await reader.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": 4400}

    run(scenario)


@pytest.fixture
def make_source_for_live(db, user):
    from apps.sources import services as source_services
    from tests.sources.conftest import metadata

    def make():
        # Committed at once (transactional test): the import runs on commit, inline.
        source = source_services.source_create(
            user=user,
            metadata=metadata(title="Another source"),
            data=b"Another text.\n\nWith two paragraphs.",
            filename="other.txt",
        )
        source.refresh_from_db()
        return source

    return make


def test_a_group_note_reaches_its_members_only_and_leaving_stops_it(
    founding_paper, user, other_user, third_user, make_annotation
):
    """Members of a reading group hear of its notes; a non-member's socket never does,
    and a member who leaves stops hearing at once (their open socket re-checks)."""
    group = services.group_create(creator=user, name="Live seminar")
    services.group_join(user=other_user, group=group, invite=group.invite_token)

    async def scenario():
        author, member, outsider, anonymous = await connected(
            socket(founding_paper, user),
            socket(founding_paper, other_user),
            socket(founding_paper, third_user),
            socket(founding_paper),
        )
        note = await database_sync_to_async(make_annotation)(
            user, visibility=Visibility.GROUP, group=group
        )
        assert (await author.receive_json_from())["id"] == note.pk
        assert (await member.receive_json_from())["id"] == note.pk
        assert await outsider.receive_nothing(timeout=QUIET)
        assert await anonymous.receive_nothing(timeout=QUIET)
        await database_sync_to_async(services.group_leave)(user=other_user, group=group)
        await asyncio.sleep(0.2)  # the leaver's socket re-checks its groups
        await database_sync_to_async(services.annotation_update)(
            annotation=note, user=user, body="After you left."
        )
        assert (await author.receive_json_from())["type"] == "annotation.updated"
        assert await member.receive_nothing(timeout=QUIET)
        assert await outsider.receive_nothing(timeout=QUIET)
        await close(author, member, outsider, anonymous)

    run(scenario)


def test_the_live_target_reads_only_its_own_sources_passages(
    founding_paper, user, make_annotation, django_assert_num_queries
):
    """One query on commit, whose passage lookup stays on the annotation's own source's
    current version: the passages' model ordering used to join every source into it (and
    "sources_source" then named that join), so each write scanned every current passage
    of the library."""
    from apps.annotations.live_selectors import live_target

    annotation = make_annotation(user, "Sesame Credit")
    with django_assert_num_queries(1) as captured:
        target = live_target(annotation_id=annotation.pk)
    assert target.passage_anchor == annotation.passage.anchor
    assert captured.captured_queries[0]["sql"].count('JOIN "sources_source"') == 1
