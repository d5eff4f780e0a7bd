"""Who may act on an atlas entry: view it, edit it, change its status, moderate it,
restore or merge it, suggest edits and decide on them, comment and hide comments.

One module, asked by the services (before they write), the selectors (what a list
shows), the views and the API (which buttons and forms to offer), so each answer is
written once. The roles themselves belong to the moderation app
(apps/moderation/permissions.py: the Moderators group, country scopes, trusted
contributors, superusers).

A moderator scoped to some countries moderates only entries about those countries;
entries about a supranational scope (EU, UN, ...) have no country and belong to global
moderators, as in the review queue.

Visibility of whole lists is a queryset (``entries.selectors.examples_visible_to``), so
no list can leak by a forgotten filter; ``can_view`` asks the same queryset about one
entry.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.moderation import permissions as roles

from .entries.selectors import examples_visible_to
from .models import EntryComment, Example, Status, SuggestedEdit

# --- Roles ----------------------------------------------------------------------------------


def is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_author(user, example: Example) -> bool:
    return is_signed_in(user) and example.author_id == user.pk


def is_moderator(user) -> bool:
    """Any moderator (global or scoped) or admin. For questions that do not depend on one
    entry (e.g. whether to show moderation tools at all); decisions about an entry ask
    ``can_moderate_example``."""
    return roles.is_moderator(user)


def example_country(example: Example) -> str | None:
    """The ISO code moderators' scopes are matched against (None for a scope entry)."""
    code = getattr(example.country, "code", example.country)
    return code or None


def can_moderate_example(user, example: Example) -> bool:
    """Whether ``user`` may act as a moderator on ``example`` (publish, reject, edit any
    field, decide suggestions, hide comments, restore versions, see it unpublished)."""
    return roles.can_moderate_country(user, example_country(example))


def skips_premoderation(user) -> bool:
    """Trusted contributors (and moderators, admins): their entries are published when
    they submit them, and their edits to published entries go live (post-reviewed)."""
    return roles.is_trusted(user)


# --- Refusals in words ------------------------------------------------------------------------


def out_of_scope_message(example: Example, *, numbered: bool = False) -> str:
    """Why a moderator of other countries may not act on ``example`` (``numbered``: name
    the entry by its number, where two entries are at stake)."""
    country = example_country(example)
    if numbered:
        return _("Entry #%(id)s is about %(place)s, outside the countries you moderate.") % {
            "id": example.pk,
            "place": example.place_name,
        }
    if country:
        return _(
            "This entry is about %(country)s, which is outside the countries you moderate."
        ) % {"country": example.country.name}
    return _("Only global moderators can act on entries about %(scope)s.") % {
        "scope": example.place_name
    }


def moderation_denied_message(user, example: Example, default: str) -> str:
    """``default`` for non-moderators; the scope explanation for scoped moderators."""
    if roles.is_moderator(user) and not can_moderate_example(user, example):
        return out_of_scope_message(example)
    return default


def require_moderator_of(user, *examples: Example, message: str) -> None:
    """PermissionDenied unless ``user`` moderates every one of ``examples``: ``message``
    for someone who moderates nothing, the scope explanation for a moderator of other
    countries."""
    if not roles.is_moderator(user):
        raise PermissionDenied(message)
    for example in examples:
        if not can_moderate_example(user, example):
            raise PermissionDenied(out_of_scope_message(example, numbered=len(examples) > 1))


def require_signed_in(user) -> None:
    if not is_signed_in(user):
        raise PermissionDenied(_("Sign in to contribute to the atlas."))


# --- Viewing ----------------------------------------------------------------------------------


def can_view(user, example: Example) -> bool:
    """Whether ``user`` may see ``example`` (one query): published entries everyone, the
    others their author and moderators of their country (examples_visible_to)."""
    return examples_visible_to(viewer=user).filter(pk=example.pk).exists()


def can_read_history(user, example: Example) -> bool:
    """An entry's history: whoever may see the entry, and moderators of its country for
    every entry, merged ones included (to audit or undo the merge)."""
    return can_moderate_example(user, example) or can_view(user, example)


# --- Editing ----------------------------------------------------------------------------------

# States in which the author may still edit their own entry. Published entries stay
# editable by their author (changes go live and are recorded in the history; the
# moderation console adds post-review and pre-moderation on top, issue 5 §2); rejected
# and archived entries are closed.
AUTHOR_EDITABLE = (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED)


def can_edit(*, user, example: Example) -> bool:
    """Whether ``user`` may change ``example``: moderators of its country any entry not
    archived, the author their own entry in one of AUTHOR_EDITABLE."""
    if can_moderate_example(user, example):
        return example.status != Status.ARCHIVED
    return is_author(user, example) and example.status in AUTHOR_EDITABLE


