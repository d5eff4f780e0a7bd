"""Stewardship (docs/moderation.md, "Source stewardship"): who looks after a source.
Maintainers and moderators name and remove maintainers, with an audit row each."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.moderation.models import AuditAction
from apps.moderation.services import audit_record

from .. import permissions
from ..models import Source, SourceMaintainer


def _check_steward(actor, source: Source, message: str) -> None:
    if not permissions.can_steward(actor, source):
        raise PermissionDenied(message)


def _maintainer_names(source: Source) -> list[str]:
    return list(
        SourceMaintainer.objects.filter(source=source)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )


def _find_user(username: str):
    username = (username or "").strip().lstrip("@")
    if not username:
        raise ValidationError({"username": _("Give the username of the person.")})
    users = get_user_model().objects.filter(is_active=True)
    user = (
        users.filter(username=username).first() or users.filter(username__iexact=username).first()
    )
    if user is None:
        raise ValidationError(
            {"username": _("There is no account named “%(name)s”.") % {"name": username[:150]}}
        )
    return user


@transaction.atomic
def maintainer_add(*, actor, source: Source, username: str, reason: str = "") -> SourceMaintainer:
    """Make the account ``username`` a maintainer of ``source``. Its maintainers and
    moderators may; audit row (maintainer_change) with the list before and after.
    Raises PermissionDenied and ValidationError (no such account; already one)."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    _check_steward(
        actor, source, _("Only this source's maintainers and moderators can name maintainers.")
    )
    user = _find_user(username)
    if SourceMaintainer.objects.filter(source=source, user=user).exists():
        raise ValidationError(
            {"username": _("%(name)s already maintains this source.") % {"name": user.username}}
        )
    before = _maintainer_names(source)
    maintainer = SourceMaintainer.objects.create(source=source, user=user, added_by=actor)
    permissions.forget_maintainers(user)
    audit_record(
        actor=actor,
        action=AuditAction.MAINTAINER_CHANGE,
        target=source,
        reason=(reason or "").strip() or _("Added %(name)s.") % {"name": user.username},
        before={"maintainers": before},
        after={"maintainers": _maintainer_names(source)},
    )
    return maintainer


@transaction.atomic
def maintainer_remove(*, actor, source: Source, username: str, reason: str = "") -> None:
    """Remove ``username`` from ``source``'s maintainers (a maintainer may step down).
    With no maintainer left, the moderators look after the source. Its maintainers and
    moderators may; audit row (maintainer_change). Raises PermissionDenied and
    ValidationError (not a maintainer)."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    _check_steward(
        actor, source, _("Only this source's maintainers and moderators can remove maintainers.")
    )
    user = _find_user(username)
    before = _maintainer_names(source)
    deleted, _rows = SourceMaintainer.objects.filter(source=source, user=user).delete()
    if not deleted:
        raise ValidationError(
            {"username": _("%(name)s does not maintain this source.") % {"name": user.username}}
        )
    permissions.forget_maintainers(user)
    permissions.forget_maintainers(actor)
    audit_record(
        actor=actor,
        action=AuditAction.MAINTAINER_CHANGE,
        target=source,
        reason=(reason or "").strip() or _("Removed %(name)s.") % {"name": user.username},
        before={"maintainers": before},
        after={"maintainers": _maintainer_names(source)},
    )
