"""Roles (trusted contributor, moderator and their countries) and the measures on one
user (pre-moderation, shadow-hiding). Each writes one audit row."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from apps.common import events, http_cache

from .. import permissions
from ..models import AuditAction, ModeratorScope, UserModerationState
from ..permissions import MODERATOR_GROUP, TRUSTED_GROUP
from .audit import _require_reason, audit_record

logger = logging.getLogger(__name__)


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


def _trust_refusal(actor, what: str) -> str:
    if permissions.is_moderator(actor):
        return _(
            "Only global moderators can %(what)s: a trusted contributor publishes in every "
            "country without review, and you moderate only %(countries)s."
        ) % {"what": what, "countries": _countries_text(actor)}
    return _("Only global moderators can %(what)s.") % {"what": what}


def _countries_text(user) -> str:
    return ", ".join(sorted(permissions.moderator_countries(user) or ()))


@transaction.atomic
def role_grant_trusted(*, actor, user, reason: str) -> None:
    """Make ``user`` a trusted contributor. Global moderators and admins only (a trusted
    contributor publishes in every country without review). Raises PermissionDenied,
    ValidationError (no reason; already trusted)."""
    if not permissions.can_manage_trusted(actor):
        raise PermissionDenied(_trust_refusal(actor, _("grant trusted status")))
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
    """Take trusted status away; automatic promotion will not give it back. Global
    moderators and admins only."""
    if not permissions.can_manage_trusted(actor):
        raise PermissionDenied(_trust_refusal(actor, _("revoke trusted status")))
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
def role_grant_moderator(
    *, actor, user, countries: list[str] | None, reason: str, everywhere: bool = False
) -> None:
    """Make ``user`` a moderator for ``countries``, or a global moderator with
    ``everywhere=True`` (and no countries); on an existing moderator this replaces the
    scope. Admins only.

    Global is never implied: no countries without ``everywhere`` is refused
    (ValidationError), so an emptied country list cannot widen a scoped moderator to
    every country. To take countries away use ``role_remove_moderator_countries`` (which
    removes the role with the last one) or ``role_revoke_moderator``."""
    if not permissions.can_manage_moderators(actor):
        raise PermissionDenied(_("Only administrators can appoint moderators."))
    reason = _require_reason(reason)
    codes = _clean_countries(countries)
    if everywhere and codes:
        raise ValidationError(
            {
                "countries": _(
                    "Choose either “every country” or some countries, not both: a global "
                    "moderator has no country list."
                )
            }
        )
    if not everywhere and not codes:
        raise ValidationError(
            {
                "countries": _(
                    "Choose the countries this moderator acts on, or “every country” for a "
                    "global moderator. An empty list never means every country."
                )
            }
        )
    before = _role_snapshot(user)
    if before["moderator"] and before["countries"] == codes:
        raise ValidationError(_("%(user)s already has exactly this role.") % {"user": user})
    user.groups.add(_group(MODERATOR_GROUP))
    ModeratorScope.objects.filter(user=user).exclude(country__in=codes).delete()
    existing = set(ModeratorScope.objects.filter(user=user).values_list("country", flat=True))
    ModeratorScope.objects.bulk_create(
        ModeratorScope(user=user, country=code) for code in codes if code not in existing
    )
    http_cache.invalidate(ModeratorScope)  # bulk_create sends no signal
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


@transaction.atomic
def role_remove_moderator_countries(*, actor, user, countries: list[str], reason: str) -> bool:
    """Take ``countries`` away from a scoped moderator. Removing the last one removes the
    moderator role: a moderator with no countries left moderates nothing (it never
    widens to every country). Admins only. Returns whether ``user`` is still a moderator.

    Raises PermissionDenied; ValidationError (no reason, no or unknown countries, a
    country they do not moderate, a global moderator or someone who is no moderator).
    Nothing changes when it raises; one audit row when it does not."""
    if not permissions.can_manage_moderators(actor):
        raise PermissionDenied(_("Only administrators can change a moderator's countries."))
    reason = _require_reason(reason)
    codes = _clean_countries(countries)
    if not codes:
        raise ValidationError({"countries": _("Choose the countries to take away.")})
    before = _role_snapshot(user)
    if not before["moderator"]:
        raise ValidationError(_("%(user)s is not a moderator.") % {"user": user})
    if not before["countries"]:
        raise ValidationError(
            _(
                "%(user)s moderates every country; to scope them, appoint them for some "
                "countries, or remove the role."
            )
            % {"user": user}
        )
    unknown = sorted(set(codes) - set(before["countries"]))
    if unknown:
        raise ValidationError(
            {
                "countries": _("%(user)s does not moderate %(codes)s.")
                % {"user": user, "codes": ", ".join(unknown)}
            }
        )
    ModeratorScope.objects.filter(user=user, country__in=codes).delete()
    still_moderator = ModeratorScope.objects.filter(user=user).exists()
    if not still_moderator:
        user.groups.remove(_group(MODERATOR_GROUP))
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip
    return still_moderator


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
        if permissions.is_moderator(actor):
            raise PermissionDenied(
                _(
                    "Only global moderators can pre-moderate or shadow-hide a user: the "
                    "measure covers everything they write, in every country, and you "
                    "moderate only %(countries)s."
                )
                % {"countries": _countries_text(actor)}
            )
        raise PermissionDenied(_("Only moderators can change a user's moderation measures."))
    if permissions.is_moderator(user):
        raise ValidationError(
            _("%(user)s is a moderator; remove the role before applying measures.") % {"user": user}
        )


@transaction.atomic
def user_set_premoderation(*, actor, user, enabled: bool, reason: str) -> UserModerationState:
    """Put ``user``'s new annotations under (or take them out of) pre-moderation. Global
    moderators and admins only."""
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
    """Shadow-hide ``user`` (their content is seen only by them and moderators) or undo it.
    Global moderators and admins only."""
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
    # Apps that cache public aggregates (the atlas map) drop them: a shadow-hidden
    # author's content leaves (or rejoins) them.
    events.publish("user.shadow_hidden_changed", user_id=user.pk)
    return state
