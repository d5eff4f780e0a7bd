"""Writes for moderation. Every moderation action goes through a function here (decisions
through the action objects in actions.py) and writes exactly one audit row with
``audit_record``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from . import permissions
from .models import AuditAction, AuditLogEntry, ModeratorScope, UserModerationState
from .permissions import MODERATOR_GROUP, TRUSTED_GROUP
from .registry import adapter_for

logger = logging.getLogger(__name__)


def _json_safe(value: Any) -> Any:
    """Before/after values go through Django's encoder (dates, decimals, UUIDs) once, so
    what is stored is exactly what the CSV and API later show."""
    import json

    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def describe_target(target: models.Model | None) -> dict:
    """Content type, id, label, URL and country of ``target`` for a log row."""
    if target is None:
        return {}
    adapter = adapter_for(target)
    if adapter is not None:
        label, url, country = adapter.label(target), adapter.url(target), adapter.country(target)
    else:
        get_url = getattr(target, "get_absolute_url", None)
        label, url, country = str(target), get_url() if get_url else "", None
    return {
        "target_content_type": ContentType.objects.get_for_model(target),
        "target_object_id": str(target.pk),
        "target_label": label[:300],
        "target_url": (url or "")[:500],
        "country": country or "",
    }


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    country: str | None = None,
) -> AuditLogEntry:
    """Append one row to the audit log. ``actor`` None means the system did it.

    The caller has already checked permissions; this only records. Raises
    ValidationError for an unknown action.
    """
    fields = describe_target(target)
    if country is not None:
        fields["country"] = country
    entry = AuditLogEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else ""),
        action=action,
        reason=reason or "",
        before=_json_safe(before),
        after=_json_safe(after),
        **fields,
    )
    entry.full_clean(exclude=["actor", "target_content_type"])
    entry.save()
    return entry


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is shown to the people concerned and kept in the log.")}
        )
    return reason


# --- Roles --------------------------------------------------------------------------------


def _role_snapshot(user) -> dict:
    """The user's role as stored (group membership and scope), for before/after."""
    permissions.forget_roles(user)
    names = set(user.groups.values_list("name", flat=True))
    moderator = MODERATOR_GROUP in names
    return {
        "trusted": TRUSTED_GROUP in names,
        "moderator": moderator,
        "countries": sorted(
            ModeratorScope.objects.filter(user=user).values_list("country", flat=True)
        )
        if moderator
        else [],
    }


def _group(name: str) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    return group


def _state_for_update(user) -> UserModerationState:
    state, _created = UserModerationState.objects.select_for_update().get_or_create(user=user)
    return state


def _in_group(user, name: str) -> bool:
    return user.groups.filter(name=name).exists()


@transaction.atomic
def role_grant_trusted(*, actor, user, reason: str) -> None:
    """Make ``user`` a trusted contributor. Moderators only. Raises PermissionDenied,
    ValidationError (no reason; already trusted)."""
    if not permissions.can_manage_trusted(actor):
        raise PermissionDenied(_("Only moderators can grant trusted status."))
    reason = _require_reason(reason)
    if _in_group(user, TRUSTED_GROUP):
        raise ValidationError(_("%(user)s is already a trusted contributor.") % {"user": user})
    before = _role_snapshot(user)
    user.groups.add(_group(TRUSTED_GROUP))
    state = _state_for_update(user)
    state.trust_revoked = False
    state.save()
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


@transaction.atomic
def role_revoke_trusted(*, actor, user, reason: str) -> None:
    """Take trusted status away; automatic promotion will not give it back."""
    if not permissions.can_manage_trusted(actor):
        raise PermissionDenied(_("Only moderators can revoke trusted status."))
    reason = _require_reason(reason)
    if not _in_group(user, TRUSTED_GROUP):
        raise ValidationError(_("%(user)s is not a trusted contributor.") % {"user": user})
    before = _role_snapshot(user)
    user.groups.remove(_group(TRUSTED_GROUP))
    state = _state_for_update(user)
    state.trust_revoked = True
    state.save()
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


