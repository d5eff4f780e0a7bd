"""One read of where a user stands with moderation, for a write to consult throughout.

A write used to ask moderation separate questions about its author (pre-moderated?
shadow-hidden? trusted? a moderator? a new account?), each a query, some twice.
``standing(user)`` answers them all in at most two queries (the user's groups, which
``permissions.roles`` memoises on the instance, and their ``UserModerationState`` row;
a scoped moderator's countries add one), and services pass the result on::

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


def standing(user) -> Standing:
    """Where ``user`` stands with moderation (ANONYMOUS for a visitor or an inactive
    account). At most two queries, one more for a scoped moderator; the roles part is
    free when this user instance's roles were already read."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    roles = permissions.roles(user)
    state = (
        UserModerationState.objects.filter(user_id=user.pk)
        .values_list("premoderate_annotations", "shadow_hidden")
        .first()
    ) or (False, False)
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
