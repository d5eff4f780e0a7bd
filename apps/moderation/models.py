"""Moderation: the append-only audit log, roles' country scopes, user-level states, the
review queue, flags and the notices that tell authors about decisions.

Targets (sources, entries, annotations, ...) are referenced generically (content type +
object id as text, so integer and UUID keys both fit); each target type plugs in through
an adapter (apps/moderation/registry.py). See docs/moderation.md.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField


class AuditAction(models.TextChoices):
    DECISION = "decision", _("Decision")
    ROLE_CHANGE = "role_change", _("Role change")
    MERGE = "merge", _("Merge")
    UNMERGE = "unmerge", _("Undo merge")
    RESTORE = "restore", _("Restore")
    HIDE = "hide", _("Hide")
    UNHIDE = "unhide", _("Unhide")
    CLAIM = "claim", _("Claim")
    # "Release" alone is ambiguous in a catalogue: here a moderator gives back a claimed
    # queue item (German "Freigeben"), not a dataset release ("Veröffentlichung").
    RELEASE = "release", pgettext_lazy("moderation: give back a claimed item", "Release")
    FLAG_RESOLVED = "flag_resolved", _("Flag resolved")
    PREMODERATION = "premoderation", _("Pre-moderation")
    SHADOW_HIDE = "shadow_hide", _("Shadow-hide")
    VERSION_ACCEPT = "version_accept", _("Version accepted")
    VERSION_REJECT = "version_reject", _("Version rejected")
    VERSION_WITHDRAW = "version_withdraw", _("Version withdrawn")
    MAINTAINER_CHANGE = "maintainer_change", _("Maintainers changed")
    # A source's translation added or re-imported; its passage alignment corrected.
    TRANSLATION_CHANGE = "translation_change", _("Translation changed")
    ALIGNMENT_CHANGE = "alignment_change", _("Alignment corrected")
    # A steward corrected a source's bibliographic record (apps/sources/services/details.py).
    SOURCE_EDIT = "source_edit", _("Source details corrected")
    # A country moderator set or cleared "researched, none found" (apps/atlas/research_status).
    RESEARCH_STATUS = "research_status", _("Research status")
    # A superuser opened someone's private content in the Django admin (the only way
    # anyone but its author reads it): the log says who read what, and when.
    PRIVATE_READ = "private_read", _("Private content read in the admin")
    # The reader's highlight legend (apps/annotations/services/legend.py).
    LEGEND_CHANGE = "legend_change", _("Highlight legend changed")
    # A reading group renamed or deleted by its owner (apps/annotations/services/groups.py):
    # the row outlives a deleted group; it names the group, never its notes.
    GROUP_CHANGE = "group_change", _("Reading group renamed or deleted")
    # A dated lifecycle change of an atlas entry recorded, corrected or removed
    # (apps/atlas/lifecycle/services.py), with the coded lifecycle before and after.
    LIFECYCLE_CHANGE = "lifecycle_change", _("Lifecycle change")


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit-log row."""


class AuditLogQuerySet(models.QuerySet):
    """Rows can be added and read, never changed or deleted in bulk."""

    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only: rows cannot be updated.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only: rows cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("The audit log is append-only: rows cannot be updated.")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: use audit_record().")

    def _raw_delete(self, using):
        raise AppendOnlyError("The audit log is append-only: rows cannot be deleted.")

    _raw_delete.queryset_only = True


