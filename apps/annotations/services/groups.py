"""Reading groups: create, rename or delete one, join (open group or invite link), add and remove members,
leave, change a role, make a new invite link, and hide or restore a note inside a group
(its owners and moderators). Who may see a group's notes is decided by the selectors
(membership at the moment of reading); these services decide who is a member.

Errors: PermissionDenied when the actor may see the group but not do this; ValidationError
per field (``name``, ``description``, ``access``, ``username``, ``role``, ``invite``,
``group``); nothing is stored when either is raised.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.common import events, http_cache

from .. import group_selectors
from ..models import (
    GROUP_MANAGERS,
    Annotation,
    GroupAccess,
    GroupLogAction,
    GroupLogEntry,
    GroupMembership,
    GroupRole,
    ReadingGroup,
    Visibility,
    new_invite_token,
)
from .validation import _check_choice, _check_signed_in

NAME_MAX_LENGTH = 80
DESCRIPTION_MAX_LENGTH = 2000


def _clean_text(value, *, field: str, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Give text.")})
    value = " ".join(value.split()) if field == "name" else value.strip()
    if required and not value:
        raise ValidationError({field: _("Give the group a name.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters, please.") % {"n": max_length}})
    return value


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "group"
    slug, n = base, 1
    while ReadingGroup.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _log(group, actor, action, *, annotation=None, member=None, detail: str = "") -> None:
    GroupLogEntry.objects.create(
        group=group,
        actor=actor,
        action=action,
        annotation=annotation,
        member=member,
        detail=detail[:200],
    )


def _locked(group: ReadingGroup) -> ReadingGroup:
    # Membership changes of one group are serialised: two owners removing each other
    # at once must not leave it without an owner.
    return ReadingGroup.objects.select_for_update().get(pk=group.pk)


def _role(group: ReadingGroup, user) -> str | None:
    return group_selectors.role_in(user=user, group=group)


def _owner_count(group: ReadingGroup) -> int:
    return GroupMembership.objects.filter(group=group, role=GroupRole.OWNER).count()


@transaction.atomic
def group_create(
    *, creator, name: str, description: str = "", access: str = GroupAccess.INVITE
) -> ReadingGroup:
    """Anyone signed in creates a group and becomes its owner."""
    _check_signed_in(creator)
    name = _clean_text(name, field="name", max_length=NAME_MAX_LENGTH, required=True)
    description = _clean_text(
        description, field="description", max_length=DESCRIPTION_MAX_LENGTH, required=False
    )
    access = _check_choice(access or GroupAccess.INVITE, GroupAccess.values, "access")
    group = ReadingGroup(
        name=name,
        slug=_unique_slug(name),
        description=description,
        access=access,
        invite_token=new_invite_token(),
        created_by=creator,
    )
    group.full_clean()
    group.save()
    GroupMembership.objects.create(group=group, user=creator, role=GroupRole.OWNER)
    events.publish("group.created", group_id=group.pk)
    return group


@transaction.atomic
def group_join(*, user, group: ReadingGroup, invite: str | None = None) -> GroupMembership:
    """``user`` joins ``group``: an open group takes anyone signed in, an invite-only one
    needs the current invite token. Joining twice changes nothing."""
    _check_signed_in(user)
    group = _locked(group)
    existing = GroupMembership.objects.filter(group=group, user=user).first()
    if existing is not None:
        return existing
    if group.access != GroupAccess.OPEN and not group_selectors.invite_matches(group, invite):
        raise ValidationError(
            {"invite": _("This invite link is not valid any more. Ask the group for a new one.")}
        )
    membership = GroupMembership.objects.create(group=group, user=user, role=GroupRole.MEMBER)
    events.publish("group.membership_changed", group_id=group.pk, user_id=user.pk)
    return membership


def _user_named(username) -> object:
    if not isinstance(username, str) or not username.strip():
        raise ValidationError({"username": _("Give a username.")})
    user = get_user_model().objects.filter(username=username.strip()[:150], is_active=True).first()
    if user is None:
        raise ValidationError(
            {
                "username": _("There is no contributor “%(username)s”.")
                % {"username": username[:150]}
            }
        )
    return user


@transaction.atomic
def group_member_add(
    *, actor, group: ReadingGroup, username: str, role: str = GroupRole.MEMBER
) -> GroupMembership:
    """An owner adds ``username`` (or, if they are in already, changes their role). The
    last owner cannot make themselves anything less."""
    _check_signed_in(actor)
    group = _locked(group)
    if _role(group, actor) != GroupRole.OWNER:
        raise PermissionDenied(_("Only the group's owners can add members."))
    role = _check_choice(role or GroupRole.MEMBER, GroupRole.values, "role")
    user = _user_named(username)
    membership = GroupMembership.objects.filter(group=group, user=user).first()
    if membership is None:
        try:
            with transaction.atomic():
                membership = GroupMembership.objects.create(group=group, user=user, role=role)
        except IntegrityError:  # added by another owner a moment ago
            membership = GroupMembership.objects.get(group=group, user=user)
        else:
            _log(group, actor, GroupLogAction.ADD, member=user, detail=role)
            events.publish("group.membership_changed", group_id=group.pk, user_id=user.pk)
            return membership
    if membership.role != role:
        if membership.role == GroupRole.OWNER and _owner_count(group) == 1:
            raise ValidationError(
                {"role": _("The group needs an owner: make someone else owner first.")}
            )
        membership.role = role
        membership.save(update_fields=["role"])
        _log(group, actor, GroupLogAction.ROLE, member=user, detail=role)
        events.publish("group.membership_changed", group_id=group.pk, user_id=user.pk)
    return membership


@transaction.atomic
def group_member_remove(*, actor, group: ReadingGroup, username: str) -> None:
    """Remove ``username`` from ``group``: anyone may leave (their own username); owners
    remove anyone, moderators plain members. The last owner cannot leave while others
    remain. From this commit on, the removed member sees none of the group's notes (the
    selectors ask for membership on every read)."""
    _check_signed_in(actor)
    group = _locked(group)
    actor_role = _role(group, actor)
    if actor_role is None:
        raise PermissionDenied(_("You are not a member of this group."))
    user = _user_named(username) if username != actor.get_username() else actor
    membership = GroupMembership.objects.filter(group=group, user=user).first()
    if membership is None:
        raise ValidationError(
            {"username": _("%(username)s is not a member.") % {"username": username}}
        )
    leaving = user.pk == actor.pk
    if not leaving:
        allowed = actor_role == GroupRole.OWNER or (
            actor_role == GroupRole.MODERATOR and membership.role == GroupRole.MEMBER
        )
        if not allowed:
            raise PermissionDenied(
                _("Only owners remove members; moderators remove members without a role.")
            )
    if membership.role == GroupRole.OWNER and _owner_count(group) == 1:
        others = GroupMembership.objects.filter(group=group).exclude(pk=membership.pk).exists()
        if others:
            raise ValidationError(
                {"username": _("The group needs an owner: make someone else owner first.")}
            )
    membership.delete()
    if not leaving:
        _log(group, actor, GroupLogAction.REMOVE, member=user)
    events.publish("group.membership_changed", group_id=group.pk, user_id=user.pk)


def group_leave(*, user, group: ReadingGroup) -> None:
    """``user`` leaves ``group`` (see :func:`group_member_remove`)."""
    _check_signed_in(user)
    group_member_remove(actor=user, group=group, username=user.get_username())


@transaction.atomic
def group_invite_rotate(*, actor, group: ReadingGroup) -> ReadingGroup:
    """A new invite link (owners): every earlier link stops working."""
    _check_signed_in(actor)
    group = _locked(group)
    if _role(group, actor) != GroupRole.OWNER:
        raise PermissionDenied(_("Only the group's owners can make a new invite link."))
    group.invite_token = new_invite_token()
    group.save(update_fields=["invite_token", "modified"])
    _log(group, actor, GroupLogAction.ROTATE)
    return group


@transaction.atomic
def group_rename(
    *, actor, group: ReadingGroup, name: str, description: str | None = None
) -> ReadingGroup:
    """An owner renames the group (and may rewrite its description). The slug, and so
    every link and invite link, stays. Logged in the group's log (old → new name)."""
    _check_signed_in(actor)
    group = _locked(group)
    if _role(group, actor) != GroupRole.OWNER:
        raise PermissionDenied(_("Only the group's owners can rename it."))
    name = _clean_text(name, field="name", max_length=NAME_MAX_LENGTH, required=True)
    if description is not None:
        description = _clean_text(
            description, field="description", max_length=DESCRIPTION_MAX_LENGTH, required=False
        )
    before = group.name
    changed = name != group.name or (description is not None and description != group.description)
    if not changed:
        return group
    group.name = name
    if description is not None:
        group.description = description
    group.full_clean()
    group.save(update_fields=["name", "description", "modified"])
    if name != before:
        _log(group, actor, GroupLogAction.RENAME, detail=f"{before} → {name}")
    return group


