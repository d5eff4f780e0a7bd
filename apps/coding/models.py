"""Coding you can defend (issue 16, ADR 0011): where each coded value of an entry comes
from (``ValueCitation``), the versioned codebook it was coded under (``CodebookVersion``,
``EntryCodebookVersion``), and blind double coding with its reconciliation
(``CodingRequest``, ``Coding``). Writes go through ``services/``; reads through
``selectors.py``; agreement statistics are computed in ``agreement.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel

FIELD_MAX_LENGTH = 30
CITATION_NOTE_MAX_LENGTH = 1000
CITATION_QUOTE_MAX_LENGTH = 2000
CONTEXT_LENGTH = 32


class CodebookVersion(models.Model):
    """One version of the codebook: its dimensions (allowed values and definitions) and
    the fields that must be cited before an entry is published. Never edited: a change
    is a new version with a reason (services.codebook_change)."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    # [{"name", "label", "level": "nominal"|"interval", "allowed": [...], "definitions": {}}]
    dimensions = models.JSONField(_("dimensions"))
    required_citations = models.JSONField(_("fields that must be cited"), default=list)
    reason = models.TextField(_("reason for the change"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("changed by"),
    )  # fmt: skip
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("codebook version")
        verbose_name_plural = _("codebook versions")

    def __str__(self) -> str:
        return f"Codebook v{self.number}"


class EntryCodebookVersion(models.Model):
    """The codebook version an entry version was coded under."""

    example = models.ForeignKey(
        "atlas.Example", on_delete=models.CASCADE, related_name="codebook_versions"
    )
    entry_version = models.PositiveIntegerField(_("entry version"))
    codebook = models.ForeignKey(CodebookVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["example", "entry_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["example", "entry_version"], name="coding_entry_codebook_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.example_id} v{self.entry_version}: codebook {self.codebook_id}"


class AnchorStatus(models.TextChoices):
    ANCHORED = "anchored", _("Anchored")
    FUZZY = "fuzzy", _("Anchored approximately")
    ORPHANED = "orphaned", _("Orphaned: the quote is no longer in the source")


class ValueCitation(TimeStampedModel):
    """Evidence for one coded value of an entry: one of the entry's evidence items and/or
    a passage of a hosted source, optionally the exact quote (checked against the
    version's text when stored), and a note.

    Kept per entry version: ``since_version`` is the entry version it was attached at,
    ``replaced_at`` is set when a later write replaced the field's citations (the row
    stays, so the history shows what backed each version). A blind coder's citations
    belong to their ``coding`` and are not the entry's until a reconciliation adopts
    them."""

    example = models.ForeignKey(
        "atlas.Example", on_delete=models.CASCADE, related_name="value_citations"
    )
    field = models.CharField(_("field"), max_length=FIELD_MAX_LENGTH)
    since_version = models.PositiveIntegerField(_("since entry version"))
    replaced_at = models.DateTimeField(_("replaced"), null=True, blank=True)
    coding = models.ForeignKey(
        "Coding", null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    # Evidence rows are replaced when an entry's evidence list is edited: the title stays.
    evidence = models.ForeignKey(
        "atlas.Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_title = models.CharField(_("evidence"), max_length=500, blank=True)
    document = models.ForeignKey(
        "sources.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    passage = models.ForeignKey(
        "sources.Passage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    passage_anchor = models.CharField(_("passage anchor"), max_length=24, blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    quote = models.TextField(_("quote"), max_length=CITATION_QUOTE_MAX_LENGTH, blank=True)
    prefix = models.CharField(max_length=CONTEXT_LENGTH, blank=True)
    suffix = models.CharField(max_length=CONTEXT_LENGTH, blank=True)
    note = models.CharField(_("note"), max_length=CITATION_NOTE_MAX_LENGTH, blank=True)
    anchor_status = models.CharField(
        _("anchoring"), max_length=10, choices=AnchorStatus.choices, default=AnchorStatus.ANCHORED
    )

    class Meta:
        ordering = ["example", "field", "pk"]
        verbose_name = _("value citation")
        verbose_name_plural = _("value citations")
        indexes = [models.Index(fields=["example", "replaced_at"], name="coding_citation_current")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(evidence_title__gt="") | models.Q(document__isnull=False)
                | models.Q(anchor_status="orphaned"),
                name="coding_citation_cites_something",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.example_id}.{self.field} ← {self.evidence_title or self.passage_anchor}"


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Coding")
    RECONCILED = "reconciled", _("Reconciled")
    CANCELLED = "cancelled", _("Cancelled")


class CodingRequest(TimeStampedModel):
    """A moderator's request for independent (blind) coding of one entry by two or more
    coders, closed by a reconciliation that becomes a new entry version."""

    example = models.ForeignKey(
        "atlas.Example", on_delete=models.CASCADE, related_name="coding_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(
        max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN, db_index=True
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    codebook = models.ForeignKey(CodebookVersion, on_delete=models.PROTECT, related_name="+")
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # {field: {"value": …, "reason": "…", "from_coding": id|null}}
    choices = models.JSONField(default=dict, blank=True)
    entry_version = models.PositiveIntegerField(_("entry version made"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["example"], condition=models.Q(status="open"),
                name="coding_one_open_request_per_entry",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Coding request {self.pk} on {self.example_id} ({self.status})"


class Coding(TimeStampedModel):
    """One coder's blind values for an entry: seen only by the coder (and moderators of
    the entry's country) until the request is reconciled."""

    request = models.ForeignKey(CodingRequest, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="codings"
    )
    # {field: value}; a field not given is missing (not "unknown", which is an answer).
    values = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "coder"], name="coding_one_per_coder")
        ]

    def __str__(self) -> str:
        return f"Coding {self.pk} by {self.coder_id} for request {self.request_id}"
