"""A lifecycle change of an entry (proposed → pilot → active → discontinued) as a dated
event with its own evidence citation. Imported by apps/atlas/models.py (one app, one
migration history); written only by ``services.py`` beside this module.

The citation is kept on the event itself, not as a link to one of the entry's Evidence
rows: an entry's evidence list is replaced on every edit, and an event must keep its
source through that (and through export and import, where row ids mean nothing)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..dimensions import Lifecycle

NOTE_MAX_LENGTH = 500
EVIDENCE_TITLE_MAX_LENGTH = 500


class DatePrecision(models.TextChoices):
    # The date is stored as a full date; a year-only event is stored on 1 January and
    # shown as its year (sources often give no more).
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


# What an event can move an entry to: the codebook's lifecycle values, without "unknown".
EVENT_STATES = [(value, label) for value, label in Lifecycle.choices if value != Lifecycle.UNKNOWN]


class LifecycleEvent(models.Model):
    example = models.ForeignKey(
        "atlas.Example", on_delete=models.CASCADE, related_name="lifecycle_events",
        verbose_name=_("entry"),
    )  # fmt: skip
    state = models.CharField(_("lifecycle"), max_length=20, choices=EVENT_STATES)
    date = models.DateField(_("date"))
    precision = models.CharField(
        _("date precision"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    evidence_title = models.CharField(_("evidence"), max_length=EVIDENCE_TITLE_MAX_LENGTH)
    evidence_url = models.URLField(_("evidence URL"), max_length=1000)
    evidence_publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    evidence_published = models.DateField(_("publication date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("recorded by"),
    )  # fmt: skip
    created = models.DateTimeField(_("recorded"), auto_now_add=True)
    # The entry's hand-coded lifecycle from before its dated events decided it: given
    # back when the last event is removed (services.py). Blank when not known (events
    # from an import, or recorded before this was kept): removing the last one then
    # leaves the value as it is.
    coded_before = models.CharField(
        _("lifecycle coded before the events"), max_length=20, blank=True, editable=False
    )

    class Meta:
        app_label = "atlas"
        ordering = ["example", "date", "pk"]
        verbose_name = _("lifecycle change")
        verbose_name_plural = _("lifecycle changes")
        constraints = [
            models.UniqueConstraint(
                fields=["example", "state", "date"], name="atlas_lifecycle_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.example_id}: {self.state} {self.date}"

    @property
    def date_display(self) -> str:
        if self.precision == DatePrecision.YEAR:
            return f"{self.date:%Y}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.date:%Y-%m}"
        return self.date.isoformat()
