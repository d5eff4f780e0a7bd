"""Who may do what in the atlas. Services and selectors both ask these questions, so the
answer is written once; the roles themselves belong to the moderation app
(apps/moderation/permissions.py: the Moderators group, country scopes, superusers).

A moderator scoped to some countries moderates only entries about those countries;
entries about a supranational scope (EU, UN, ...) have no country and belong to global
moderators, as in the review queue.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.moderation import permissions as roles


def is_moderator(user) -> bool:
    """Any moderator (global or scoped) or admin. For questions that do not depend on one
    entry (e.g. whether to show moderation tools at all); decisions about an entry ask
    ``can_moderate_example``."""
    return roles.is_moderator(user)


def example_country(example) -> str | None:
    """The ISO code moderators' scopes are matched against (None for a scope entry)."""
    code = getattr(example.country, "code", example.country)
    return code or None


def can_moderate_example(user, example) -> bool:
    """Whether ``user`` may act as a moderator on ``example`` (publish, reject, edit any
    field, decide suggestions, hide comments, see it unpublished)."""
    return roles.can_moderate_country(user, example_country(example))


def out_of_scope_message(example) -> str:
    country = example_country(example)
    if country:
        return _(
            "This entry is about %(country)s, which is outside the countries you moderate."
        ) % {"country": example.country.name}
    return _("Only global moderators can act on entries about %(scope)s.") % {
        "scope": example.place_name
    }


def moderation_denied_message(user, example, default: str) -> str:
    """``default`` for non-moderators; the scope explanation for scoped moderators."""
    if roles.is_moderator(user) and not can_moderate_example(user, example):
        return out_of_scope_message(example)
    return default
