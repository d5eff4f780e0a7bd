"""Source stewardship (issue 12): maintainers, proposed versions, accept / reject /
withdraw, and what a rejected source or version leaves visible. Through the services and
the selectors; the pages and the API are in test_stewardship_views.py and
test_api_uploads.py, the roles in test_stewardship_matrix.py."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from apps.annotations import services as annotation_services
from apps.annotations import tasks as annotation_tasks
from apps.annotations.models import AnchorStatus, AnnotationAnchor
from apps.annotations.services import TextPositionSelector
from apps.moderation.actions import review_item_decide
from apps.moderation.models import (
    AuditLogEntry,
    ReviewItem,
    ReviewItemType,
)
from apps.moderation.selectors import is_hidden
from apps.notifications.models import Notification
from apps.sources import selectors, services
from apps.sources.models import Document, DocumentStatus, Source, SourceMaintainer
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator, make_trusted

from .conftest import passages_text

pytestmark = pytest.mark.django_db

REPLACEMENT = b"# Replaced\n\nThe attacker's text, which replaces everything that was here.\n"
# A file that would fill the record's empty fields from its own front matter.
METADATA_FILE = (
    b"---\n"
    b"title: Something\n"
    b"date: 2019-05-04\n"
    b"journal: Attacker Weekly\n"
    b"doi: 10.5555/attacker\n"
    b"url: https://attacker.example/\n"
    b"abstract: Written by the attacker.\n"
    b"---\n\n"
    b"# Heading\n\nA paragraph of the new text.\n"
)


@pytest.fixture
def contributor(db):
    return UserFactory(username="contributor")


@pytest.fixture
def moderator(db):
    return make_moderator(username="mod")


def annotate(document, author, quote: str):
    start = document.text.index(quote)
    return annotation_services.annotation_create(
        author=author,
        document=document,
        position=TextPositionSelector(start, start + len(quote)),
        body="A note",
    )


def hooks_called(monkeypatch) -> list[int]:
    """Record the documents of ``source.version_ready`` (the annotations app re-anchors
    there), dispatched on commit while the test runs."""
    from apps.common import events

    seen: list[int] = []

    def record(*, document_id):
        seen.append(document_id)

    # Added after the real subscribers (re-anchoring still runs), removed after the test.
    name = "source.version_ready"
    monkeypatch.setitem(events._subscribers, name, [*events.subscribers(name), record])
    return seen


# --- Reproduction: any signed-in account replaced the founding paper's live text ---------------


def test_a_contributors_version_of_the_founding_paper_is_only_a_proposal(
    founding_paper, contributor, upload_version, monkeypatch, run_on_commit
):
    original = founding_paper.current_document
    reader = UserFactory()
    annotation = annotate(original, reader, "social credit system")
    hooks = hooks_called(monkeypatch)

    proposal = upload_version(founding_paper, REPLACEMENT, by=contributor)

    founding_paper.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED and proposal.is_proposal
    assert proposal.version == 2 and proposal.base_document_id == original.pk
    # The live text is untouched: same current version, nothing re-anchored, no hook.
    assert founding_paper.current_document_id == original.pk
    assert hooks == []
    assert not AnnotationAnchor.objects.filter(annotation=annotation, document=proposal).exists()
    assert selectors.document_for_reader(source=founding_paper).pk == original.pk
    # Nobody but its author and the stewards reads it; lists, search and activity skip it.
    for viewer in (None, reader):
        with pytest.raises(Http404):
            selectors.document_for_reader(source=founding_paper, version=2, viewer=viewer)
    for viewer in (contributor, make_moderator()):
        assert selectors.document_for_reader(source=founding_paper, version=2, viewer=viewer)
    assert [d.version for d in selectors.source_versions(source=founding_paper)] == [1]
    assert not selectors.passages_of_current_versions().filter(document=proposal).exists()
    assert proposal not in selectors.versions_recently_published()
    # It waits in the queue, linked to its diff.
    item = ReviewItem.objects.get(item_type=ReviewItemType.PROPOSED_VERSION)
    assert item.object_id == str(proposal.pk) and item.author == contributor
    assert item.target_url == f"/sources/{founding_paper.slug}/diff/?from=1&to=2"
    assert item.target_version == 2
    assert "proposed by contributor, against version 1" in item.summary


def test_a_proposal_records_the_current_version_as_stored(
    make_source, upload_version, user, contributor
):
    source = make_source(passages_text(3), by=user)
    stale = Source.objects.get(pk=source.pk)  # loaded while version 1 was current
    second = upload_version(source, passages_text(4), by=user)
    proposal = upload_version(stale, passages_text(5), by=contributor)
    assert proposal.base_document_id == second.pk


def test_the_founding_paper_is_maintained_by_the_moderators(
    founding_paper, upload_version, moderator
):
    assert not SourceMaintainer.objects.filter(source=founding_paper).exists()
    document = upload_version(founding_paper, passages_text(3), by=moderator)
    founding_paper.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert founding_paper.current_document_id == document.pk
    # A moderator scoped to some countries is not among them (sources have no country).
    scoped = make_moderator(countries=["FR"])
    assert upload_version(founding_paper, passages_text(4), by=scoped).is_proposal


def test_uploader_is_the_first_maintainer_and_publishes_directly(make_source, upload_version, user):
    source = make_source(by=user)
    assert list(SourceMaintainer.objects.filter(source=source).values_list("user", flat=True)) == [
        user.pk
    ]
    document = upload_version(source, passages_text(3), by=user)
    source.refresh_from_db()
    assert document.status == DocumentStatus.READY and not document.is_proposal
    assert source.current_document_id == document.pk and document.published_at is not None


def test_trusted_contributors_also_propose(make_source, upload_version, user):
    source = make_source(by=user)
    assert upload_version(source, passages_text(3), by=make_trusted()).is_proposal


# --- Accept ----------------------------------------------------------------------------------------


@pytest.fixture
def proposal(make_source, upload_version, user, contributor):
    source = make_source(passages_text(3), by=user)
    return upload_version(source, passages_text(3, prefix="Section"), by=contributor)


def test_accept_publishes_the_proposal_and_reanchors(
    proposal, user, contributor, monkeypatch, run_on_commit, mailoutbox
):
    source = proposal.source
    first = source.current_document
    annotation = annotate(first, UserFactory(), "Paragraph number 1 says")
    hooks = hooks_called(monkeypatch)

    with run_on_commit():
        services.document_accept(actor=user, document=proposal, reason="Better scan")

    proposal.refresh_from_db()
    source.refresh_from_db()
    assert proposal.status == DocumentStatus.READY and proposal.published_at is not None
    assert (proposal.decided_by, proposal.decision_reason) == (user, "Better scan")
    assert source.current_document_id == proposal.pk
    assert hooks == [proposal.pk]
    assert AnnotationAnchor.objects.filter(annotation=annotation, document=proposal).exists()
    row = AuditLogEntry.objects.get(action="version_accept")
    assert row.actor == user and row.reason == "Better scan"
    assert row.before == {"version": 2, "status": "proposed", "current_version": 1}
    assert row.after == {"version": 2, "status": "ready", "current_version": 2}
    # The queue item is settled and the proposer told (in the app and by e-mail).
    item = ReviewItem.objects.get(item_type=ReviewItemType.PROPOSED_VERSION)
    assert (item.status, item.decision, item.decided_by) == ("decided", "publish", user)
    notice = Notification.objects.filter(kind="decision").get()
    assert notice.recipient == contributor and notice.text == "Better scan"
    assert [m.to for m in mailoutbox] == [[contributor.email]]
    assert proposal in selectors.versions_recently_published()


@pytest.mark.parametrize("reason", ["", "   "])
def test_accept_and_reject_need_a_reason(proposal, user, reason):
    for service in (services.document_accept, services.document_reject):
        with pytest.raises(ValidationError, match="Give a reason"):
            service(actor=user, document=proposal, reason=reason)
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED
    assert not AuditLogEntry.objects.exists()


def test_only_stewards_decide(proposal, contributor):
    for actor in (contributor, UserFactory(), make_trusted(), make_moderator(countries=["FR"])):
        for service in (services.document_accept, services.document_reject):
            with pytest.raises(PermissionDenied):
                service(actor=actor, document=proposal, reason="Mine is better")
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED
    assert not AuditLogEntry.objects.exists()


def test_accept_refuses_when_the_current_version_moved(proposal, user, upload_version):
    source = proposal.source
    third = upload_version(source, passages_text(5), by=user)  # the maintainer published v3
    with pytest.raises(services.CurrentVersionMoved) as refused:
        services.document_accept(actor=user, document=proposal, reason="Looks right")
    assert "Version 3 became the current version" in refused.value.messages[0]
    assert refused.value.current.pk == third.pk and refused.value.base_version == 1
    with pytest.raises(services.CurrentVersionMoved):  # confirming a version not current
        services.document_accept(
            actor=user, document=proposal, reason="Looks right", current_version=1
        )
    proposal.refresh_from_db()
    source.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED and source.current_document_id == third.pk
    assert not AuditLogEntry.objects.filter(action="version_accept").exists()

    services.document_accept(actor=user, document=proposal, reason="Compared", current_version=3)
    source.refresh_from_db()
    assert source.current_document_id == proposal.pk


def test_a_decided_proposal_cannot_be_decided_again(proposal, user):
    services.document_reject(actor=user, document=proposal, reason="No")
    for service in (services.document_accept, services.document_reject):
        with pytest.raises(ValidationError, match="not a proposal waiting"):
            service(actor=user, document=proposal, reason="Yes")


# --- Reject ----------------------------------------------------------------------------------------


def test_reject_touches_nothing_else(proposal, user, contributor, monkeypatch):
    source = proposal.source
    current = source.current_document_id
    hooks = hooks_called(monkeypatch)
    services.document_reject(actor=user, document=proposal, reason="Not the same paper")
    proposal.refresh_from_db()
    source.refresh_from_db()
    assert proposal.status == DocumentStatus.REJECTED and proposal.version == 2
    assert source.current_document_id == current and hooks == []
    assert Document.objects.filter(source=source).count() == 2  # nothing deleted
    row = AuditLogEntry.objects.get(action="version_reject")
    assert row.after["status"] == "rejected" and row.reason == "Not the same paper"
    assert Notification.objects.filter(kind="decision").get().recipient == contributor
    # Still readable by its author and the stewards, with the reason; 404 for others.
    for viewer in (contributor, user, make_moderator()):
        assert selectors.document_for_reader(source=source, version=2, viewer=viewer)
    with pytest.raises(Http404):
        selectors.document_for_reader(source=source, version=2, viewer=UserFactory())


# --- Withdraw --------------------------------------------------------------------------------------


def test_withdraw_brings_the_previous_version_back_and_reanchors(
    make_source, upload_version, user, monkeypatch, run_on_commit
):
    source = make_source(passages_text(3), by=user)
    first = source.current_document
    second = upload_version(source, passages_text(3) + b"\nA closing paragraph.\n", by=user)
    note = annotate(second, UserFactory(), "Paragraph number 2 says")  # made on version 2
    hooks = hooks_called(monkeypatch)

    with run_on_commit():
        services.document_withdraw(actor=user, document=second, reason="Wrong file")

    second.refresh_from_db()
    source.refresh_from_db()
    assert second.status == DocumentStatus.WITHDRAWN
    assert source.current_document_id == first.pk
    assert hooks == [first.pk]
    anchor = AnnotationAnchor.objects.get(annotation=note, document=first)
    assert anchor.status == AnchorStatus.ANCHORED
    assert first.text[anchor.start : anchor.end] == "Paragraph number 2 says"
    row = AuditLogEntry.objects.get(action="version_withdraw")
    assert row.before == {"version": 2, "status": "ready", "current_version": 2}
    assert row.after == {"version": 2, "status": "withdrawn", "current_version": 1}
    # Nothing deleted; readable by the stewards with its reason, hidden from everyone else.
    assert second.passages.count() == 5 and second.decision_reason == "Wrong file"
    assert selectors.document_for_reader(source=source, version=2, viewer=user)
    with pytest.raises(Http404):
        selectors.document_for_reader(source=source, version=2, viewer=UserFactory())
    assert [d.version for d in selectors.source_versions(source=source)] == [1]


def test_the_sweep_repairs_a_lost_reanchoring_after_a_withdrawal(
    make_source, upload_version, user, run_on_commit
):
    from django.utils import timezone

    from apps.annotations.selectors import documents_missing_anchors

    source = make_source(passages_text(3), by=user)
    first = source.current_document
    second = upload_version(source, passages_text(4), by=user)
    note = annotate(second, UserFactory(), "Paragraph number 2 says")
    services.document_withdraw(actor=user, document=second, reason="Wrong file")  # job lost
    assert not AnnotationAnchor.objects.filter(annotation=note, document=first).exists()
    assert documents_missing_anchors(settled_before=timezone.now()) == [first.pk]
    with run_on_commit():
        annotation_services.reanchor_sweep(
            send=annotation_tasks.reanchor_document.delay,
            now=timezone.now() + datetime.timedelta(hours=1),
        )
    assert AnnotationAnchor.objects.filter(annotation=note, document=first).exists()
    assert documents_missing_anchors(settled_before=timezone.now()) == []


def test_withdrawing_an_older_version_keeps_the_current_one(make_source, upload_version, user):
    source = make_source(passages_text(3), by=user)
    first = source.current_document
    second = upload_version(source, passages_text(4), by=user)
    services.document_withdraw(actor=user, document=first, reason="Superseded scan")
    source.refresh_from_db()
    assert source.current_document_id == second.pk


def test_the_only_version_cannot_be_withdrawn(make_source, user):
    source = make_source(by=user)
    with pytest.raises(ValidationError, match="only published version of this source"):
        services.document_withdraw(actor=user, document=source.current_document, reason="Oops")
    source.refresh_from_db()
    assert source.current_document.status == DocumentStatus.READY
    assert not AuditLogEntry.objects.exists()


def test_withdraw_needs_a_steward_and_a_reason(make_source, upload_version, user, contributor):
    source = make_source(by=user)
    second = upload_version(source, passages_text(3), by=user)
    with pytest.raises(PermissionDenied):
        services.document_withdraw(actor=contributor, document=second, reason="Vandalism")
    with pytest.raises(ValidationError, match="Give a reason"):
        services.document_withdraw(actor=user, document=second, reason=" ")
    second.refresh_from_db()
    assert second.status == DocumentStatus.READY


def test_a_proposal_cannot_be_withdrawn(proposal, user):
    with pytest.raises(ValidationError, match="Only a published version can be withdrawn"):
        services.document_withdraw(actor=user, document=proposal, reason="x")


# --- Reproduction: "Reject" on a later version hid the source and left the text live -------------


def test_queue_reject_of_a_maintainers_later_version_withdraws_it(
    make_source, upload_version, moderator, run_on_commit
):
    uploader = UserFactory()  # not trusted: their uploads are reviewed after the fact
    source = make_source(passages_text(3), by=uploader)
    first = source.current_document
    ReviewItem.objects.all().delete()
    second = upload_version(source, REPLACEMENT, by=uploader)
    source.refresh_from_db()
    assert source.current_document_id == second.pk  # published at once (maintainer)
    item = ReviewItem.objects.get()
    assert item.item_type == ReviewItemType.UPLOADED_SOURCE
    assert item.object_id == str(second.pk) and "rejecting it withdraws" in item.summary

    with run_on_commit():
        review_item_decide(actor=moderator, item=item, decision="reject", reason="Vandalism")

    source.refresh_from_db()
    second.refresh_from_db()
    assert second.status == DocumentStatus.WITHDRAWN
    assert source.current_document_id == first.pk  # the replaced text is no longer live
    assert not is_hidden(source) and source in selectors.source_list()  # the source stays
    assert AuditLogEntry.objects.filter(action="version_withdraw").count() == 1
    assert AuditLogEntry.objects.filter(action="decision").count() == 1


def test_queue_publish_of_a_proposal_accepts_it_through_the_service(
    proposal, moderator, contributor, run_on_commit
):
    item = ReviewItem.objects.get(item_type=ReviewItemType.PROPOSED_VERSION)
    with run_on_commit():
        review_item_decide(actor=moderator, item=item, decision="publish", reason="Checked")
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.READY
    assert proposal.source.current_document_id == proposal.pk
    assert AuditLogEntry.objects.filter(action="version_accept").count() == 1
    # One notice, from the queue decision (the service does not settle the item again).
    assert list(Notification.objects.filter(kind="decision").values_list("recipient", "verb")) == [
        (contributor.pk, "publish")
    ]


def test_queue_reject_of_a_proposal_rejects_it(proposal, moderator):
    item = ReviewItem.objects.get(item_type=ReviewItemType.PROPOSED_VERSION)
    review_item_decide(actor=moderator, item=item, decision="reject", reason="Spam")
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.REJECTED
    assert not is_hidden(proposal.source)


def test_queue_publish_refuses_when_the_current_version_moved(
    proposal, moderator, upload_version, user
):
    upload_version(proposal.source, passages_text(5), by=user)
    item = ReviewItem.objects.get(item_type=ReviewItemType.PROPOSED_VERSION)
    with pytest.raises(ValidationError, match="became the current version"):
        review_item_decide(actor=moderator, item=item, decision="publish", reason="Ok")
    item.refresh_from_db()
    proposal.refresh_from_db()
    assert item.status == "open" and proposal.status == DocumentStatus.PROPOSED


# --- Reproduction: a rejected source stayed in the reader, API detail, search, activity, feed -----


def test_a_rejected_first_upload_is_hidden_everywhere_but_from_its_stewards(
    client, make_source, moderator
):
    uploader = UserFactory()
    source = make_source(
        b"# Spam\n\nBuy followers cheaply, a passage about gardening tomatoes.\n",
        by=uploader,
        title="Cheap followers",
    )
    item = ReviewItem.objects.get(item_type=ReviewItemType.UPLOADED_SOURCE)
    assert item.object_id == str(source.pk)
    review_item_decide(actor=moderator, item=item, decision="spam", reason="Spam")

    stranger = UserFactory()
    for viewer in (None, stranger):
        with pytest.raises(Http404):
            selectors.source_get(slug=source.slug, viewer=viewer)
    for viewer in (uploader, moderator):
        assert selectors.source_get(slug=source.slug, viewer=viewer).is_hidden
    assert source not in selectors.source_list()
    assert not selectors.passages_of_current_versions().filter(document__source=source).exists()
    assert not selectors.versions_recently_published().filter(source=source).exists()
    # Through HTTP: reader, API detail and version, search, activity and its feed.
    for path in (
        f"/sources/{source.slug}/",
        f"/sources/{source.slug}/versions/1/",
        f"/api/sources/{source.slug}/",
        f"/api/sources/{source.slug}/versions/1/",
        f"/sources/{source.slug}/diff/?from=1&to=1",
    ):
        assert client.get(path).status_code == 404, path
    for path in ("/search/?q=tomatoes", "/api/search/?q=tomatoes", "/activity/", "/activity/feed/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Cheap followers" not in response.text, path
        assert source.slug not in response.text, path
    client.force_login(uploader)
    assert client.get(f"/sources/{source.slug}/").status_code == 200


def test_annotations_on_a_hidden_source_leave_search_and_activity(make_source, moderator):
    from apps.annotations import selectors as annotation_selectors

    uploader = UserFactory()
    source = make_source(b"# Spam\n\nBuy followers cheaply.\n", by=uploader)
    note = annotate(source.current_document, uploader, "Buy followers")
    assert annotation_selectors.annotations_public().filter(pk=note.pk).exists()
    item = ReviewItem.objects.get(item_type=ReviewItemType.UPLOADED_SOURCE)
    review_item_decide(actor=moderator, item=item, decision="spam", reason="Spam")
    assert not annotation_selectors.annotations_public().filter(pk=note.pk).exists()
    for viewer in (None, uploader, moderator):
        searchable = annotation_selectors.annotations_searchable(viewer=viewer)
        assert not searchable.filter(pk=note.pk).exists()


def test_rejecting_a_source_keeps_it_out_of_uploads_by_others(make_source, moderator):
    source = make_source(by=UserFactory())
    item = ReviewItem.objects.get(item_type=ReviewItemType.UPLOADED_SOURCE)
    review_item_decide(actor=moderator, item=item, decision="reject", reason="Not a source")
    with pytest.raises(PermissionDenied):
        services.document_upload(user=UserFactory(), source=source, data=passages_text(2))


# --- Reproduction: empty metadata filled from the attacker's file ---------------------------------


def test_a_proposal_never_fills_the_records_empty_fields(
    make_source, upload_version, user, contributor
):
    source = make_source(by=user)  # no venue, DOI, URL or abstract typed
    empty = {"venue": "", "doi": "", "url": "", "abstract": ""}
    assert {k: getattr(source, k) for k in empty} == empty
    proposal = upload_version(source, METADATA_FILE, by=contributor)
    source.refresh_from_db()
    assert {k: getattr(source, k) for k in empty} == empty
    services.document_accept(actor=user, document=proposal, reason="Fine")
    source.refresh_from_db()
    assert {k: getattr(source, k) for k in empty} == empty
    # Nor does a maintainer's later version: only the upload that created the source.
    upload_version(source, METADATA_FILE, by=user)
    source.refresh_from_db()
    assert {k: getattr(source, k) for k in empty} == empty


def test_the_first_upload_still_fills_empty_fields(make_source):
    source = make_source(METADATA_FILE, filename="notes.md")
    assert source.venue == "Attacker Weekly" and source.doi == "10.5555/attacker"


# --- Maintainers ---------------------------------------------------------------------------------


def test_maintainers_add_and_remove_with_audit(make_source, user, contributor):
    source = make_source(by=user)
    services.maintainer_add(actor=user, source=source, username="Contributor", reason="Co-author")
    assert [m.username for m in selectors.maintainers_of(source=source)] == [
        user.username,
        "contributor",
    ]
    row = AuditLogEntry.objects.get(action="maintainer_change")
    assert row.actor == user and row.reason == "Co-author"
    assert row.before == {"maintainers": [user.username]}
    assert row.after == {"maintainers": sorted([user.username, "contributor"])}
    # The new maintainer now publishes directly and may remove the first one.
    services.maintainer_remove(actor=contributor, source=source, username=user.username)
    assert [m.username for m in selectors.maintainers_of(source=source)] == ["contributor"]
    assert AuditLogEntry.objects.filter(action="maintainer_change").count() == 2


def test_maintainer_changes_refused(make_source, user, contributor):
    source = make_source(by=user)
    with pytest.raises(PermissionDenied):
        services.maintainer_add(actor=contributor, source=source, username="contributor")
    with pytest.raises(PermissionDenied):
        services.maintainer_remove(actor=contributor, source=source, username=user.username)
    with pytest.raises(ValidationError, match="There is no account named “ghost”"):
        services.maintainer_add(actor=user, source=source, username="ghost")
    with pytest.raises(ValidationError, match="already maintains this source"):
        services.maintainer_add(actor=user, source=source, username=user.username)
    with pytest.raises(ValidationError, match="does not maintain this source"):
        services.maintainer_remove(actor=user, source=source, username="contributor")
    with pytest.raises(ValidationError, match="Give the username"):
        services.maintainer_add(actor=user, source=source, username="  ")
    assert SourceMaintainer.objects.filter(source=source).count() == 1
    assert not AuditLogEntry.objects.exists()


def test_moderators_name_maintainers_of_the_founding_paper(founding_paper, moderator, contributor):
    services.maintainer_add(actor=moderator, source=founding_paper, username="contributor")
    assert selectors.maintainers_of(source=founding_paper) == [contributor]


def test_without_maintainers_the_moderators_look_after_a_source(
    make_source, upload_version, user, moderator
):
    source = make_source(by=user)
    services.maintainer_remove(actor=user, source=source, username=user.username)
    assert not SourceMaintainer.objects.filter(source=source).exists()
    # The uploader now proposes like anyone else; moderators still publish.
    assert upload_version(source, passages_text(3), by=user).is_proposal
    assert not upload_version(source, passages_text(4), by=moderator).is_proposal


def test_migration_made_uploaders_maintainers():
    """The data migration (0002) names each existing source's uploader; checked on a
    source created without the service, as the old code did."""
    from importlib import import_module

    from django.apps import apps as django_apps

    migration = import_module("apps.sources.migrations.0002_stewardship_maintainers_and_proposals")
    uploader = UserFactory()
    old = Source.objects.create(slug="old", title="Old", added_by=uploader)
    Source.objects.create(slug="system", title="System")
    migration.forwards(django_apps, None)
    assert list(SourceMaintainer.objects.values_list("source__slug", "user")) == [
        ("old", uploader.pk)
    ]
    assert old.maintainers.count() == 1
