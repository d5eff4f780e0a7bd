"""Saved searches and their alerts (issue 18): services that write, selectors that read.

A signed-in user saves a search (the search page's query string: q, kind, filters) and
chooses alerts: a daily or weekly e-mail digest of new results, and a private Atom feed at
a secret, revocable URL. **What an alert contains is decided when it is sent, and it is
only what everyone may see at that moment** (the anonymous visibility of every provider):
a private note — the user's own included — or a hidden annotation or an unpublished entry
never reaches an e-mail or a feed, whose URL may end up in a feed reader or a forwarded
message. A user who is no longer active gets nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.throttles import check_write_rate

from . import selectors
from .models import AlertFrequency, SavedSearch
from .providers import Hit, SearchInputError

MAX_SAVED_SEARCHES = 50
ALERT_RESULTS = 50
# Keys of results already announced, per saved search (older ones are forgotten first).
MAX_SEEN = 2000


@dataclass(frozen=True)
class DigestSection:
    saved: SavedSearch
    hits: list[Hit]


def canonical_query_string(params: QueryDict) -> str:
    """The saved form of a search: q, kind and the filters, in a fixed order, without
    paging (``page``, ``page_size``) or parameters the search does not know."""
    from . import registry

    keep = ["q", "kind", *registry.facets()]
    pairs = [(name, params.get(name, "").strip()) for name in keep]
    query = QueryDict(mutable=True)
    for name, value in pairs:
        if value:
            query[name] = value
    return query.urlencode()


def _check_owner(*, user, saved: SavedSearch) -> None:
    if not user.is_authenticated or saved.user_id != user.pk:
        raise PermissionDenied(_("This is not your saved search."))


@transaction.atomic
def saved_search_create(
    *, user, params: QueryDict, name: str = "", email_frequency: str = AlertFrequency.NEVER,
    with_feed: bool = False, in_app: bool = False, ip: str | None = None,
) -> SavedSearch:  # fmt: skip
    """Save the search in ``params`` for ``user``. Raises PermissionDenied (not signed in,
    RateLimited), ValidationError (nothing to search for, a bad filter value, already
    saved, too many saved searches); nothing is stored then. Results that exist now are
    marked as seen: the first digest lists only what is new after saving."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to save searches."))
    check_write_rate(kind="saved_search", user=user, ip=ip)
    try:
        request, _page, _size = selectors.parse_search_params(params, viewer=user, strict=False)
    except SearchInputError as exc:
        raise ValidationError({exc.field: exc.message}) from exc
    if not request.query.raw or not request.query.is_searchable:
        raise ValidationError({"q": _("Type at least one word to look for before saving.")})
    query_string = canonical_query_string(params)
    if SavedSearch.objects.filter(user=user, query_string=query_string).exists():
        raise ValidationError({"q": _("You have saved this search already.")})
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            {"q": _("You can keep at most %(max)s saved searches.") % {"max": MAX_SAVED_SEARCHES}}
        )
    saved = SavedSearch(
        user=user,
        name=(" ".join(name.split()) or request.query.raw)[:120],
        query_string=query_string,
        email_frequency=email_frequency,
        feed_token=_new_token() if with_feed else None,
        in_app=in_app,
    )
    saved.full_clean()
    saved.seen = [_key(hit) for hit in saved_search_results(saved)]
    saved.seen_in_app = list(saved.seen)
    saved.save()
    return saved


@transaction.atomic
def saved_search_update(
    *, user, saved: SavedSearch, email_frequency: str, name: str | None = None,
    in_app: bool | None = None, ip: str | None = None,
) -> SavedSearch:  # fmt: skip
    """Change the alerts (e-mail, in the app) and the name of the user's own saved
    search. Turning in-app alerts on announces only results that come after."""
    _check_owner(user=user, saved=saved)
    check_write_rate(kind="saved_search", user=user, ip=ip)
    saved.email_frequency = email_frequency
    if name is not None and " ".join(name.split()):
        saved.name = " ".join(name.split())[:120]
    if in_app is not None and in_app != saved.in_app:
        saved.in_app = in_app
        if in_app:
            saved.seen_in_app = [_key(hit) for hit in saved_search_results(saved)]
    saved.full_clean()
    saved.save(update_fields=["email_frequency", "name", "in_app", "seen_in_app"])
    return saved


@transaction.atomic
def saved_search_set_feed(*, user, saved: SavedSearch, enabled: bool, ip: str | None = None):
    """Give the saved search a new secret feed URL (the old one stops working), or revoke
    it (``enabled`` False)."""
    _check_owner(user=user, saved=saved)
    check_write_rate(kind="saved_search", user=user, ip=ip)
    saved.feed_token = _new_token() if enabled else None
    saved.save(update_fields=["feed_token"])
    return saved


