"""Reads for reading groups (docs/annotations.md, "Reading groups"). The notes in a group
are read through ``selectors.annotations_visible`` like every other annotation, so
membership is decided in one place (``selectors.visibility_q``); this module answers
"which groups, who is in them, what may this person see of a group".

A group someone may not see (invite-only, not a member, no valid invite) is a 404,
indistinguishable from a group that does not exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.http import Http404

from . import selectors
from .models import (
    GROUP_MANAGERS,
    Annotation,
    GroupAccess,
    GroupLogEntry,
    GroupMembership,
    ReadingGroup,
)

RECENT_LIMIT = 20


@dataclass(frozen=True)
class GroupView:
    """A group as one viewer may see it. ``role`` is None for a visitor (an open group,
    or an invite link): they learn its name, description and size, nothing else."""

    group: ReadingGroup
    role: str | None
    invited: bool = False

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def manages(self) -> bool:
        return self.role in GROUP_MANAGERS

    @property
    def owns(self) -> bool:
        return self.role == "owner"


def role_in(*, user, group: ReadingGroup) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        GroupMembership.objects.filter(group=group, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def invite_matches(group: ReadingGroup, token: str | None) -> bool:
    """Constant-time comparison, so the token cannot be guessed character by character."""
    return bool(token) and secrets.compare_digest(str(token), group.invite_token)


def groups_for_user(*, user) -> QuerySet:
    """The groups ``user`` is in, with ``my_role`` and ``member_count``, by name."""
    if user is None or not user.is_authenticated:
        return ReadingGroup.objects.none()
    mine = GroupMembership.objects.filter(user_id=user.pk).values("group_id")
    return (
        _with_my_role(ReadingGroup.objects.filter(pk__in=mine), user)
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name", "id")
    )


def group_ids_for(*, user_id: int) -> set[int]:
    """The ids of the groups ``user_id`` is in now (live updates re-check on every
    membership change)."""
    return set(GroupMembership.objects.filter(user_id=user_id).values_list("group_id", flat=True))


def group_creator_id(*, group_id: int) -> int | None:
    return ReadingGroup.objects.filter(pk=group_id).values_list("created_by_id", flat=True).first()


def _with_my_role(queryset: QuerySet, user) -> QuerySet:
    return queryset.annotate(
        my_role=Subquery(
            GroupMembership.objects.filter(group=OuterRef("pk"), user_id=user.pk).values("role")[:1]
        )
    )


def group_view(*, viewer, slug: str, invite_token: str | None = None) -> GroupView:
    """``slug`` as ``viewer`` may see it, or Http404: members see it; anyone signed in
    sees an open group's outside, and anyone with the current invite token an
    invite-only group's outside (to accept the invitation)."""
    group = ReadingGroup.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if group is None:
        raise Http404("No such group.")
    role = role_in(user=viewer, group=group)
    if role is not None:
        return GroupView(group=group, role=role)
    if invite_matches(group, invite_token):
        return GroupView(group=group, role=None, invited=True)
    if group.access == GroupAccess.OPEN and viewer is not None and viewer.is_authenticated:
        return GroupView(group=group, role=None)
    raise Http404("No such group.")


def group_for_member(*, user, slug: str) -> ReadingGroup | None:
    """The group ``slug`` if ``user`` is in it (to write a note there), else None."""
    if user is None or not user.is_authenticated or not isinstance(slug, str):
        return None
    return ReadingGroup.objects.filter(slug=slug, memberships__user_id=user.pk).first()


def group_members(*, group: ReadingGroup) -> QuerySet:
    """Members with their user rows: owners first, then moderators, then by joining."""
    order = Case(
        When(role="owner", then=Value(0)),
        When(role="moderator", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        GroupMembership.objects.filter(group=group)
        .select_related("user")
        .annotate(rank=order)
        .order_by("rank", "joined", "id")
    )


def member_count(*, group: ReadingGroup) -> int:
    return GroupMembership.objects.filter(group=group).count()


def group_annotations(*, viewer, group: ReadingGroup) -> QuerySet:
    """The group's notes and replies ``viewer`` may see (none unless they are a member),
    not deleted, newest first, source joined."""
    return (
        selectors.annotations_visible(viewer=viewer)
        .filter(group=group, deleted_at__isnull=True)
        .select_related("source")
        .defer("source__abstract")
        .order_by("-created", "-id")
    )


def group_sources(*, viewer, group: ReadingGroup) -> list[dict]:
    """[{slug, title, count}] of the sources the group's visible notes are on, the most
    annotated first (the group page's "annotations by source")."""
    rows = (
        group_annotations(viewer=viewer, group=group)
        .order_by()
        .values("source__slug", "source__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "source__title")
    )
    return [
        {"slug": row["source__slug"], "title": row["source__title"], "count": row["n"]}
        for row in rows
    ]


def group_log(*, group: ReadingGroup, limit: int = 50) -> QuerySet:
    """The group's log (for its owners and moderators)."""
    return GroupLogEntry.objects.filter(group=group).select_related("actor", "member")[:limit]


def group_note_count(*, group: ReadingGroup) -> int:
    """How many notes and replies the group holds (deleted ones aside): what its owner
    is told before deleting it."""
    return Annotation.objects.filter(group=group, deleted_at__isnull=True).count()
