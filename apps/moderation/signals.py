"""Cache upkeep only (no business rules): the navigation's "is this user a moderator"
answer is warmed at sign-in and dropped when anyone's groups change, including through
the Django admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from . import permissions


def warm_nav_flag(sender, request, user, **kwargs) -> None:
    permissions.remember_nav_flag(user)


def groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # user.groups.add(...)
        permissions.forget_roles(instance)
        permissions.forget_nav_flag([instance.pk])
    elif pk_set:  # group.user_set.add(...)
        permissions.forget_nav_flag(pk_set)
    elif action == "post_clear":  # group.user_set.clear(): who was in it is gone; drop all
        permissions.forget_nav_flag(get_user_model().objects.values_list("pk", flat=True))
