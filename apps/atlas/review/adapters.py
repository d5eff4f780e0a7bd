"""How the moderation console acts on atlas content (apps/moderation/registry.py):
entries, comments on entries, and suggested edits. Registered in AtlasConfig.ready().

Each decision goes through the atlas's own services (example_transition, the suggestion
services, comment hiding), so the same state machine and checks hold whether a
moderator decides in the queue or on the entry page. The decision methods are
idempotent and refuse with a ValidationError a moderator can act on.

Entries and suggested edits have versions (the entry's ``version``): a review item
records the entry as the moderator will see it (``entry_snapshot``: every coded field,
title, summary, place, category, evidence and linked passages), and a queue decision
applies only to that version (apps/moderation/registry.py, "Versions").
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from apps.moderation.registry import TargetAdapter

from ..discussion.selectors import comment_visible
from ..discussion.services import comment_hide_pending_review, comment_set_hidden
from ..entries.transitions import example_hide_pending_review, example_transition
from ..models import Category, EntryComment, Example, Status, SuggestedEdit, SuggestionStatus
from ..permissions import can_see_suggestion, can_view, example_country
from ..suggestions.services import suggestion_accept, suggestion_reject
from .snapshot import VersionedEntryMixin, entries_for_review, entry_snapshot

# What each decision does to an entry, by its current status (None: nothing to do).
# Statuses missing from a row refuse the decision with a message.
ENTRY_DECISIONS: dict[str, dict[str, str | None]] = {
    "publish": {
        Status.SUBMITTED: Status.PUBLISHED,
        Status.ARCHIVED: Status.PUBLISHED,
        Status.PUBLISHED: None,
    },
    "request_changes": {
        Status.SUBMITTED: Status.CHANGES_REQUESTED,
        Status.PUBLISHED: Status.CHANGES_REQUESTED,
        Status.CHANGES_REQUESTED: None,
        Status.DRAFT: None,
    },
    "reject": {
        Status.SUBMITTED: Status.REJECTED,
        Status.PUBLISHED: Status.ARCHIVED,
        Status.REJECTED: None,
        Status.ARCHIVED: None,
        Status.DRAFT: None,
        Status.CHANGES_REQUESTED: None,
    },
    "hide": {
        Status.PUBLISHED: Status.ARCHIVED,
        Status.SUBMITTED: Status.REJECTED,
        Status.ARCHIVED: None,
        Status.REJECTED: None,
        Status.DRAFT: None,
        Status.CHANGES_REQUESTED: None,
    },
    "restore": {Status.ARCHIVED: Status.PUBLISHED, Status.PUBLISHED: None},
    "spam": {
        Status.SUBMITTED: Status.REJECTED,
        Status.PUBLISHED: Status.ARCHIVED,
        Status.REJECTED: None,
        Status.ARCHIVED: None,
        Status.DRAFT: None,
        Status.CHANGES_REQUESTED: None,
    },
}


class EntryAdapter(VersionedEntryMixin, TargetAdapter):
    model = Example
    decisions = frozenset(ENTRY_DECISIONS)

    def version(self, obj) -> int | None:
        return obj.version

    def snapshot(self, obj) -> dict:
        return entry_snapshot(obj)

    def get_many(self, object_ids) -> dict:
        ids = [int(i) for i in object_ids if str(i).isdigit()]
        return {str(e.pk): e for e in entries_for_review().filter(pk__in=ids)}

    def lock(self, obj):
        return (
            Example.objects.select_for_update(of=("self",))
            .select_related("category")
            .get(pk=obj.pk)
        )

    def label(self, obj) -> str:
        return obj.title[:300]

    def country(self, obj) -> str | None:
        return example_country(obj)

    def category(self, obj) -> str | None:
        return obj.category.slug if obj.category_id else None

    def author(self, obj):
        return obj.author

    def state(self, obj) -> dict:
        return {"status": obj.status, "version": obj.version}

    def is_visible_to(self, obj, user) -> bool:
        return can_view(user, obj)

    def _decide(self, decision: str, obj, actor, reason: str) -> None:
        obj.refresh_from_db()
        table = ENTRY_DECISIONS[decision]
        if obj.status not in table:
            raise ValidationError(
                _("This entry is “%(status)s”: it cannot be %(decision)s now.")
                % {
                    "status": obj.get_status_display(),
                    "decision": {
                        "publish": _("published"),
                        "request_changes": _("sent back for changes"),
                        "restore": _("restored"),
                    }.get(decision, decision),
                }
            )
        to = table[obj.status]
        if to is None:
            return
        example_transition(actor=actor, example=obj, to=to, reason=reason, settle_queue=False)
        obj.refresh_from_db()

    def publish(self, obj, *, actor, reason):
        if obj.status == Status.DRAFT:
            raise ValidationError(
                _("The author withdrew this entry to keep editing; it is a draft again.")
            )
        self._decide("publish", obj, actor, reason)

    def request_changes(self, obj, *, actor, reason):
        self._decide("request_changes", obj, actor, reason)

    def reject(self, obj, *, actor, reason):
        self._decide("reject", obj, actor, reason)

    def hide(self, obj, *, actor, reason):
        self._decide("hide", obj, actor, reason)

    def restore(self, obj, *, actor, reason):
        self._decide("restore", obj, actor, reason)

    def spam(self, obj, *, actor, reason):
        self._decide("spam", obj, actor, reason)

    def hide_pending_review(self, obj):
        example_hide_pending_review(
            example=obj, reason=_("Hidden automatically pending review of flags.")
        )
        obj.refresh_from_db()


class _AboutAnEntry:
    """Queue items about something attached to an entry (a comment, a suggested edit)
    take the entry's country and category, so moderators' scopes and filters apply."""

    def country(self, obj) -> str | None:
        return example_country(obj.example)

    def category(self, obj) -> str | None:
        return obj.example.category.slug if obj.example.category_id else None


class CommentAdapter(_AboutAnEntry, TargetAdapter):
    model = EntryComment
    decisions = frozenset({"publish", "reject", "hide", "restore", "spam"})

    def get(self, object_id):
        try:
            return (
                EntryComment.objects.select_related("example", "author")
                .filter(pk=object_id)
                .first()
            )
        except (ValueError, TypeError, ValidationError):
            return None

    def label(self, obj) -> str:
        excerpt = " ".join(obj.body.split())
        excerpt = excerpt if len(excerpt) <= 80 else excerpt[:79] + "…"
        return (_("Comment on “%(title)s”: %(excerpt)s") % {
            "title": obj.example.title, "excerpt": excerpt,
        })[:300]  # fmt: skip

    def url(self, obj) -> str:
        return f"{obj.example.get_absolute_url()}#{obj.html_id}"

    def author(self, obj):
        return obj.author

    def state(self, obj) -> dict:
        return {"hidden": obj.hidden, "deleted": obj.deleted_at is not None}

    def is_visible_to(self, obj, user) -> bool:
        if not can_view(user, obj.example):
            return False
        return comment_visible(viewer=user, comment=obj)

    def _set(self, obj, actor, hidden: bool) -> None:
        comment_set_hidden(moderator=actor, comment=obj, hidden=hidden)
        obj.refresh_from_db()

    def publish(self, obj, *, actor, reason):
        self._set(obj, actor, False)

    def restore(self, obj, *, actor, reason):
        self._set(obj, actor, False)

    def reject(self, obj, *, actor, reason):
        self._set(obj, actor, True)

    def hide(self, obj, *, actor, reason):
        self._set(obj, actor, True)

    def spam(self, obj, *, actor, reason):
        self._set(obj, actor, True)

    def hide_pending_review(self, obj):
        comment_hide_pending_review(comment=obj)
        obj.refresh_from_db()


class SuggestionAdapter(_AboutAnEntry, VersionedEntryMixin, TargetAdapter):
    """A suggested edit is reviewed against its entry: its version is the entry's, and its
    snapshot is the entry as the reviewer saw it plus the suggested values. If the entry
    moved since, accepting in the queue is refused with what changed (as on the entry
    page and in the API, where the version shown travels with the decision)."""

    model = SuggestedEdit
    decisions = frozenset({"publish", "reject"})
    # A suggestion is a proposal to moderators and the author, not public content.
    flaggable = False

    def version(self, obj) -> int | None:
        return obj.example.version

    def snapshot(self, obj) -> dict:
        changes = dict(obj.changes)
        if "category" in changes:
            category = Category.objects.filter(slug=changes["category"]).first()
            changes["category"] = category.name if category else changes["category"]
        return {**entry_snapshot(obj.example), "suggested_changes": changes}

    def get_many(self, object_ids) -> dict:
        ids = [int(i) for i in object_ids if str(i).isdigit()]
        rows = (
            SuggestedEdit.objects.filter(pk__in=ids)
            .select_related("proposer")
            .prefetch_related(Prefetch("example", queryset=entries_for_review()))
        )
        return {str(s.pk): s for s in rows}

    def lock(self, obj):
        # The entry's row carries the version: lock it with the suggestion.
        return (
            SuggestedEdit.objects.select_for_update(of=("self", "example"))
            .select_related("example", "example__category")
            .get(pk=obj.pk)
        )

    def get(self, object_id):
        try:
            return (
                SuggestedEdit.objects.select_related("example", "proposer")
                .filter(pk=object_id)
                .first()
            )
        except (ValueError, TypeError, ValidationError):
            return None

    def label(self, obj) -> str:
        return (_("Suggested edit to “%(title)s”") % {"title": obj.example.title})[:300]

    def url(self, obj) -> str:
        return f"{obj.example.get_absolute_url()}#suggestions"

    def author(self, obj):
        return obj.proposer

    def state(self, obj) -> dict:
        return {"status": obj.status, "entry_version": obj.example.version}

    def is_visible_to(self, obj, user) -> bool:
        return can_see_suggestion(user=user, suggestion=obj)

    def publish(self, obj, *, actor, reason):
        if obj.status == SuggestionStatus.ACCEPTED:
            return
        # The queue's action checked, under lock, that the entry is at the version the
        # moderator saw: that is the version accepted.
        suggestion_accept(
            actor=actor,
            suggestion=obj,
            expected_version=obj.example.version,
            settle_queue=False,
        )
        obj.refresh_from_db()

    def reject(self, obj, *, actor, reason):
        if obj.status == SuggestionStatus.REJECTED:
            return
        suggestion_reject(actor=actor, suggestion=obj, reason=reason, settle_queue=False)
        obj.refresh_from_db()


def register() -> None:
    from apps.moderation.registry import register_target

    register_target("entry", EntryAdapter())
    register_target("comment", CommentAdapter())
    register_target("suggested_edit", SuggestionAdapter())
