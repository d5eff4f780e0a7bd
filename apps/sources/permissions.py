"""Who may do what with a source and its versions (docs/moderation.md, "Source
stewardship"). Pure questions; services and selectors ask here, templates only hide what
these already forbid.

- A source's **maintainers** (``SourceMaintainer`` rows: the uploader, then whoever a
  maintainer or moderator adds) and **moderators** (global moderators and admins: sources
  belong to no country, so country-scoped moderators are not among them) are its
  *stewards*: they publish new versions directly, accept or reject proposals, withdraw
  versions and name maintainers. A source without maintainers (the founding paper) is
  looked after by the moderators alone.
- Anyone else signed in may *propose* a version.
- A published version is readable by everyone who may see the source; a proposal (waiting
  or rejected) by its proposer and the stewards; a withdrawn version by the stewards.
- A source hidden by moderation (a rejected or spam upload) is visible to its stewards
  only.
"""

from __future__ import annotations

from apps.moderation import permissions as moderation_permissions

from .models import DocumentStatus, SourceMaintainer

_MAINTAINS_ATTRIBUTE = "_sources_maintained_ids"


def is_source_moderator(user) -> bool:
    """Moderators who may act on any source: global moderators and admins."""
    return moderation_permissions.can_moderate_country(user, None)


def is_maintainer(user, source) -> bool:
    """Whether ``user`` is one of ``source``'s maintainers (one query, memoised per user
    and source for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cache = user.__dict__.setdefault(_MAINTAINS_ATTRIBUTE, {})
    if source.pk not in cache:
        cache[source.pk] = SourceMaintainer.objects.filter(source=source, user=user).exists()
    return cache[source.pk]


def remember_maintainers(user, source, maintainer_ids) -> None:
    """Record the answer from a list of the source's maintainers already loaded (the
    source page loads them anyway), so ``is_maintainer`` costs no query."""
    if user is not None and user.is_authenticated:
        cache = user.__dict__.setdefault(_MAINTAINS_ATTRIBUTE, {})
        cache[source.pk] = user.pk in set(maintainer_ids)


def forget_maintainers(user) -> None:
    """Drop the memoised answers (after this user's maintainer rows changed)."""
    if user is not None:
        user.__dict__.pop(_MAINTAINS_ATTRIBUTE, None)


def can_steward(user, source) -> bool:
    """Publish directly, decide proposals, withdraw versions, name maintainers."""
    return is_source_moderator(user) or is_maintainer(user, source)


def can_see_source(user, source, *, hidden: bool) -> bool:
    """``hidden``: whether moderation hid the source (the caller knows; see
    ``selectors.source_get``)."""
    return not hidden or can_steward(user, source)


def can_propose(user) -> bool:
    return moderation_permissions.is_signed_in(user)


def can_read_document(user, document, *, source=None) -> bool:
    """Whether ``user`` may read this version of a source they can see."""
    source = source or document.source
    if document.status == DocumentStatus.READY:
        return True
    if document.status in (DocumentStatus.PROPOSED, DocumentStatus.REJECTED):
        if user is not None and user.is_authenticated and document.created_by_id == user.pk:
            return True
        return can_steward(user, source)
    if document.status == DocumentStatus.WITHDRAWN:
        return can_steward(user, source)
    return False


def can_see_import(user, document) -> bool:
    """The import status page: the uploader and the source's stewards."""
    if user is None or not user.is_authenticated:
        return False
    return document.created_by_id == user.pk or can_steward(user, document.source)