@transaction.atomic
def saved_search_delete(*, user, saved: SavedSearch, ip: str | None = None) -> None:
    _check_owner(user=user, saved=saved)
    check_write_rate(kind="saved_search", user=user, ip=ip)
    saved.delete()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _key(hit: Hit) -> str:
    return f"{hit.kind}:{hit.id}"


# --- Reads --------------------------------------------------------------------------------


def saved_searches_of(*, user):
    return SavedSearch.objects.filter(user=user)


def saved_search_by_feed_token(*, token: str) -> SavedSearch | None:
    if not token or len(token) > 64:
        return None
    return (
        SavedSearch.objects.select_related("user")
        .filter(feed_token=token, user__is_active=True)
        .first()
    )


def saved_search_results(saved: SavedSearch, *, limit: int = ALERT_RESULTS) -> list[Hit]:
    """The saved search's best results *now*, as everyone may see them (see the module
    docstring); nothing for an inactive user, or a filter that no longer exists."""
    if not saved.user.is_active:
        return []
    try:
        request, _page, _size = selectors.parse_search_params(
            QueryDict(saved.query_string), viewer=AnonymousUser(), strict=False
        )
    except SearchInputError:
        return []  # say a tag nobody may see any longer
    return selectors.search(request=request, page=1, page_size=limit).hits


def saved_search_new_hits(saved: SavedSearch) -> list[Hit]:
    seen = set(saved.seen)
    return [hit for hit in saved_search_results(saved) if _key(hit) not in seen]


# --- Digests ------------------------------------------------------------------------------


def saved_searches_send_digests(*, frequency: str, now: datetime | None = None) -> int:
    """Send each user whose saved searches have e-mail alerts at ``frequency`` one e-mail
    listing their new results (only if there are any). Returns the number of e-mails.
    Each saved search remembers what it announced (``seen``) once its e-mail is sent, so
    a retried run does not send the same results again."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    from apps.common.site import absolute_url

    now = now or timezone.now()
    users = (
        get_user_model()
        .objects.filter(is_active=True, saved_searches__email_frequency=frequency)
        .exclude(email="")
        .distinct()
    )
    sent = 0
    for user in users.iterator():
        sections = []
        for saved in saved_searches_of(user=user).filter(email_frequency=frequency):
            hits = saved_search_new_hits(saved)
            if hits:
                sections.append(DigestSection(saved, hits))
        if not sections:
            continue
        context = {
            "user": user,
            "sections": [
                {
                    "name": section.saved.name,
                    "search_url": absolute_url(f"/search/?{section.saved.query_string}"),
                    "hits": [
                        {"title": hit.title, "kind": hit.kind_label, "url": absolute_url(hit.url)}
                        for hit in section.hits
                    ],
                }
                for section in sections
            ],
            "manage_url": absolute_url("/search/saved/"),
        }
        subject = _("New results for your saved searches")
        send_mail(subject, render_to_string("search/email/digest.txt", context), None, [user.email])
        sent += 1
        with transaction.atomic():
            for section in sections:
                section.saved.seen = (section.saved.seen + [_key(h) for h in section.hits])[
                    -MAX_SEEN:
                ]
                section.saved.last_sent_at = now
                section.saved.save(update_fields=["seen", "last_sent_at"])
    return sent


# --- In-app alerts ------------------------------------------------------------------------

ALERT_TITLES = 5


def saved_searches_send_in_app(*, now: datetime | None = None) -> int:
    """For every saved search with in-app alerts of an active user, one notification in
    the one inbox (apps.notifications) when it has new results, listing up to
    ``ALERT_TITLES`` of their titles. Results are what everyone may see at sending time
    (``saved_search_results``: ADR 0014), never the owner's own private notes. No e-mail
    (the digest is the e-mail alert). The notification's subject is the saved search:
    deleting the search takes its alerts out of the inbox. Returns the number made."""
    from apps.notifications.models import NotificationKind
    from apps.notifications.services import notification_create

    now = now or timezone.now()
    made = 0
    searches = SavedSearch.objects.filter(in_app=True, user__is_active=True).select_related("user")
    for saved in searches.iterator():
        seen = set(saved.seen_in_app)
        hits = [hit for hit in saved_search_results(saved) if _key(hit) not in seen]
        if not hits:
            continue
        titles = [f"{hit.kind_label}: {hit.title}" for hit in hits[:ALERT_TITLES]]
        if len(hits) > ALERT_TITLES:
            titles.append(_("and %(n)s more") % {"n": len(hits) - ALERT_TITLES})
        with transaction.atomic():
            notification = notification_create(
                recipient=saved.user,
                kind=NotificationKind.SEARCH_ALERT,
                subject=saved,
                target_label=saved.name,
                target_url=f"/search/?{saved.query_string}",
                text="\n".join(titles),
                send_email=False,
            )
            saved.seen_in_app = (saved.seen_in_app + [_key(hit) for hit in hits])[-MAX_SEEN:]
            saved.save(update_fields=["seen_in_app"])
        made += notification is not None
    return made
