"""The user directory for moderators (``/moderation/users/``): find a person by name,
username, ORCID iD or (global moderators only) e-mail, filter by standing, and go on to
their page to change roles and measures (views.user_roles, which checks each change).

Who sees what follows docs/moderation.md: any moderator may list users and their roles;
e-mail addresses and the measures (pre-moderation, shadow-hiding) are global moderators'
business, so scoped moderators neither see those columns nor filter by them.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions
from .models import ModeratorScope

#: "New accounts" in the directory: joined within this long.
NEW_ACCOUNT_WINDOW = timedelta(days=7)

#: Filters anyone who may open the directory can use; MEASURE_FILTERS need a global moderator.
ROLE_FILTERS = ("new", "trusted", "moderators")
MEASURE_FILTERS = ("premoderated", "shadow_hidden")


def _in_group(name: str):
    return Exists(Group.objects.filter(name=name, user=OuterRef("pk")))


def user_directory(*, viewer, query: str = "", status: str = "", country: str = "") -> QuerySet:
    """Users matching ``query`` and the ``status`` filter, by username, with
    ``is_moderator``/``is_trusted`` annotated and moderator scopes and measures loaded
    (a fixed number of queries whatever the page size). Raises PermissionDenied for
    non-moderators and for a measure filter asked by a scoped moderator."""
    if not permissions.can_view_queue(viewer):
        raise PermissionDenied(_("Only moderators can open the user directory."))
    global_view = permissions.can_manage_users(viewer)
    if status in MEASURE_FILTERS and not global_view:
        raise PermissionDenied(_("Only global moderators can filter by measures."))
    users = (
        get_user_model()
        .objects.annotate(
            is_moderator=_in_group(permissions.MODERATOR_GROUP),
            is_trusted=_in_group(permissions.TRUSTED_GROUP),
        )
        .select_related("moderation_state")
        .prefetch_related(
            Prefetch("moderator_scopes", queryset=ModeratorScope.objects.order_by("country"))
        )
        .order_by("username", "pk")
    )
    query = query.strip()
    if query:
        match = (
            Q(username__icontains=query)
            | Q(display_name__icontains=query)
            | Q(orcid__icontains=query)
        )
        if global_view:
            match |= Q(email__icontains=query)
        users = users.filter(match)
    if status == "new":
        users = users.filter(date_joined__gte=timezone.now() - NEW_ACCOUNT_WINDOW)
    elif status == "trusted":
        users = users.filter(Q(is_trusted=True) | Q(is_superuser=True))
    elif status == "moderators":
        users = users.filter(Q(is_moderator=True) | Q(is_superuser=True))
        if country:
            # Who can moderate this country: scoped to it, or global (no scope rows).
            users = users.filter(
                Q(moderator_scopes__country=country)
                | ~Exists(ModeratorScope.objects.filter(user=OuterRef("pk")))
            ).distinct()
    elif status == "premoderated":
        users = users.filter(moderation_state__premoderate_annotations=True)
    elif status == "shadow_hidden":
        users = users.filter(moderation_state__shadow_hidden=True)
    return users