def needs_review(*, user, example: Example) -> bool:
    """Whether ``user``'s edit of ``example`` must wait for a moderator: the author of a
    published entry who is not yet trusted (and does not moderate it). Their edit
    becomes a suggested edit that only moderators decide; the published text stays as
    it is meanwhile (docs/moderation.md, "Pre-moderation")."""
    return (
        example.status == Status.PUBLISHED
        and is_author(user, example)
        and not skips_premoderation(user)
        and not can_moderate_example(user, example)
    )


# --- Status changes ---------------------------------------------------------------------------

# Who may make each status change: the entry's author (moderators may too) or moderators.
AUTHOR, MODERATOR = "author", "moderator"
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Status.SUBMITTED): AUTHOR,
    (Status.CHANGES_REQUESTED, Status.SUBMITTED): AUTHOR,
    (Status.SUBMITTED, Status.DRAFT): AUTHOR,  # withdraw from review to keep editing
    (Status.SUBMITTED, Status.PUBLISHED): MODERATOR,
    (Status.SUBMITTED, Status.CHANGES_REQUESTED): MODERATOR,
    (Status.SUBMITTED, Status.REJECTED): MODERATOR,
    (Status.PUBLISHED, Status.ARCHIVED): MODERATOR,
    # A flagged or badly edited published entry goes back to its author, off the map.
    (Status.PUBLISHED, Status.CHANGES_REQUESTED): MODERATOR,
    (Status.ARCHIVED, Status.PUBLISHED): MODERATOR,
}


def can_transition(*, user, example: Example, to: str) -> bool:
    """Whether ``user`` may move ``example`` from its status to ``to`` (a change that
    does not exist is refused here too)."""
    who = TRANSITIONS.get((example.status, to))
    if who is None:
        return False
    return can_moderate_example(user, example) or (who == AUTHOR and is_author(user, example))


def allowed_transitions(*, user, example: Example) -> list[str]:
    """The statuses ``user`` may move ``example`` to (for buttons and the API)."""
    moderator = can_moderate_example(user, example)
    author = is_author(user, example)
    return [
        target
        for (source, target), who in TRANSITIONS.items()
        if source == example.status and (moderator or (who == AUTHOR and author))
    ]


# --- Restoring, merging, research status ------------------------------------------------------


def can_restore(*, user, example: Example) -> bool:
    """Moderators of the entry's country restore earlier versions (not of a merged entry:
    undo the merge first)."""
    return example.status != Status.MERGED and can_moderate_example(user, example)


def can_merge(*, user, example: Example) -> bool:
    """Moderators of the entry's country merge it into another (of their countries too)
    or undo a merge."""
    return can_moderate_example(user, example)


def can_mark_research_status(user, country: str) -> bool:
    """Moderators of ``country`` record that it was researched and nothing was found."""
    return roles.can_moderate_country(user, country)


# --- Suggested edits --------------------------------------------------------------------------

SUGGESTION_CLOSED_STATES = (Status.ARCHIVED, Status.REJECTED)


def can_suggest(*, user, example: Example) -> bool:
    """Whether to offer "Suggest an edit": signed in, not the author, entry still open.
    (suggestion_create also checks that the user can see the entry.)"""
    return (
        is_signed_in(user)
        and example.author_id != user.pk
        and example.status not in SUGGESTION_CLOSED_STATES
    )


def can_review_suggestions(*, user, example: Example) -> bool:
    """The entry's author and its moderators see every open suggestion on it (others see
    only their own) and are the ones who decide."""
    return can_moderate_example(user, example) or is_author(user, example)


def can_decide_suggestion(*, user, suggestion: SuggestedEdit) -> bool:
    """Moderators of the entry's country decide on suggestions; so does the entry's author,
    on suggestions by others (an author's own pending edit is for moderators only)."""
    if can_moderate_example(user, suggestion.example):
        return True
    return is_author(user, suggestion.example) and suggestion.proposer_id != user.pk


def can_see_suggestion(*, user, suggestion: SuggestedEdit) -> bool:
    """A suggestion is a proposal to moderators and the entry's author, not public
    content: its proposer, the entry's author and moderators see it."""
    return is_moderator(user) or (
        is_signed_in(user) and user.pk in (suggestion.proposer_id, suggestion.example.author_id)
    )


# --- Discussion -------------------------------------------------------------------------------


def can_comment(*, user, example: Example) -> bool:
    """Signed-in users comment under the entries they can see (the services load the
    entry through ``examples_visible_to`` first)."""
    return is_signed_in(user)


def is_comment_author(user, comment: EntryComment) -> bool:
    return is_signed_in(user) and comment.author_id == user.pk


def can_delete_comment(*, user, comment: EntryComment) -> bool:
    """A comment's author, and moderators of its entry's country."""
    return is_comment_author(user, comment) or can_moderate_example(user, comment.example)


def can_moderate_discussion(*, user, example: Example) -> bool:
    """Moderators of the entry's country hide its comments, show them again and give back
    deleted ones."""
    return can_moderate_example(user, example)
