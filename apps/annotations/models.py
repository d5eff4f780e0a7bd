"""Annotations on source texts, their per-version anchors, and notifications.

An annotation is made on one document version (``document``) and keeps the selectors it
was made with (``exact``/``prefix``/``suffix`` and ``start``/``end`` into that version's
canonical text). Where it sits in every *other* version is an ``AnnotationAnchor`` row,
written by re-anchoring (see apps/annotations/anchoring.py and docs/annotations.md).

Threads follow hypothesis/h: a reply has a ``parent`` and a ``thread`` (the root), and
no target of its own. Rules (who may see, edit, reply) live in services and selectors.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.common.models import TimeStampedModel
from apps.common.reversing import cached_reverse

BODY_MAX_LENGTH = 10_000
CONTEXT_LENGTH = 32  # prefix/suffix length of a TextQuoteSelector (as Hypothesis uses)


class Motivation(models.TextChoices):
    COMMENTING = "commenting", _("Comment")
    QUESTIONING = "questioning", _("Question")
    HIGHLIGHTING = "highlighting", _("Highlight")
    TAGGING = "tagging", _("Tags only")
    LINKING = "linking", _("Link")
    # Set by the server for replies; never chosen by a user.
    REPLYING = "replying", _("Reply")


USER_MOTIVATIONS = [m for m in Motivation if m != Motivation.REPLYING]


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Only me")
    # The members of one reading group (``Annotation.group``); nobody else, site
    # moderators included, unless a member flags it (docs/annotations.md, "Groups").
    GROUP = "group", _("Group")


class Annotation(TimeStampedModel):
    source = models.ForeignKey(
        "sources.Source", on_delete=models.CASCADE, related_name="annotations",
        verbose_name=_("source"),
    )  # fmt: skip
    # The version the annotation was made on; its selectors refer to this text.
    document = models.ForeignKey(
        "sources.Document", on_delete=models.CASCADE, related_name="annotations",
        verbose_name=_("version"),
    )  # fmt: skip
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotations",
        verbose_name=_("author"),
    )  # fmt: skip
    body = models.TextField(_("comment"), max_length=BODY_MAX_LENGTH, blank=True)
    # Rendered once on write (markdown-it + nh3), so reading never re-renders.
    body_html = models.TextField(_("comment (HTML)"), blank=True, editable=False)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    motivation = models.CharField(
        _("motivation"), max_length=16, choices=Motivation.choices,
        default=Motivation.COMMENTING,
    )  # fmt: skip
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC,
        db_index=True,
    )  # fmt: skip
    # Set exactly when ``visibility`` is "group" (a check constraint holds it). PROTECT:
    # deleting a group must never turn its notes into something else by accident.
    group = models.ForeignKey(
        "annotations.ReadingGroup", null=True, blank=True, on_delete=models.PROTECT,
        related_name="annotations", verbose_name=_("group"),
    )  # fmt: skip
    edited = models.BooleanField(_("edited"), default=False)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    # Written by a user under pre-moderation: seen only by its author and moderators
    # until a moderator approves it (apps.moderation, "annotation" adapter).
    awaiting_approval = models.BooleanField(_("awaiting a moderator's approval"), default=False)

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies",
        verbose_name=_("in reply to"),
    )  # fmt: skip
    # The root of the thread (h's references[0]); null for a root itself.
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="thread_replies",
        verbose_name=_("thread"),
    )  # fmt: skip

    # Target. A null passage with no quote is a source note (the whole source).
    passage = models.ForeignKey(
        "sources.Passage", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="annotations", verbose_name=_("passage"),
    )  # fmt: skip
    exact = models.TextField(_("quote"), blank=True)
    prefix = models.CharField(_("text before"), max_length=CONTEXT_LENGTH, blank=True)
    suffix = models.CharField(_("text after"), max_length=CONTEXT_LENGTH, blank=True)
    start = models.PositiveIntegerField(_("start"), null=True, blank=True)
    end = models.PositiveIntegerField(_("end"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["body_html"])

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        permissions = [("moderate_annotation", _("Can hide and restore annotations"))]
        indexes = [
            models.Index(fields=["source", "created"], name="annotation_source_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(start__isnull=True) & models.Q(end__isnull=True))
                | models.Q(end__gt=models.F("start")),
                name="annotation_position_nonempty",
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | models.Q(start__isnull=True),
                name="annotation_reply_has_no_target",
            ),
            models.CheckConstraint(
                condition=(models.Q(parent__isnull=True) & models.Q(thread__isnull=True))
                | (models.Q(parent__isnull=False) & models.Q(thread__isnull=False)),
                name="annotation_reply_has_thread",
            ),
            models.CheckConstraint(
                condition=(models.Q(visibility="group") & models.Q(group__isnull=False))
                | (~models.Q(visibility="group") & models.Q(group__isnull=True)),
                name="annotation_group_iff_group_visibility",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} by {self.author_id} on {self.source_id}"

    @property
    def html_id(self) -> str:
        return f"annotation-{self.pk}"

    def get_absolute_url(self) -> str:
        """The reader of the version it was made on, scrolled to its thread."""
        thread = self.thread_id or self.pk
        return (
            cached_reverse("sources:reader", slug=self.source.slug)
            + f"?thread={thread}#annotation-{self.pk}"
        )

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def has_target(self) -> bool:
        return self.start is not None

    @property
    def thread_id_or_self(self) -> int:
        return self.thread_id or self.pk


class GroupAccess(models.TextChoices):
    # Anyone signed in may join from the group's page; its notes are still members-only.
    OPEN = "open", _("Open: anyone signed in may join")
    INVITE = "invite", _("Invite only: join by invite link or when an owner adds you")


class GroupRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")


GROUP_MANAGERS = (GroupRole.OWNER, GroupRole.MODERATOR)


def new_invite_token() -> str:
    """The secret of an invite link: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class ReadingGroup(TimeStampedModel):
    """A reading group (Hypothesis' private groups): its members annotate together;
    annotations with visibility "group" are seen by its members only. Rules (who may
    join, add, remove, moderate) live in ``apps/annotations/groups/``."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    access = models.CharField(
        _("who may join"), max_length=8, choices=GroupAccess.choices, default=GroupAccess.INVITE
    )
    # The secret in the invite link; rotating it makes every earlier link useless.
    invite_token = models.CharField(
        _("invite token"), max_length=64, unique=True, default=new_invite_token
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("reading group")
        verbose_name_plural = _("reading groups")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("annotations:group_detail", kwargs={"slug": self.slug})


class GroupMembership(models.Model):
    group = models.ForeignKey(ReadingGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=GroupRole.choices, default=GroupRole.MEMBER
    )
    joined = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["joined", "id"]
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="group_membership_once"),
        ]
        # Every visibility check asks "which groups is this user in": the user's index.
        indexes = [models.Index(fields=["user", "group"], name="group_membership_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} ({self.role})"


class GroupLogAction(models.TextChoices):
    HIDE = "hide", _("Hid an annotation")
    RESTORE = "restore", _("Restored an annotation")
    ADD = "add", _("Added a member")
    REMOVE = "remove", _("Removed a member")
    ROLE = "role", _("Changed a member's role")
    ROTATE = "rotate", _("Made a new invite link")
    RENAME = "rename", _("Renamed the group")


class GroupLogEntry(models.Model):
    """What a group's owners and moderators did in it, seen by them only. Kept inside the
    group rather than in the site's moderation log: the site's moderators may not read
    group content, and a log row naming a hidden note would tell them about it."""

    group = models.ForeignKey(ReadingGroup, on_delete=models.CASCADE, related_name="log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=GroupLogAction.choices)
    annotation = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    detail = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("group log entry")
        verbose_name_plural = _("group log entries")

    def __str__(self) -> str:
        return f"{self.action} in {self.group_id} by {self.actor_id}"


class AnchorStatus(models.TextChoices):
    ANCHORED = "anchored", _("Anchored")
    FUZZY = "fuzzy", _("Anchored approximately")
    ORPHANED = "orphaned", _("Could not be placed")


class AnnotationAnchor(models.Model):
    """Where a root annotation sits in one document version.

    One row per (annotation, version): the version it was made on gets an ``anchored`` row
    at creation; newer versions get rows from re-anchoring (or from a manual re-attach).
    ``start``/``end`` are code point offsets into that version's text, null if orphaned.
    """

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="anchors")
    document = models.ForeignKey(
        "sources.Document", on_delete=models.CASCADE, related_name="annotation_anchors"
    )
    status = models.CharField(_("status"), max_length=10, choices=AnchorStatus.choices)
    score = models.FloatField(_("score"), default=1.0)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    passage = models.ForeignKey(
        "sources.Passage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when a person placed it by hand (orphan repair), so re-running never undoes it.
    reattached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("annotation anchor")
        verbose_name_plural = _("annotation anchors")
        constraints = [
            models.UniqueConstraint(
                fields=["annotation", "document"], name="anchor_unique_per_version"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="orphaned")
                    & models.Q(start__isnull=True)
                    & models.Q(end__isnull=True)
                )
                | (~models.Q(status="orphaned") & models.Q(end__gt=models.F("start"))),
                name="anchor_position_matches_status",
            ),  # fmt: skip
        ]
        indexes = [models.Index(fields=["document", "status"], name="anchor_document_status")]

    def __str__(self) -> str:
        return f"{self.annotation_id}@{self.document_id}: {self.status}"


class HighlightColour(models.TextChoices):
    """The reader's palette for legend entries: light backgrounds on which the body text
    keeps at least 7:1 contrast. A fixed list rather than any colour: the page's CSS has a
    class per colour (``hl--c-<value>``, static/css/annotations.css), so no inline style is
    needed (CSP) and no entry can make a highlight unreadable."""

    TEAL = "teal", _("Teal")
    ROSE = "rose", _("Rose")
    LIME = "lime", _("Lime")
    SKY = "sky", _("Sky blue")
    SAND = "sand", _("Sand")
    LILAC = "lilac", _("Lilac")
    MINT = "mint", _("Mint")
    PEACH = "peach", _("Peach")
    GREY = "grey", _("Grey")


class LegendMatch(models.TextChoices):
    EXACT = "exact", _("The tag itself")
    PREFIX = "prefix", _("Any tag starting with it")


class HighlightLegendEntry(TimeStampedModel):
    """One row of the reader's colour legend: a note carrying a matching tag (anywhere in
    its list) is highlighted in ``colour``. Entries are tried in ``position`` order, the
    first match wins; a note no entry matches keeps its motivation's colour. Edited by the
    site's moderators (apps/annotations/services/legend.py), each change audit-logged."""

    tag = models.CharField(_("tag"), max_length=100)
    match = models.CharField(
        _("matches"), max_length=6, choices=LegendMatch.choices, default=LegendMatch.EXACT
    )
    colour = models.CharField(_("colour"), max_length=8, choices=HighlightColour.choices)
    label = models.CharField(
        _("label"), max_length=120, blank=True,
        help_text=_("What the legend says; empty: the tag."),
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("highlight legend entry")
        verbose_name_plural = _("highlight legend entries")
        constraints = [
            models.UniqueConstraint(fields=["tag", "match"], name="legend_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.tag}{'*' if self.match == LegendMatch.PREFIX else ''} → {self.colour}"

    def matches(self, tag: str) -> bool:
        return tag == self.tag if self.match == LegendMatch.EXACT else tag.startswith(self.tag)


class TagUsage(models.Model):
    """How many public annotations (public, shown, not deleted, author not shadow-hidden,
    source not hidden) carry each tag: the vocabulary that tag suggestions read, site-wide
    (the reader's tags field, the search box). Kept up to date per tag: each annotation
    write recounts only the tags it had and has (``services/tag_usage.py``, one indexed
    query over ``annotation_tags_gin``); a nightly rebuild repairs what no event
    announces (a source hidden by moderation)."""

    tag = models.CharField(max_length=64, unique=True)
    # What is matched as typed: lower case, ":" as "-" (country:DE → country-de).
    key = models.CharField(max_length=64)
    public_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("tag usage")
        verbose_name_plural = _("tag usage")
        indexes = [
            # LIKE 'typed%' on PostgreSQL needs the pattern operator class; only tags in
            # public use are ever suggested, so only they are indexed.
            models.Index(
                fields=["key"], name="tag_usage_key_prefix", opclasses=["varchar_pattern_ops"],
                condition=models.Q(public_count__gt=0),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.tag} ({self.public_count})"


def tag_key(tag: str) -> str:
    return tag.lower().replace(":", "-")