@transaction.atomic
def group_delete(*, actor, group: ReadingGroup) -> int:
    """An owner deletes the group. Its notes and replies are not deleted and never become
    public: each becomes **private to its own author** (a reply to someone else's note
    stays with its author, without the thread around it). Members, the group's log and
    the invite link go; open review items about its notes close (nobody else may see them
    now). One row in the site's audit log (the group's id and counts, not its name or
    notes: site moderators may not read group content). Returns how many notes became
    private."""
    from apps.moderation.models import AuditAction
    from apps.moderation.services import review_items_close_as_private
    from apps.moderation.services.audit import audit_record

    from ..models import Visibility as V

    _check_signed_in(actor)
    group = _locked(group)
    if _role(group, actor) != GroupRole.OWNER:
        raise PermissionDenied(_("Only the group's owners can delete it."))
    member_ids = list(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True))
    notes = Annotation.objects.filter(group=group)
    note_ids = list(notes.values_list("pk", flat=True))
    # One statement (the constraint "group iff visibility group" holds row by row); the
    # pages that show annotations are told by hand (update() sends no signal).
    http_cache.update_and_invalidate(notes, visibility=V.PRIVATE, group=None)
    for note in Annotation.objects.filter(pk__in=note_ids).only("pk"):
        review_items_close_as_private(
            target=note,
            reason=_("Its reading group was deleted: only its author can see it now."),
        )
    audit_record(
        actor=actor, action=AuditAction.GROUP_CHANGE, target=None,
        reason=_("Reading group deleted"),
        before={"group": group.pk, "members": len(member_ids), "notes": len(note_ids)},
        after=None,
    )  # fmt: skip
    group_id = group.pk
    group.delete()  # memberships and the group's log go with it
    for user_id in member_ids:
        # Open reader sockets re-check their groups: the group's channel is gone.
        events.publish("group.membership_changed", group_id=group_id, user_id=user_id)
    return len(note_ids)


