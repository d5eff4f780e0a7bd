"""A country's research status ("researched, none found"). Imported by
apps/atlas/models.py (one app, one migration history); written only by ``services.py``
beside this module."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from apps.common.models import TimeStampedModel


class ResearchStatus(models.TextChoices):
    NONE_FOUND = "none_found", _("Researched, none found")


class CountryResearchStatus(TimeStampedModel):
    """A moderator's statement that a country × category was researched and nothing was
    found, so the map can tell "nothing found" from "not researched yet"."""

    country = CountryField(_("country"))
    category = models.ForeignKey(
        "atlas.Category", on_delete=models.CASCADE, related_name="research_statuses",
        verbose_name=_("category"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=20, choices=ResearchStatus.choices,
        default=ResearchStatus.NONE_FOUND,
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=500, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("set by"),
    )  # fmt: skip

    class Meta:
        app_label = "atlas"
        ordering = ["country", "category"]
        verbose_name = _("country research status")
        verbose_name_plural = _("country research statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "category"], name="atlas_research_status_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country.name} · {self.category}: {self.get_status_display()}"
