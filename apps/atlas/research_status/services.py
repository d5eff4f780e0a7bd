"""Writes of a country's research status: moderators of a country record that a
country × category was researched and nothing was found (the map shows it), or clear it,
with a reason; each change writes one audit-log row with the values before and after."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from apps.moderation.models import AuditAction
from apps.moderation.services.audit import audit_record

from ..aggregates.services import published_set_changed
from ..entries.validation import Errors, category_for_slug, split_place
from ..models import CountryResearchStatus, ResearchStatus
from ..permissions import can_mark_research_status, is_moderator

REASON_MAX_LENGTH = 500


def _state(row: CountryResearchStatus | None) -> dict:
    if row is None:
        return {"status": ""}
    return {"status": row.status, "note": row.note}


@transaction.atomic
def research_status_mark(
    *, actor, country: str, category: str, none_found: bool = True, note: str = "",
    require_reason: bool = False,
) -> CountryResearchStatus | None:  # fmt: skip
    """Moderators of ``country`` record that a country × category was researched and
    nothing was found (``none_found=False`` clears it). ``note`` is the reason, shown
    with the status and kept in the audit log; pages and the API require it
    (``require_reason``). Returns the status row, or None when cleared. Raises
    PermissionDenied (not a moderator of that country) or ValidationError (unknown
    country or category, a scope, a missing reason); nothing is stored then."""
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
    note = (note or "").replace("\x00", "").strip()
    if require_reason and not note:
        errors.add("reason", _("Give a reason: it is shown with the status and kept in the log."))
    if len(note) > REASON_MAX_LENGTH:
        errors.add(
            "reason", _("Keep the reason under %(n)s characters.") % {"n": REASON_MAX_LENGTH}
        )
    errors.raise_if_any()
    if not can_mark_research_status(actor, code):
        raise PermissionDenied(
            _("%(country)s is outside the countries you moderate.")
            % {"country": countries.name(code)}
        )
    existing = (
        CountryResearchStatus.objects.select_for_update()
        .filter(country=code, category=category_row)
        .first()
    )
    before = _state(existing)
    if not none_found:
        if existing is None:
            raise ValidationError(
                {"category": _("%(category)s is not marked for this country.")
                 % {"category": category_row.name}}
            )  # fmt: skip
        existing.delete()
        status = None
    else:
        status, _created = CountryResearchStatus.objects.update_or_create(
            country=code,
            category=category_row,
            defaults={"status": ResearchStatus.NONE_FOUND, "note": note, "set_by": actor},
        )
    audit_record(
        actor=actor,
        action=AuditAction.RESEARCH_STATUS,
        target=status,
        reason=note,
        before={"category": category_row.slug, **before},
        after={"category": category_row.slug, **_state(status)},
        country=code,
    )
    published_set_changed()
    return status