def _check_group_manager(annotation: Annotation, actor) -> None:
    _check_signed_in(actor)
    if annotation.visibility != Visibility.GROUP or annotation.group_id is None:
        raise PermissionDenied(_("Only notes in a group are moderated by the group."))
    if group_selectors.role_in(user=actor, group=annotation.group) not in GROUP_MANAGERS:
        raise PermissionDenied(_("Only the group's owners and moderators can do this."))


@transaction.atomic
def group_annotation_hide(*, annotation: Annotation, actor) -> Annotation:
    """A group's owner or moderator hides a note in the group from its members (its
    author and the group's managers still see it). Logged in the group's log."""
    annotation = (
        Annotation.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=annotation.pk)
    )
    _check_group_manager(annotation, actor)
    if not annotation.hidden:
        annotation.hidden = True
        annotation._history_user = actor
        annotation.save(update_fields=["hidden", "modified"])
        _log(annotation.group, actor, GroupLogAction.HIDE, annotation=annotation)
        events.publish("annotation.hidden", annotation_id=annotation.pk)
    return annotation


# Site moderators' decisions that keep a flagged note hidden.
_HIDING_DECISIONS = ("hide", "reject", "spam")


def _held_by_site_moderators(annotation: Annotation) -> bool:
    """Whether the note's latest review item (a member flagged it) is still open, or
    ended with a site moderator hiding it: the group does not overrule the site."""
    from django.contrib.contenttypes.models import ContentType

    from apps.moderation.models import ReviewItem, ReviewStatus

    latest = (
        ReviewItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Annotation),
            object_id=str(annotation.pk),
        )
        .order_by("-created", "-id")
        .values("status", "decision")
        .first()
    )
    if latest is None:
        return False
    return latest["status"] == ReviewStatus.OPEN or latest["decision"] in _HIDING_DECISIONS


@transaction.atomic
def group_annotation_restore(*, annotation: Annotation, actor) -> Annotation:
    """Undo :func:`group_annotation_hide` (the group's owners and moderators). A note the
    site's moderators hold (flagged and under review, or hidden by their decision) stays
    hidden: PermissionDenied."""
    annotation = (
        Annotation.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=annotation.pk)
    )
    _check_group_manager(annotation, actor)
    if annotation.hidden and _held_by_site_moderators(annotation):
        raise PermissionDenied(
            _("The site's moderators are reviewing this note or hid it; only they can restore it.")
        )
    if annotation.hidden:
        annotation.hidden = False
        annotation._history_user = actor
        annotation.save(update_fields=["hidden", "modified"])
        _log(annotation.group, actor, GroupLogAction.RESTORE, annotation=annotation)
        events.publish("annotation.restored", annotation_id=annotation.pk)
    return annotation
