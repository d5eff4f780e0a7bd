"""How the moderation console acts on atlas content (apps/moderation/registry.py):
entries, comments on entries, and suggested edits. Registered in AtlasConfig.ready().

Each decision goes through the atlas's own services (example_transition, the suggestion
services, comment hiding), so the same state machine and checks hold whether a
moderator decides in the queue or on the entry page. The decision methods are
idempotent and refuse with a ValidationError a moderator can act on.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.moderation.registry import TargetAdapter

from . import selectors, services
from .models import EntryComment, Example, Status, SuggestedEdit, SuggestionStatus
from .permissions import example_country, is_moderator

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


class EntryAdapter(TargetAdapter):
    model = Example
    decisions = frozenset(ENTRY_DECISIONS)

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
        return selectors.examples_visible_to(viewer=user).filter(pk=obj.pk).exists()

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
        services.example_transition(
            actor=actor, example=obj, to=to, reason=reason, settle_queue=False
        )
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
        services.example_hide_pending_review(
            example=obj, reason=_("Hidden automatically pending review of flags.")
        )
        obj.refresh_from_db()


class CommentAdapter(TargetAdapter):
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

    def country(self, obj) -> str | None:
        return example_country(obj.example)

    def category(self, obj) -> str | None:
        return obj.example.category.slug if obj.example.category_id else None

    def author(self, obj):
        return obj.author

    def state(self, obj) -> dict:
        return {"hidden": obj.hidden, "deleted": obj.deleted_at is not None}

    def is_visible_to(self, obj, user) -> bool:
        if not selectors.examples_visible_to(viewer=user).filter(pk=obj.example_id).exists():
            return False
        return selectors.comment_visible(viewer=user, comment=obj)

    def _set(self, obj, actor, hidden: bool) -> None:
        services.comment_set_hidden(moderator=actor, comment=obj, hidden=hidden)
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
        services.comment_hide_pending_review(comment=obj)
        obj.refresh_from_db()


class SuggestionAdapter(TargetAdapter):
    model = SuggestedEdit
    decisions = frozenset({"publish", "reject"})
    # A suggestion is a proposal to moderators and the author, not public content.
    flaggable = False

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

    def country(self, obj) -> str | None:
        return example_country(obj.example)

    def category(self, obj) -> str | None:
        return obj.example.category.slug if obj.example.category_id else None

    def author(self, obj):
        return obj.proposer

    def state(self, obj) -> dict:
        return {"status": obj.status, "entry_version": obj.example.version}

    def is_visible_to(self, obj, user) -> bool:
        return is_moderator(user) or (
            user is not None
            and user.is_authenticated
            and user.pk in (obj.proposer_id, obj.example.author_id)
        )

    def publish(self, obj, *, actor, reason):
        if obj.status == SuggestionStatus.ACCEPTED:
            return
        services.suggestion_accept(actor=actor, suggestion=obj, settle_queue=False)
        obj.refresh_from_db()

    def reject(self, obj, *, actor, reason):
        if obj.status == SuggestionStatus.REJECTED:
            return
        services.suggestion_reject(actor=actor, suggestion=obj, reason=reason, settle_queue=False)
        obj.refresh_from_db()


def register() -> None:
    from apps.moderation.registry import register_target

    register_target("entry", EntryAdapter())
    register_target("comment", CommentAdapter())
    register_target("suggested_edit", SuggestionAdapter())