class AuditLogEntry(models.Model):
    """One thing a moderator (or the system, actor None) did. Append-only.

    Write through ``services.audit_record`` only. The actor and target are snapshots
    (name, label, URL) as well as references, so the row still reads correctly after the
    target or the actor's account is gone; the actor key has no database constraint for
    the same reason (deleting a user must not have to rewrite the log).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+", verbose_name=_("actor"),
    )  # fmt: skip
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    target_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+", verbose_name=_("target type"),
    )  # fmt: skip
    target_object_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    target_url = models.CharField(_("target URL"), max_length=500, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_content_type", "target_object_id"])]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only: rows cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: rows cannot be deleted.")


class ModeratorScope(models.Model):
    """Limits a moderator to some countries. A moderator with no rows is global, so the
    role services never leave a scoped moderator without rows: appointing needs countries
    or an explicit "every country", and taking the last country away removes the role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_scopes"
    )
    country = CountryField(_("country"))

    class Meta:
        ordering = ["user", "country"]
        verbose_name = _("moderator country scope")
        verbose_name_plural = _("moderator country scopes")
        constraints = [
            models.UniqueConstraint(fields=["user", "country"], name="moderator_scope_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.country.code}"


class UserModerationState(models.Model):
    """Per-user measures set by moderators. A missing row means all off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_state"
    )
    premoderate_annotations = models.BooleanField(
        _("pre-moderate annotations"),
        default=False,
        help_text=_("New annotations by this user wait for a moderator before others see them."),
    )
    shadow_hidden = models.BooleanField(
        _("shadow-hidden"),
        default=False,
        help_text=_("This user's content is visible only to them and to moderators."),
    )
    trust_revoked = models.BooleanField(
        _("trust revoked by a moderator"),
        default=False,
        help_text=_("Automatic promotion to trusted contributor is suppressed."),
    )
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("user moderation state")
        verbose_name_plural = _("user moderation states")

    def __str__(self) -> str:
        return f"moderation state of {self.user}"


class ReviewItemType(models.TextChoices):
    SUBMITTED_ENTRY = "submitted_entry", _("Submitted entry")
    POST_REVIEW_EDIT = "post_review_edit", _("Edit awaiting post-review")
    FLAG = "flag", _("Flagged content")
    ORPHANED_ANNOTATION = "orphaned_annotation", _("Orphaned annotation")
    UPLOADED_SOURCE = "uploaded_source", _("Uploaded source")
    SUGGESTED_EDIT = "suggested_edit", _("Suggested edit")
    PENDING_ANNOTATION = "pending_annotation", _("Annotation awaiting approval")
    PROPOSED_VERSION = "proposed_version", _("Proposed source version")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DECIDED = "decided", _("Decided")


class Decision(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Reject")
    HIDE = "hide", _("Hide")
    RESTORE = "restore", _("Restore")
    SPAM = "spam", _("Mark as spam")
    # On flagged content: the content stays (shown again if the flags had hidden it) and
    # the flags are rejected. What "publish" used to mean there, named for what it does.
    KEEP = "keep", _("Keep (flags rejected)")
    # Recorded by the atlas's merge of duplicate entries (apps/atlas/merge/services.py) on the
    # merged entry's open items and notices; never chosen in the queue.
    MERGE = "merge", _("Merged into another entry")


# The decisions a moderator chooses from in the queue (page and API).
QUEUE_DECISIONS = [
    choice for choice in Decision.choices if choice[0] not in (Decision.MERGE, Decision.RESTORE)
]

# What each kind of item can be decided as, in the order the queue offers them (issue 19):
# flagged content is hidden, kept or spam; a submission is published, sent back or
# rejected. A decision outside its item's list is refused (400), so "publish" on a flag
# cannot mean "keep it and reject the flags" by accident. The target's adapter may offer
# fewer (registry.TargetAdapter.decisions).
ITEM_TYPE_DECISIONS: dict[str, tuple[str, ...]] = {
    "flag": ("hide", "keep", "spam"),
    "submitted_entry": ("publish", "request_changes", "reject", "spam"),
    "post_review_edit": ("publish", "request_changes", "reject"),
    "orphaned_annotation": ("keep", "hide"),
    "uploaded_source": ("publish", "reject", "spam"),
    "suggested_edit": ("publish", "reject"),
    "pending_annotation": ("publish", "reject", "spam"),
    "proposed_version": ("publish", "reject"),
}


class ReviewItem(models.Model):
    """One thing waiting for a moderator: the single review queue.

    At most one open item per (type, target): new flags on a target join its open flag
    item. Label, URL, author, country and category are copied from the target's adapter
    when the item is opened, so the queue lists items without loading their targets.
    """

    item_type = models.CharField(_("type"), max_length=24, choices=ReviewItemType.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("target type")
    )
    object_id = models.CharField(_("target id"), max_length=64)
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    target_url = models.CharField(_("target URL"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("author"),
    )  # fmt: skip
    country = models.CharField(_("country"), max_length=2, null=True, blank=True)
    category = models.SlugField(_("category"), max_length=100, null=True, blank=True)
    summary = models.TextField(_("what to review"), blank=True)
    # The target's version when the item was opened (or its author last resubmitted it),
    # and what the reviewer is shown of it: a decision applies to exactly this version, so
    # a change made after the moderator opened the item cannot ride through on "Publish".
    # Null for targets without versions.
    target_version = models.PositiveIntegerField(_("version under review"), null=True, blank=True)
    target_snapshot = models.JSONField(_("content under review"), null=True, blank=True)
    priority = models.FloatField(_("priority"), default=0.0)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("claimed by"),
    )  # fmt: skip
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-priority", "created"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        permissions = [("work_queue", "Can work the review queue")]
        indexes = [
            models.Index(fields=["status", "-priority", "created"]),
            models.Index(fields=["status", "created"]),
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["country"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["item_type", "content_type", "object_id"],
                condition=models.Q(status="open"),
                name="review_item_one_open_per_target",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (~models.Q(decision="") & models.Q(decided_at__isnull=False)),
                name="review_item_decided_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_type_display()}: {self.target_label}"

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN


class HiddenReason(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("Hidden pending review of flags")
    MODERATOR = "moderator", _("Hidden by a moderator")


class HiddenContent(models.Model):
    """Marks an object as hidden from public lists, for target types that have no
    visibility field of their own (sources). Other apps' selectors filter with
    ``selectors.exclude_hidden``."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    hidden_reason = models.CharField(max_length=20, choices=HiddenReason.choices)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hidden content")
        verbose_name_plural = _("hidden content")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="hidden_content_unique"
            )
        ]

    def __str__(self) -> str:
        return f"hidden {self.content_type_id}:{self.object_id}"


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    HARASSMENT = "harassment", _("Harassment")
    INACCURATE = "inaccurate", _("Inaccurate")
    DUPLICATE = "duplicate", _("Duplicate")
    COPYRIGHT = "copyright", _("Copyright")
    OTHER = "other", _("Other")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AGREED = "agreed", _("Agreed")
    REJECTED = "rejected", _("Rejected")


class Flag(models.Model):
    """A signed-in user's report that some content is a problem. Open flags on one target
    share one review item; the moderator's decision agrees with or rejects them all, and
    that outcome feeds each flagger's accuracy (and so the weight of their next flags)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_flags"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=FlagReason.choices)
    text = models.TextField(_("details"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    #: The flagger's weight when they flagged (Discourse's "reviewable score").
    score = models.FloatField(_("score"), default=1.0)
    review_item = models.ForeignKey(
        ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["flagger", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "flagger"],
                condition=models.Q(status="open"),
                name="flag_one_open_per_user_and_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} by {self.flagger}"
