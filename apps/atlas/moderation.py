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

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from apps.moderation.registry import TargetAdapter, ordered_fields

from . import selectors, services
from .models import (
    Category,
    EntryComment,
    Evidence,
    Example,
    PassageLink,
    Status,
    SuggestedEdit,
    SuggestionStatus,
)
from .permissions import example_country, is_moderator

# --- What a reviewer sees of an entry --------------------------------------------------------

PASSAGE_EXCERPT = 200


def _evidence_snapshot(row: Evidence) -> dict:
    return {
        "title": row.title,
        "url": row.url,
        "doi": row.doi,
        "source_id": row.source_id,
        "publisher": row.publisher,
        "published": row.published.isoformat() if row.published else None,
        "accessed": row.accessed.isoformat() if row.accessed else None,
        "page": row.page,
        "quote": row.quote,
    }


def _link_snapshot(row: PassageLink) -> dict:
    passage = row.passage
    text = " ".join(passage.text.split())
    return {
        "passage_id": row.passage_id,
        "relation": row.relation,
        "note": row.note,
        "source": passage.document.source.title,
        "version": passage.document.version,
        "text": text if len(text) <= PASSAGE_EXCERPT else text[: PASSAGE_EXCERPT - 1] + "…",
    }


def entry_snapshot(example: Example) -> dict:
    """What a moderator reviews of ``example``, JSON-able: the editable fields in the form's
    order (``country`` the place code, ``category`` the category's name), its status,
    then the evidence and the linked passages (each with its source and an excerpt). Uses
    prefetched ``evidence`` and ``passage_links`` when the caller loaded them
    (``EntryAdapter.get_many``)."""
    values = selectors.editable_values(example)
    snapshot: dict[str, Any] = {name: values[name] for name in services.EXAMPLE_FIELDS_ORDER}
    snapshot["category"] = example.category.name
    snapshot["status"] = example.status
    evidence = sorted(example.evidence.all(), key=lambda row: (row.order, row.pk))
    links = sorted(example.passage_links.all(), key=lambda row: row.pk)
    snapshot["evidence"] = [_evidence_snapshot(row) for row in evidence]
    snapshot["passages"] = [_link_snapshot(row) for row in links]
    return snapshot


def _evidence_words(item: dict) -> str:
    address = f"https://doi.org/{item['doi']}" if item.get("doi") else item.get("url") or ""
    if not address and item.get("source_id"):
        address = _("hosted source %(id)s") % {"id": item["source_id"]}
    details = [
        item.get("publisher") or "",
        _("published %(date)s") % {"date": item["published"]} if item.get("published") else "",
        _("accessed %(date)s") % {"date": item["accessed"]} if item.get("accessed") else "",
        _("p. %(page)s") % {"page": item["page"]} if item.get("page") else "",
    ]
    words = item.get("title") or ""
    if address:
        words += f" <{address}>"
    details = [d for d in details if d]
    if details:
        words += f" ({', '.join(details)})"
    if item.get("quote"):
        words += f" “{item['quote']}”"
    return words


def _link_words(item: dict) -> str:
    words = _("passage %(id)s (%(relation)s)") % {
        "id": item.get("passage_id"),
        "relation": item.get("relation"),
    }
    if item.get("source"):
        words += f", {item['source']}"
        if item.get("version"):
            words += f" v{item['version']}"
    if item.get("text"):
        words += f": “{item['text']}”"
    if item.get("note"):
        words += f" — {item['note']}"
    return words


def entry_field_label(name: str) -> str:
    if name == "suggested_changes":
        return _("Suggested changes")
    return selectors.field_label(name)


def entry_display_value(name: str, value: Any) -> str:
    """A snapshot value as the entry page would word it."""
    if value in (None, "", [], ()):
        return "—"
    if name == "evidence":
        return "; ".join(_evidence_words(item) for item in value)
    if name == "passages":
        return "; ".join(_link_words(item) for item in value)
    if name == "category":
        return str(value)
    if name == "suggested_changes":
        return "; ".join(
            f"{entry_field_label(field)}: {entry_display_value(field, value[field])}"
            for field in ordered_fields(SNAPSHOT_FIELDS, value)
        )
    return selectors.display_value(name, value, category_names={})


def _entries_for_review():
    return Example.objects.select_related("category").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("order", "pk")),
        Prefetch(
            "passage_links",
            queryset=PassageLink.objects.select_related("passage__document__source").order_by("pk"),
        ),
    )


SNAPSHOT_FIELDS = (
    *services.EXAMPLE_FIELDS_ORDER,
    "status",
    "evidence",
    "passages",
    "suggested_changes",
)


class _VersionedEntryMixin:
    """Snapshot fields in words, shared by the entry and suggested-edit adapters."""

    snapshot_fields = SNAPSHOT_FIELDS

    def field_label(self, name: str) -> str:
        return entry_field_label(name)

    def display_value(self, name: str, value: Any) -> str:
        return entry_display_value(name, value)


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


class EntryAdapter(_VersionedEntryMixin, TargetAdapter):
    model = Example
    decisions = frozenset(ENTRY_DECISIONS)

    def version(self, obj) -> int | None:
        return obj.version

    def snapshot(self, obj) -> dict:
        return entry_snapshot(obj)

    def get_many(self, object_ids) -> dict:
        ids = [int(i) for i in object_ids if str(i).isdigit()]
        return {str(e.pk): e for e in _entries_for_review().filter(pk__in=ids)}

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


class SuggestionAdapter(_VersionedEntryMixin, TargetAdapter):
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
            .prefetch_related(Prefetch("example", queryset=_entries_for_review()))
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
        # The queue's action checked, under lock, that the entry is at the version the
        # moderator saw: that is the version accepted.
        services.suggestion_accept(
            actor=actor,
            suggestion=obj,
            expected_version=obj.example.version,
            settle_queue=False,
        )
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
