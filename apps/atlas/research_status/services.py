"""Writes of a country's research status: moderators record that a country × category
was researched and nothing was found (the map shows it)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from ..aggregates.services import published_set_changed
from ..entries.validation import Errors, category_for_slug, split_place
from ..models import CountryResearchStatus, ResearchStatus
from ..permissions import can_mark_research_status, is_moderator


@transaction.atomic
def research_status_mark(
    *, actor, country: str, category: str, none_found: bool = True, note: str = ""
) -> CountryResearchStatus | None:
    """Moderators record that a country × category was researched and nothing was found
    (``none_found=False`` clears it). Returns the status row, or None when cleared."""
    if not is_moderator(actor):
        raise PermissionDenied(_("Only moderators can set a country's research status."))
    errors = Errors()
    code, scope = split_place(country, errors)
    if scope:
        errors.add(
            "country",
            _("Research status is kept for countries, not for %(scope)s.") % {"scope": scope},
        )
    category_row = category_for_slug(category, errors)
    errors.raise_if_any()
    if not can_mark_research_status(actor, code):
        raise PermissionDenied(
            _("%(country)s is outside the countries you moderate.")
            % {"country": countries.name(code)}
        )
    if not none_found:
        CountryResearchStatus.objects.filter(country=code, category=category_row).delete()
        published_set_changed()
        return None
    status, _created = CountryResearchStatus.objects.update_or_create(
        country=code,
        category=category_row,
        defaults={"status": ResearchStatus.NONE_FOUND, "note": note.strip()[:500], "set_by": actor},
    )
    published_set_changed()
    return status
