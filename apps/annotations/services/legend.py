"""The reader's highlight legend (which tag → which colour), edited by the site's global
moderators. Every change writes one audit-log row with the entry before and after; the
reader pages' ETags change with it (``HighlightLegendEntry`` is a declared model)."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.moderation.models import AuditAction
from apps.moderation.permissions import is_global_moderator
from apps.moderation.services.audit import audit_record

from ..models import HighlightLegendEntry, LegendMatch
from .validation import _TAG_FORBIDDEN, COUNTRY_TAG_PREFIX, MAX_TAG_LENGTH, normalize_tags

MAX_LEGEND_ENTRIES = 50
_FIELDS = ("tag", "match", "colour", "label", "position")


def _require_moderator(actor) -> None:
    if not is_global_moderator(actor):
        raise PermissionDenied(_("Only the site's moderators edit the highlight legend."))


def _normalize_tag(tag: str, match: str) -> str:
    """An exact tag as annotations store it (``normalize_tags``); a prefix the same way
    without requiring a whole country code (``country:`` alone is a prefix)."""
    tag = re.sub(r"\s+", " ", tag or "").strip()
    if not tag:
        raise ValidationError({"tag": _("Give the tag.")})
    if match == LegendMatch.EXACT:
        try:
            return normalize_tags([tag])[0]
        except ValidationError as exc:
            raise ValidationError({"tag": exc.message_dict["tags"]}) from None
    if tag.lower().startswith(COUNTRY_TAG_PREFIX):
        tag = COUNTRY_TAG_PREFIX + tag[len(COUNTRY_TAG_PREFIX) :].upper()
    else:
        tag = tag.lower()
    if len(tag) > MAX_TAG_LENGTH:
        raise ValidationError(
            {"tag": _("A tag is at most %(n)d characters.") % {"n": MAX_TAG_LENGTH}}
        )
    if _TAG_FORBIDDEN.search(tag):
        raise ValidationError({"tag": _("Tags cannot contain commas, quotes, < or >.")})
    return tag


def _snapshot(entry: HighlightLegendEntry) -> dict:
    return {name: getattr(entry, name) for name in _FIELDS}


def _save(entry: HighlightLegendEntry) -> None:
    entry.tag = _normalize_tag(entry.tag, entry.match)
    entry.label = (entry.label or "").strip()
    entry.full_clean(validate_constraints=False)
    duplicate = HighlightLegendEntry.objects.filter(tag=entry.tag, match=entry.match)
    if entry.pk:
        duplicate = duplicate.exclude(pk=entry.pk)
    if duplicate.exists():
        raise ValidationError({"tag": _("The legend already has an entry for this tag.")})
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # a concurrent twin won the race
        raise ValidationError({"tag": _("The legend already has an entry for this tag.")}) from None


@transaction.atomic
def legend_entry_create(*, actor, tag: str, match: str, colour: str, label: str = "", position: int = 0) -> HighlightLegendEntry:  # fmt: skip
    """Add a legend entry. Global moderators only (PermissionDenied); ValidationError
    (per field) for a bad tag, colour or a duplicate, with nothing stored."""
    _require_moderator(actor)
    if HighlightLegendEntry.objects.count() >= MAX_LEGEND_ENTRIES:
        raise ValidationError(
            _("The legend has %(n)d entries: remove one first.") % {"n": MAX_LEGEND_ENTRIES}
        )
    entry = HighlightLegendEntry(
        tag=tag, match=match, colour=colour, label=label, position=position
    )
    _save(entry)
    audit_record(
        actor=actor, action=AuditAction.LEGEND_CHANGE, target=entry,
        reason=_("Legend entry added"), before=None, after=_snapshot(entry),
    )  # fmt: skip
    return entry


@transaction.atomic
def legend_entry_update(*, actor, entry: HighlightLegendEntry, **changes) -> HighlightLegendEntry:
    """Change an entry's tag, match, colour, label or position (logged before/after)."""
    _require_moderator(actor)
    entry = HighlightLegendEntry.objects.select_for_update().get(pk=entry.pk)
    before = _snapshot(entry)
    for name, value in changes.items():
        if name not in _FIELDS:
            raise ValueError(f"{name} is not a legend field")
        setattr(entry, name, value)
    _save(entry)
    if _snapshot(entry) != before:
        audit_record(
            actor=actor, action=AuditAction.LEGEND_CHANGE, target=entry,
            reason=_("Legend entry changed"), before=before, after=_snapshot(entry),
        )  # fmt: skip
    return entry


@transaction.atomic
def legend_entry_delete(*, actor, entry: HighlightLegendEntry) -> None:
    _require_moderator(actor)
    before = _snapshot(entry)
    audit_record(
        actor=actor, action=AuditAction.LEGEND_CHANGE, target=entry,
        reason=_("Legend entry removed"), before=before, after=None,
    )  # fmt: skip
    HighlightLegendEntry.objects.filter(pk=entry.pk).delete()
