"""The moderation console wired to the content: atlas entries, comments, suggested edits
and annotations enter the queue from their own services, decisions act on them through
their adapters, flags reach them through /api/flags/, and the user measures
(pre-moderation, shadow-hiding) apply in their selectors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from apps.annotations import selectors as annotation_selectors
from apps.annotations import services as annotation_services
from apps.annotations.services import TextPositionSelector
from apps.atlas.aggregates import selectors as aggregate_selectors
from apps.atlas.discussion import selectors as discussion_selectors
from apps.atlas.discussion import services as discussion
from apps.atlas.entries import selectors as entry_selectors
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.models import EntryComment, Example, SuggestedEdit
from apps.atlas.review import edits
from apps.atlas.suggestions import selectors as suggestion_selectors
from apps.atlas.suggestions import services as suggestion_services
from apps.moderation.models import AuditLogEntry, ReviewItem
from apps.moderation.services import user_set_premoderation, user_set_shadow_hidden
from apps.notifications.models import Notification
from tests.atlas.conftest import evidence_data, example_data
from tests.factories import UserFactory

from .conftest import make_moderator, make_trusted

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def submit_entry(author, run_on_commit, **overrides) -> Example:
    with run_on_commit():
        return entry_services.example_create(
            author=author,
            data=example_data(**overrides),
            evidence=[evidence_data()],
            submit=True,
            confirm_distinct=True,  # look-alike entries are made on purpose here
        )


def item_for(target, item_type) -> ReviewItem:
    from django.contrib.contenttypes.models import ContentType

    return ReviewItem.objects.get(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        item_type=item_type,
    )


def decide(moderator, item, decision, reason="Checked against the sources."):
    return api_for(moderator).post(
        f"/api/moderation/items/{item.pk}/decide/",
        {"decision": decision, "reason": reason},
        format="json",
    )


@pytest.fixture
def annotate(founding_paper, run_on_commit):
    document = founding_paper.current_document

    def make(author, quote="social credit system", **kwargs):
        start = document.text.index(quote)
        kwargs.setdefault("body", "A comment.")
        with run_on_commit():
            return annotation_services.annotation_create(
                author=author,
                document=document,
                position=TextPositionSelector(start, start + len(quote)),
                **kwargs,
            )

    return make


# --- Entries: pre-moderation and the queue ---------------------------------------------


def test_untrusted_submission_waits_in_the_queue_and_is_not_public(user, run_on_commit):
    example = submit_entry(user, run_on_commit)
    assert example.status == "submitted"
    item = item_for(example, "submitted_entry")
    assert (item.country, item.category, item.author) == ("DE", "geo-scoring", user)
    assert item.target_label == "Schufa geo-scoring"
    assert item.target_url == example.get_absolute_url()
    assert example not in entry_selectors.example_list(viewer=UserFactory())
    assert aggregate_selectors.atlas_aggregates()["total"] == 0


def test_publish_from_the_queue_tells_the_author_and_counts_towards_trust(
    user, run_on_commit, settings
):
    settings.MODERATION_TRUST_AFTER_ACCEPTED = 1
    example = submit_entry(user, run_on_commit)
    moderator = make_moderator(countries=["DE"])
    with run_on_commit():
        response = decide(moderator, item_for(example, "submitted_entry"), "publish")
    assert response.status_code == 200, response.content
    example.refresh_from_db()
    assert example.status == "published" and example.published_at is not None
    notice = Notification.objects.filter(kind="decision").get(recipient=user)
    assert (notice.verb, notice.text) == ("publish", "Checked against the sources.")
    # Automatic trust: one accepted entry is enough here; the system logs the promotion.
    from apps.moderation.permissions import forget_roles, is_trusted

    forget_roles(user)
    assert is_trusted(user)
    assert AuditLogEntry.objects.filter(action="role_change", actor__isnull=True).exists()
    # ... so their next submission skips pre-moderation.
    second = submit_entry(user, run_on_commit, title="Another scoring system")
    assert second.status == "published"
    assert not ReviewItem.objects.filter(object_id=str(second.pk)).exists()


def test_request_changes_and_reject_from_the_queue(user, run_on_commit, moderator):
    first = submit_entry(user, run_on_commit)
    assert (
        decide(moderator, item_for(first, "submitted_entry"), "request_changes").status_code == 200
    )
    first.refresh_from_db()
    assert (first.status, first.status_reason) == (
        "changes_requested",
        "Checked against the sources.",
    )
    second = submit_entry(user, run_on_commit, title="A second one")
    assert decide(moderator, item_for(second, "submitted_entry"), "reject").status_code == 200
    second.refresh_from_db()
    assert second.status == "rejected"


def test_decision_without_reason_changes_nothing(user, run_on_commit, moderator):
    example = submit_entry(user, run_on_commit)
    response = decide(moderator, item_for(example, "submitted_entry"), "publish", reason=" ")
    assert response.status_code == 400
    assert "Give a reason" in response.json()["detail"]
    example.refresh_from_db()
    assert example.status == "submitted" and example.version == 1
    assert item_for(example, "submitted_entry").status == "open"


def test_out_of_scope_moderator_cannot_decide_an_entry(user, run_on_commit):
    example = submit_entry(user, run_on_commit)
    response = decide(
        make_moderator(countries=["FR"]), item_for(example, "submitted_entry"), "publish"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This item is outside the countries you moderate."
    example.refresh_from_db()
    assert example.status == "submitted"


def test_publishing_on_the_entry_page_settles_the_queue_item(user, run_on_commit, moderator):
    example = submit_entry(user, run_on_commit)
    with run_on_commit():
        transitions.example_transition(actor=moderator, example=example, to="published")
    item = item_for(example, "submitted_entry")
    assert (item.status, item.decision, item.decided_by) == ("decided", "publish", moderator)
    assert AuditLogEntry.objects.get(action="decision").after["settled_outside_queue"] is True
    assert Notification.objects.filter(kind="decision").get(recipient=user).verb == "publish"


def test_withdrawn_entry_cannot_be_published_from_the_queue(user, run_on_commit, moderator):
    example = submit_entry(user, run_on_commit)
    transitions.example_transition(actor=user, example=example, to="draft")
    item = item_for(example, "submitted_entry")
    response = decide(moderator, item, "publish")  # for the version the item recorded
    assert response.status_code == 409
    assert [c["field"] for c in response.json()["changes"]] == ["status"]
    response = api_for(moderator).post(
        f"/api/moderation/items/{item.pk}/decide/",
        {"decision": "publish", "reason": "Fine.", "version": response.json()["version"]},
        format="json",
    )
    assert response.status_code == 400
    assert "withdrew this entry" in response.json()["detail"]
    example.refresh_from_db()
    assert example.status == "draft"


def test_trusted_edit_goes_live_and_is_post_reviewed(run_on_commit):
    author = make_trusted()
    example = submit_entry(author, run_on_commit)
    assert example.status == "published"
    with run_on_commit():
        outcome = edits.example_edit(actor=author, example=example, changes={"region": "Bavaria"})
    assert not outcome.awaits_review and outcome.example.region == "Bavaria"
    item = item_for(example, "post_review_edit")
    assert "edited this published entry (now version 2)" in item.summary
    # Accepting the edit leaves the entry as it is.
    assert decide(make_moderator(), item, "publish").status_code == 200
    example.refresh_from_db()
    assert (example.status, example.region, example.version) == ("published", "Bavaria", 2)


def test_untrusted_authors_edit_of_a_published_entry_waits_for_a_moderator(
    user, run_on_commit, moderator
):
    example = submit_entry(user, run_on_commit)
    transitions.example_transition(actor=moderator, example=example, to="published")
    with run_on_commit():
        outcome = edits.example_edit(
            actor=user,
            example=example,
            changes={"region": "Bavaria"},
            evidence=[evidence_data(title="A newer report")],
            expected_version=2,
        )
    assert outcome.awaits_review
    example.refresh_from_db()
    assert (example.region, example.version) == ("", 2)  # the published text stands
    suggestion = outcome.suggestion
    assert suggestion.proposer == user and set(suggestion.changes) == {"region", "evidence"}
    # The author cannot accept their own pending edit.
    with pytest.raises(PermissionDenied):
        suggestion_services.suggestion_accept(actor=user, suggestion=suggestion)
    item = item_for(suggestion, "suggested_edit")
    assert item.country == "DE" and item.author == user
    # The moderator sees what the edit changes, evidence included, on the entry page.
    shown = suggestion_selectors.suggestions_for_example(example=example, viewer=moderator)
    diff = {change.field: change for change in shown[0].diff}
    assert set(diff) == {"region", "evidence"}
    assert diff["evidence"].after == "A newer report <https://example.org/schufa>"
    assert decide(moderator, item, "publish").status_code == 200
    example.refresh_from_db()
    assert example.region == "Bavaria"
    assert [e.title for e in example.evidence.all()] == ["A newer report"]
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"


def test_untrusted_authors_pending_edit_through_the_api_is_202(user, run_on_commit, moderator):
    example = submit_entry(user, run_on_commit)
    transitions.example_transition(actor=moderator, example=example, to="published")
    response = api_for(user).patch(
        f"/api/examples/{example.pk}/", {"region": "Bavaria"}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert "sent to the moderators" in body["detail"]
    assert body["entry"]["region"] == "" and response["ETag"] == '"2"'
    assert SuggestedEdit.objects.get().pk == body["suggestion"]


def test_unchanged_pending_edit_is_refused_and_nothing_stored(user, run_on_commit, moderator):
    example = submit_entry(user, run_on_commit)
    transitions.example_transition(actor=moderator, example=example, to="published")
    with pytest.raises(ValidationError, match="Change at least one field"):
        edits.example_edit(actor=user, example=example, changes={"region": ""})
    assert (
        not SuggestedEdit.objects.exists()
        and not ReviewItem.objects.filter(item_type="suggested_edit").exists()
    )


def test_suggestion_enters_the_queue_and_is_settled_when_the_author_decides(
    run_on_commit, other_user
):
    author = make_trusted()
    example = submit_entry(author, run_on_commit)
    with run_on_commit():
        suggestion = suggestion_services.suggestion_create(
            proposer=other_user, example=example, changes={"lifecycle": "pilot"}
        )
    item = item_for(suggestion, "suggested_edit")
    assert item.author == other_user and "suggests changing lifecycle" in item.summary
    with run_on_commit():
        suggestion_services.suggestion_reject(
            actor=author, suggestion=suggestion, reason="Not yet."
        )
    item.refresh_from_db()
    assert (item.status, item.decision, item.reason) == ("decided", "reject", "Not yet.")
    assert Notification.objects.filter(kind="decision").get(recipient=other_user).text == "Not yet."


def test_suggestion_rejected_from_the_queue(run_on_commit, other_user, moderator):
    example = submit_entry(make_trusted(), run_on_commit)
    with run_on_commit():
        suggestion = suggestion_services.suggestion_create(
            proposer=other_user, example=example, changes={"lifecycle": "pilot"}
        )
    response = decide(moderator, item_for(suggestion, "suggested_edit"), "hide")
    assert response.status_code == 400  # not a decision for suggestions
    assert decide(moderator, item_for(suggestion, "suggested_edit"), "reject").status_code == 200
    suggestion.refresh_from_db()
    example.refresh_from_db()
    assert suggestion.status == "rejected" and example.lifecycle == "active"


# --- Flags on entries, comments, annotations -------------------------------------------------


def flag(user, target_type, target_id, reason="inaccurate", text=""):
    return api_for(user).post(
        "/api/flags/",
        {"target": {"type": target_type, "id": str(target_id)}, "reason": reason, "text": text},
        format="json",
    )


def test_flagged_entry_is_hidden_at_the_threshold_and_restored(run_on_commit, settings, moderator):
    settings.MODERATION_FLAG_HIDE_SCORE = 2
    example = submit_entry(make_trusted(), run_on_commit)
    assert flag(UserFactory(), "entry", example.pk).status_code == 201
    with run_on_commit():
        assert flag(UserFactory(), "entry", example.pk, reason="spam").status_code == 201
    example.refresh_from_db()
    assert example.status == "archived"
    assert aggregate_selectors.atlas_aggregates()["total"] == 0
    item = item_for(example, "flag")
    assert item.country == "DE" and item.priority == 2.0
    with run_on_commit():
        assert decide(moderator, item, "keep").status_code == 200
    example.refresh_from_db()
    assert example.status == "published"
    assert aggregate_selectors.atlas_aggregates()["total"] == 1


def test_flag_errors_on_entries(run_on_commit, user):
    example = submit_entry(user, run_on_commit)  # submitted: only its author sees it
    response = flag(UserFactory(), "entry", example.pk)
    assert response.status_code == 400
    assert response.json()["errors"]["target"] == ["This content does not exist."]
    response = flag(user, "entry", example.pk)
    assert "You cannot flag your own content." in response.json()["errors"]["target"]
    response = flag(UserFactory(), "suggested_edit", 1)
    assert response.status_code == 400
    assert not ReviewItem.objects.filter(item_type="flag").exists()


def test_flagged_comment_is_hidden_by_a_moderator_of_its_country(run_on_commit, other_user):
    example = submit_entry(make_trusted(), run_on_commit)
    comment = discussion.comment_create(author=other_user, example=example, body="Buy pills")
    assert flag(UserFactory(), "comment", comment.pk, reason="spam").status_code == 201
    item = item_for(comment, "flag")
    assert item.country == "DE" and item.target_url.endswith(f"#comment-{comment.pk}")
    assert decide(make_moderator(countries=["FR"]), item, "spam").status_code == 403
    assert decide(make_moderator(countries=["DE"]), item, "spam").status_code == 200
    comment.refresh_from_db()
    assert comment.hidden
    threads = discussion_selectors.comments_for_example(example=example, viewer=UserFactory())
    assert threads == []


def test_flagged_annotation_hidden_by_a_global_moderator(annotate, user, moderator):
    annotation = annotate(user)
    assert flag(UserFactory(), "annotation", annotation.pk, reason="harassment").status_code == 201
    item = item_for(annotation, "flag")
    assert item.country is None and item.target_url == annotation.get_absolute_url()
    assert decide(make_moderator(countries=["DE"]), item, "hide").status_code == 403
    assert decide(moderator, item, "hide").status_code == 200
    annotation.refresh_from_db()
    assert annotation.hidden
    assert not annotation_selectors.can_see(viewer=UserFactory(), annotation=annotation)


def test_flagged_annotation_is_hidden_at_the_threshold_and_kept(
    annotate, user, moderator, settings
):
    settings.MODERATION_FLAG_HIDE_SCORE = 2
    annotation = annotate(user)
    assert flag(UserFactory(), "annotation", annotation.pk, reason="spam").status_code == 201
    annotation.refresh_from_db()
    assert not annotation.hidden
    assert flag(UserFactory(), "annotation", annotation.pk, reason="spam").status_code == 201
    annotation.refresh_from_db()
    assert annotation.hidden  # hidden pending review, by the system
    assert not annotation_selectors.can_see(viewer=UserFactory(), annotation=annotation)
    row = AuditLogEntry.objects.get(action="hide")
    assert row.actor is None and row.after["target"]["hidden"] is True
    assert decide(moderator, item_for(annotation, "flag"), "keep").status_code == 200
    annotation.refresh_from_db()
    assert not annotation.hidden
    assert annotation_selectors.can_see(viewer=UserFactory(), annotation=annotation)


# --- Annotations: pre-moderation, orphans -----------------------------------------------------


def test_premoderated_annotation_waits_and_approval_publishes_it(annotate, user, moderator):
    user_set_premoderation(actor=moderator, user=user, enabled=True, reason="New account spam")
    annotation = annotate(user, body="Hello @someone")
    assert annotation.awaiting_approval
    stranger = UserFactory()
    assert not annotation_selectors.annotation_list(viewer=stranger).filter(pk=annotation.pk)
    assert annotation_selectors.annotation_list(viewer=user).filter(pk=annotation.pk)
    assert annotation_selectors.annotation_list(viewer=moderator).filter(pk=annotation.pk)
    item = item_for(annotation, "pending_annotation")
    assert item.author == user and "pre-moderation" in item.summary
    assert decide(moderator, item, "publish").status_code == 200
    annotation.refresh_from_db()
    assert not annotation.awaiting_approval
    assert annotation_selectors.annotation_list(viewer=stranger).filter(pk=annotation.pk)


def test_premoderated_private_note_is_not_queued(annotate, user, moderator):
    user_set_premoderation(actor=moderator, user=user, enabled=True, reason="Spam")
    note = annotate(user, visibility="private")
    assert not note.awaiting_approval
    assert not ReviewItem.objects.exists()


def test_rejected_pending_annotation_stays_hidden(annotate, user, moderator):
    user_set_premoderation(actor=moderator, user=user, enabled=True, reason="Spam")
    annotation = annotate(user)
    assert (
        decide(moderator, item_for(annotation, "pending_annotation"), "reject").status_code == 200
    )
    annotation.refresh_from_db()
    assert annotation.hidden and not annotation.awaiting_approval
    assert not annotation_selectors.can_see(viewer=UserFactory(), annotation=annotation)


def test_orphaned_annotations_open_queue_items(founding_paper, user, run_on_commit):
    from apps.sources.models import Document, DocumentUpload
    from apps.sources.services import document_import

    document = founding_paper.current_document
    quote = "social credit system"
    start = document.text.index(quote)
    annotation = annotation_services.annotation_create(
        author=user,
        document=document,
        position=TextPositionSelector(start, start + len(quote)),
        body="Will be lost",
    )
    text = "# Something else\n\nAn entirely different text about gardening and tomatoes.\n"
    new = Document.objects.create(source=founding_paper, import_format="text")
    DocumentUpload.objects.create(document=new, data=text.encode(), size=len(text))
    with run_on_commit():
        document_import(document_id=new.pk)
    with run_on_commit():
        annotation_services.document_reanchor(document_id=new.pk)
    item = item_for(annotation, "orphaned_annotation")
    assert item.priority == 0.5 and "re-attach" in item.summary


# --- Shadow-hiding ---------------------------------------------------------------------------


def test_shadow_hidden_users_content_is_seen_by_them_and_moderators_only(
    annotate, run_on_commit, moderator
):
    spammer = make_trusted()
    example = submit_entry(spammer, run_on_commit)
    comment = discussion.comment_create(author=spammer, example=example, body="Visit me")
    annotation = annotate(spammer)
    with run_on_commit():
        user_set_shadow_hidden(actor=moderator, user=spammer, hidden=True, reason="Spam ring")
    stranger = UserFactory()
    for viewer, sees in ((stranger, False), (None, False), (spammer, True), (moderator, True)):
        entries = entry_selectors.example_list(viewer=viewer)
        assert entries.filter(pk=example.pk).exists() == sees
        threads = discussion_selectors.comments_for_example(example=example, viewer=viewer)
        assert bool(threads) == sees
        assert (
            annotation_selectors.annotation_list(viewer=viewer).filter(pk=annotation.pk).exists()
            == sees
        )
    # Search and the activity and contributor pages read the same selectors.
    assert not annotation_selectors.annotations_searchable(viewer=stranger).filter(pk=annotation.pk)
    assert annotation_selectors.annotations_searchable(viewer=spammer).filter(pk=annotation.pk)
    assert not annotation_selectors.annotations_public(author=spammer).exists()
    assert aggregate_selectors.atlas_aggregates()["total"] == 0
    assert not entry_selectors.example_export_list().exists()
    assert comment.pk  # the rows are kept: undoing the measure brings them back
    with run_on_commit():
        user_set_shadow_hidden(actor=moderator, user=spammer, hidden=False, reason="Mistake")
    assert aggregate_selectors.atlas_aggregates()["total"] == 1
    assert entry_selectors.example_list(viewer=stranger).filter(pk=example.pk).exists()
    assert EntryComment.objects.count() == 1