@transaction.atomic
def trust_recompute(*, user, accepted_count: int) -> bool:
    """Promote ``user`` to trusted once ``accepted_count`` (their accepted entries, counted
    by the caller) reaches settings.MODERATION_TRUST_AFTER_ACCEPTED. Never demotes; does
    nothing if a moderator revoked their trust. Returns True if it promoted.

    Called by the atlas after each accepted entry; safe to call any number of times.
    """
    threshold = getattr(settings, "MODERATION_TRUST_AFTER_ACCEPTED", 5)
    if threshold <= 0 or accepted_count < threshold or not user.is_active:
        return False
    if _in_group(user, TRUSTED_GROUP):
        return False
    if UserModerationState.objects.filter(user=user, trust_revoked=True).exists():
        return False
    before = _role_snapshot(user)
    user.groups.add(_group(TRUSTED_GROUP))
    audit_record(
        actor=None,
        action=AuditAction.ROLE_CHANGE,
        target=user,
        reason=_("Automatic: %(count)d accepted entries.") % {"count": accepted_count},
        before=before,
        after=_role_snapshot(user),
    )
    return True


def _clean_countries(countries) -> list[str]:
    codes = []
    for code in countries or []:
        code = str(code).strip().upper()
        if code not in dict(all_countries):
            raise ValidationError(
                {"countries": _("“%(code)s” is not a country code.") % {"code": code}}
            )
        codes.append(code)
    return sorted(set(codes))


@transaction.atomic
def role_grant_moderator(*, actor, user, countries: list[str] | None, reason: str) -> None:
    """Make ``user`` a moderator, global (``countries`` empty) or for those countries; on
    an existing moderator this replaces the scope. Admins only."""
    if not permissions.can_manage_moderators(actor):
        raise PermissionDenied(_("Only administrators can appoint moderators."))
    reason = _require_reason(reason)
    codes = _clean_countries(countries)
    before = _role_snapshot(user)
    if before["moderator"] and before["countries"] == codes:
        raise ValidationError(_("%(user)s already has exactly this role.") % {"user": user})
    user.groups.add(_group(MODERATOR_GROUP))
    ModeratorScope.objects.filter(user=user).exclude(country__in=codes).delete()
    existing = set(ModeratorScope.objects.filter(user=user).values_list("country", flat=True))
    ModeratorScope.objects.bulk_create(
        ModeratorScope(user=user, country=code) for code in codes if code not in existing
    )
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


@transaction.atomic
def role_revoke_moderator(*, actor, user, reason: str) -> None:
    """Remove the moderator role and any country scope. Admins only."""
    if not permissions.can_manage_moderators(actor):
        raise PermissionDenied(_("Only administrators can remove moderators."))
    reason = _require_reason(reason)
    if not _in_group(user, MODERATOR_GROUP):
        raise ValidationError(_("%(user)s is not a moderator.") % {"user": user})
    before = _role_snapshot(user)
    user.groups.remove(_group(MODERATOR_GROUP))
    ModeratorScope.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


# --- User-level measures --------------------------------------------------------------------


def _check_measure(actor, user) -> None:
    if not permissions.can_set_user_measures(actor):
        raise PermissionDenied(_("Only moderators can change a user's moderation measures."))
    if permissions.is_moderator(user):
        raise ValidationError(
            _("%(user)s is a moderator; remove the role before applying measures.") % {"user": user}
        )


@transaction.atomic
def user_set_premoderation(*, actor, user, enabled: bool, reason: str) -> UserModerationState:
    """Put ``user``'s new annotations under (or take them out of) pre-moderation."""
    _check_measure(actor, user)
    reason = _require_reason(reason)
    state = _state_for_update(user)
    if state.premoderate_annotations == enabled:
        raise ValidationError(_("Nothing to change."))
    before = {"premoderate_annotations": state.premoderate_annotations}
    state.premoderate_annotations = enabled
    state.save()
    audit_record(actor=actor, action=AuditAction.PREMODERATION, target=user, reason=reason,
                 before=before, after={"premoderate_annotations": enabled})  # fmt: skip
    return state


@transaction.atomic
def user_set_shadow_hidden(*, actor, user, hidden: bool, reason: str) -> UserModerationState:
    """Shadow-hide ``user`` (their content is seen only by them and moderators) or undo it."""
    _check_measure(actor, user)
    reason = _require_reason(reason)
    state = _state_for_update(user)
    if state.shadow_hidden == hidden:
        raise ValidationError(_("Nothing to change."))
    before = {"shadow_hidden": state.shadow_hidden}
    state.shadow_hidden = hidden
    state.save()
    audit_record(actor=actor, action=AuditAction.SHADOW_HIDE, target=user, reason=reason,
                 before=before, after={"shadow_hidden": hidden})  # fmt: skip
    return state
