"""Who may do what. Pure functions of the user (and the item's country); every service
and selector asks here, and templates only hide what these already forbid.

Roles: contributor (any signed-in, active user), trusted contributor (group "Trusted
contributors"), moderator (group "Moderators"; global, or scoped to the countries in
ModeratorScope), admin (superuser: everything, everywhere).

A user's roles are read once per request object (one query for the groups, one more for
a moderator's scopes) and memoised on the user instance, so checks in the view, the
templates and the navigation cost nothing extra. Services that change roles call
``forget_roles``.
"""

from __future__ import annotations

from dataclasses import dataclass

TRUSTED_GROUP = "Trusted contributors"
MODERATOR_GROUP = "Moderators"
_CACHE_ATTRIBUTE = "_moderation_roles"


@dataclass(frozen=True)
class Roles:
    signed_in: bool = False
    trusted: bool = False
    moderator: bool = False
    admin: bool = False
    #: For a moderator: None = every country, else the ISO codes they may moderate.
    countries: frozenset[str] | None = None


ANONYMOUS = Roles()


def roles(user) -> Roles:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = user.__dict__.get(_CACHE_ATTRIBUTE)
    if cached is not None:
        return cached
    if user.is_superuser:
        return remember_roles(user, group_names=set())
    from django.contrib.auth.models import Group

    names = set(
        Group.objects.filter(user=user, name__in=[TRUSTED_GROUP, MODERATOR_GROUP]).values_list(
            "name", flat=True
        )
    )
    return remember_roles(user, group_names=names)


def roles_known(user) -> bool:
    """Whether ``roles(user)`` costs no query: memoised on this instance, a superuser,
    or nobody signed in."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_superuser:
        return True
    return _CACHE_ATTRIBUTE in user.__dict__


def remember_roles(user, *, group_names: set[str]) -> Roles:
    """The roles of a signed-in, active ``user`` whose role groups (among TRUSTED_GROUP
    and MODERATOR_GROUP) the caller has read, memoised on the instance like ``roles``
    (``moderation.standing`` reads them with the user's measures, in one query). A
    moderator's countries cost one query."""
    if user.is_superuser:
        result = Roles(signed_in=True, trusted=True, moderator=True, admin=True)
    else:
        moderator = MODERATOR_GROUP in group_names
        countries = None
        if moderator:
            from .models import ModeratorScope

            codes = frozenset(
                ModeratorScope.objects.filter(user=user).values_list("country", flat=True)
            )
            countries = codes or None
        result = Roles(
            signed_in=True,
            trusted=moderator or TRUSTED_GROUP in group_names,
            moderator=moderator,
            countries=countries,
        )
    user.__dict__[_CACHE_ATTRIBUTE] = result
    return result


# --- The navigation link -----------------------------------------------------------------
# Every page shows (or not) the "Moderation" link; asking the database on every page would
# add a query to all of them. The answer is cached per user (warmed at sign-in, dropped
# when their groups change), so pages cost no query for it. A stale answer only shows or
# hides a link for a while: the moderation pages themselves always check afresh.
NAV_CACHE_SECONDS = 60 * 60


def _nav_key(user_id: int, date_joined) -> str:
    # date_joined keeps a reused primary key (test databases) from inheriting an answer.
    stamp = f"{date_joined.timestamp():.6f}" if date_joined else "0"
    return f"moderation:nav:{user_id}:{stamp}"


def shows_moderation_link(user) -> bool:
    """Whether to show the Moderation link: no query once cached."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = user.__dict__.get(_CACHE_ATTRIBUTE)
    if cached is not None:
        return cached.moderator
    if user.is_superuser:
        return True
    from django.core.cache import cache

    key = _nav_key(user.pk, user.date_joined)
    value = cache.get(key)
    if value is None:
        value = is_moderator(user)
        cache.set(key, value, NAV_CACHE_SECONDS)
    return value


def remember_nav_flag(user) -> None:
    """Warm the cache (at sign-in, so the first page costs no query for the link)."""
    from django.core.cache import cache

    if user is not None and user.pk is not None:
        forget_roles(user)
        cache.set(_nav_key(user.pk, user.date_joined), is_moderator(user), NAV_CACHE_SECONDS)


def forget_nav_flag(user_ids) -> None:
    """Drop cached link answers after a group change, once the change is committed."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import transaction

    ids = list(user_ids)

    def drop() -> None:
        rows = get_user_model().objects.filter(pk__in=ids).values_list("pk", "date_joined")
        cache.delete_many([_nav_key(pk, joined) for pk, joined in rows])

    if ids:
        transaction.on_commit(drop)


def forget_roles(user) -> None:
    """Drop the memoised roles (after a role change on this instance)."""
    if user is not None:
        user.__dict__.pop(_CACHE_ATTRIBUTE, None)


def is_signed_in(user) -> bool:
    return roles(user).signed_in


def is_admin(user) -> bool:
    return roles(user).admin


def is_moderator(user) -> bool:
    return roles(user).moderator


def is_global_moderator(user) -> bool:
    r = roles(user)
    return r.moderator and r.countries is None


def is_trusted(user) -> bool:
    """Trusted contributors, moderators and admins: their work skips pre-moderation."""
    return roles(user).trusted


def moderator_countries(user) -> frozenset[str] | None:
    """None for a global moderator or admin; the scope for a scoped moderator; an empty
    set for everyone else."""
    r = roles(user)
    if not r.moderator:
        return frozenset()
    return r.countries


def can_moderate_country(user, country_code: str | None) -> bool:
    """Whether ``user`` may act on content about ``country_code``. Content without a
    country belongs to global moderators."""
    r = roles(user)
    if not r.moderator:
        return False
    if r.countries is None:
        return True
    return bool(country_code) and country_code.upper() in r.countries


def can_view_queue(user) -> bool:
    return is_moderator(user)


def can_work_item(user, item) -> bool:
    """Claim, release or decide one review item."""
    return can_moderate_country(user, item.country or None)


def can_read_log(user) -> bool:
    """Any moderator opens the log; ``log_countries`` says which rows they read."""
    return is_moderator(user)


def log_countries(user) -> frozenset[str] | None:
    """The audit-log rows ``user`` may read: None = every row (global moderators, admins);
    for a scoped moderator, the rows whose country is one of theirs and no others (never
    a row without a country: role changes, measures on users, sources, annotations);
    an empty set for everyone else."""
    return moderator_countries(user)


def can_flag(user) -> bool:
    return is_signed_in(user)


def can_manage_trusted(user) -> bool:
    """Grant or revoke trusted status. Global moderators and admins only: a trusted
    contributor publishes in every country without review, so a moderator scoped to some
    countries cannot hand that out."""
    return is_global_moderator(user)


def can_manage_moderators(user) -> bool:
    return is_admin(user)


def can_set_user_measures(user) -> bool:
    """Put users under pre-moderation or shadow-hide them. Global moderators and admins
    only: the measures apply to everything the user writes, in every country."""
    return is_global_moderator(user)


def can_manage_users(user) -> bool:
    """Whether the user page offers any role or measure change to ``user``."""
    return can_manage_trusted(user) or can_set_user_measures(user) or can_manage_moderators(user)


def sees_shadow_hidden(user) -> bool:
    return is_moderator(user)
