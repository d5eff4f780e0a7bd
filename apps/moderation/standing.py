"""One read of where a user stands with moderation, for a write to consult throughout.

A write used to ask moderation separate questions about its author (pre-moderated?
shadow-hidden? trusted? a moderator? a new account?), each a query, some twice.
``standing(user)`` answers them all in one query (the user's role groups, which it
memoises on the instance as ``permissions.roles`` does, and their ``UserModerationState``
row; a moderator's countries add one; with the roles already memoised, only the row is
read), and services pass the result on::

    author_standing = standing(author)
    annotation.awaiting_approval = author_standing.premoderated
    ...
    _notify(annotation, author_standing=author_standing)

It is a snapshot for one write: it is not cached across requests, so a measure a
moderator takes applies to the author's next write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from . import permissions
from .models import UserModerationState

# The stricter rate limits and some review rules apply to accounts younger than this
# (apps/common/throttles.py uses the same age).
NEW_ACCOUNT_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Standing:
    signed_in: bool = False
    #: Any moderator or admin (sees hidden and shadow-hidden content).
    is_moderator: bool = False
    is_admin: bool = False
    #: For a moderator: None = every country, else the ISO codes they moderate.
    scopes: frozenset[str] | None = frozenset()
    #: Trusted contributors, moderators and admins: their work skips pre-moderation.
    trusted: bool = False
    #: Their new public annotations and replies wait for a moderator.
    premoderated: bool = False
    #: Their content is hidden from everyone but them and moderators.
    shadow_hidden: bool = False
    #: Joined less than NEW_ACCOUNT_AGE ago: stricter rate limits.
    new_account: bool = False


ANONYMOUS = Standing()


def _roles_and_state(user) -> tuple[permissions.Roles, tuple[bool, bool]]:
    """The user's role groups and measures in one query (each a round trip that waits
    for PostgreSQL on a busy machine: make load's writers); the roles are memoised on
    the instance as ``permissions.roles`` does."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    in_group = {
        name: Exists(Group.objects.filter(user=OuterRef("pk"), name=name))
        for name in (permissions.TRUSTED_GROUP, permissions.MODERATOR_GROUP)
    }
    row = (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .annotate(trusted_group=in_group[permissions.TRUSTED_GROUP])
        .annotate(moderator_group=in_group[permissions.MODERATOR_GROUP])
        .values_list(
            "trusted_group",
            "moderator_group",
            "moderation_state__premoderate_annotations",
            "moderation_state__shadow_hidden",
        )
        .first()
    ) or (False, False, None, None)
    trusted, moderator, premoderated, shadow_hidden = row
    names = {
        name
        for name, member in (
            (permissions.TRUSTED_GROUP, trusted),
            (permissions.MODERATOR_GROUP, moderator),
        )
        if member
    }
    roles = permissions.remember_roles(user, group_names=names)
    return roles, (bool(premoderated), bool(shadow_hidden))


def standing(user) -> Standing:
    """Where ``user`` stands with moderation (ANONYMOUS for a visitor or an inactive
    account). One query, one more for a moderator (their countries)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    if permissions.roles_known(user):
        roles = permissions.roles(user)
        state = (
            UserModerationState.objects.filter(user_id=user.pk)
            .values_list("premoderate_annotations", "shadow_hidden")
            .first()
        ) or (False, False)
    else:
        roles, state = _roles_and_state(user)
    joined = getattr(user, "date_joined", None)
    return Standing(
        signed_in=True,
        is_moderator=roles.moderator,
        is_admin=roles.admin,
        scopes=roles.countries if roles.moderator else frozenset(),
        trusted=roles.trusted,
        premoderated=state[0],
        shadow_hidden=state[1],
        new_account=bool(joined) and timezone.now() - joined < NEW_ACCOUNT_AGE,
    )
