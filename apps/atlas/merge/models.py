"""A merge of a duplicate entry into another, with what moved. Imported by
apps/atlas/models.py (one app, one migration history); written only by ``services.py``
beside this module."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExampleMerge(models.Model):
    """A moderator's merge of a duplicate entry (``source``) into another (``target``),
    with exactly what moved, so that undoing it gives the duplicate back its own evidence,
    passage links and comments. Written and undone only by apps/atlas/merge/services.py."""

    source = models.ForeignKey(
        "atlas.Example",
        on_delete=models.CASCADE,
        related_name="merges_out",
        verbose_name=_("merged entry"),
    )
    target = models.ForeignKey(
        "atlas.Example",
        on_delete=models.CASCADE,
        related_name="merges_in",
        verbose_name=_("merged into"),
    )
    reason = models.TextField(_("reason"))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("merged by"),
    )  # fmt: skip
    created = models.DateTimeField(_("merged"), auto_now_add=True)
    # The source's status before the merge (given back by the undo).
    source_status = models.CharField(_("status before the merge"), max_length=20)
    # What the merge added to the target and moved from the source: evidence as their
    # identity keys (see merge.comparison.evidence_key), passage ids, comment ids.
    added_evidence = models.JSONField(_("evidence added to the target"), default=list, blank=True)
    added_passages = models.JSONField(_("passages linked to the target"), default=list, blank=True)
    moved_comments = models.JSONField(_("comments moved"), default=list, blank=True)
    # Field by field, which entry's value the survivor kept ({choice: "source"|"target"},
    # one key per coded dimension that differed; merge.comparison.MERGE_FIELDS), and exactly what
    # that changed on the target ({model field: [value before, value after]}), so that an
    # undo puts the target's own values back.
    field_choices = models.JSONField(_("values kept, field by field"), default=dict, blank=True)
    field_changes = models.JSONField(_("target fields changed"), default=dict, blank=True)
    # Open suggested edits of the source: moved to the target (values only), or declined
    # with the merge (those that would replace the evidence or passage lists).
    moved_suggestions = models.JSONField(_("suggestions moved"), default=list, blank=True)
    declined_suggestions = models.JSONField(_("suggestions declined"), default=list, blank=True)
    # The source's name-only credits (recorded from an imported file, ADR 0017) the merge
    # added to the target's ``recorded_credits``, as added: an undo removes exactly these.
    added_credits = models.JSONField(_("recorded credits added"), default=list, blank=True)
    # The copies of the source's dated lifecycle changes the merge made on the target (their
    # ids): an undo removes those still saying what the source's own change says.
    added_lifecycle_events = models.JSONField(
        _("lifecycle changes copied"), default=list, blank=True
    )
    # Review items about the source the merge closed (decision "merge").
    closed_review_items = models.JSONField(_("review items closed"), default=list, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("undone by"),
    )  # fmt: skip
    undo_reason = models.TextField(_("reason for the undo"), blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("merge of entries")
        verbose_name_plural = _("merges of entries")
        constraints = [
            # One live merge per duplicate: an entry is merged into one place at a time.
            models.UniqueConstraint(
                fields=["source"], condition=models.Q(undone_at__isnull=True),
                name="atlas_merge_one_live_per_source",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="atlas_merge_not_self"
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"

    @property
    def is_live(self) -> bool:
        return self.undone_at is None
