"""Saved searches and their alerts (issue 18): services that write, selectors that read.

A signed-in user saves a search (the search page's query string: q, kind, filters) and
chooses alerts: a daily or weekly e-mail digest of new results, and a private Atom feed at
a secret, revocable URL. **What an alert contains is decided when it is sent, and it is
only what everyone may see at that moment** (the anonymous visibility of every provider):
a private note — the user's own included — or a hidden annotation or an unpublished entry
never reaches an e-mail or a feed, whose URL may end up in a feed reader or a forwarded
message. A user who is no longer active gets nothing.

**What is new** is found among the rows added since the alert last looked, all of them,
not in the sample of matches a plain search ranks (alert_windows.py): a new match of a
word found in thousands of rows still reaches the digest, the inbox and the feed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.throttles import check_write_rate

from . import alert_windows, selectors
from .models import AlertFrequency, SavedSearch
from .providers import Hit, SearchInputError, SearchRequest

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
    # Taken before searching: a row added meanwhile is looked at by the first alert.
    newest = alert_windows.newest_ids()
    saved.seen = [_key(hit) for hit in saved_search_results(saved)]
    saved.seen_in_app = list(saved.seen)
    saved.watermarks = {"email": alert_windows.start(newest), "in_app": alert_windows.start(newest)}
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
            newest = alert_windows.newest_ids()
            saved.seen_in_app = [_key(hit) for hit in saved_search_results(saved)]
            saved.watermarks = {**saved.watermarks, "in_app": alert_windows.start(newest)}
    saved.full_clean()
    saved.save(update_fields=["email_frequency", "name", "in_app", "seen_in_app", "watermarks"])
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


def _alert_request(saved: SavedSearch) -> SearchRequest | None:
    """The saved search as everyone may see its results (see the module docstring); None
    for an inactive user, or a filter that no longer exists."""
    if not saved.user.is_active:
        return None
    try:
        request, _page, _size = selectors.parse_search_params(
            QueryDict(saved.query_string), viewer=AnonymousUser(), strict=False
        )
    except SearchInputError:
        return None  # say a tag nobody may see any longer
    return request


def saved_search_results(
    saved: SavedSearch, *, limit: int = ALERT_RESULTS, newer_than: dict[str, int] | None = None
) -> list[Hit]:
    """The saved search's best results *now*, as everyone may see them; with
    ``newer_than``, among the rows above those keys only (all of them looked at)."""
    request = _alert_request(saved)
    if request is None:
        return []
    if newer_than is not None:
        request = replace(request, newer_than=newer_than)
    return selectors.search(request=request, page=1, page_size=limit).hits


def saved_search_new_hits(saved: SavedSearch, *, alert: str = "email") -> list[Hit]:
    """What ``alert`` ("email" or "in_app") has not announced yet: the best of the
    matches added since it last looked (alert_windows.py), less those it announced."""
    seen = set(saved.seen if alert == "email" else saved.seen_in_app)
    bounds = alert_windows.lower_bounds(saved.watermarks.get(alert, {}))
    return [hit for hit in saved_search_results(saved, newer_than=bounds) if _key(hit) not in seen]


def saved_search_feed_items(saved: SavedSearch) -> list[Hit]:
    """The feed's items: per kind the newest matches (alert_windows.feed_bounds), as
    everyone may see them, the newest of each kind first. Reading it changes nothing."""
    request = _alert_request(saved)
    if request is None:
        return []
    bounds = alert_windows.feed_bounds(request)
    page_size = alert_windows.FEED_PER_KIND * max(len(bounds), 1)
    request = replace(request, newer_than=bounds)
    return alert_windows.newest_first(
        selectors.search(request=request, page=1, page_size=page_size).hits
    )


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
    # Taken before searching (alert_windows.py): what comes meanwhile, the next run sees.
    newest = alert_windows.newest_ids()
    users = (
        get_user_model()
        .objects.filter(is_active=True, saved_searches__email_frequency=frequency)
        .exclude(email="")
        .distinct()
    )
    sent = 0
    for user in users.iterator():
        sections = []
        searches = list(saved_searches_of(user=user).filter(email_frequency=frequency))
        for saved in searches:
            hits = saved_search_new_hits(saved, alert="email")
            if hits:
                sections.append(DigestSection(saved, hits))
        if not sections:
            _advance(searches, "email", newest)
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
            _advance(searches, "email", newest)
    return sent


def _advance(searches: list[SavedSearch], alert: str, newest: dict[str, int]) -> None:
    """Move ``alert``'s watermarks of ``searches`` on, once their run is done (after its
    e-mail went out: a failed one is tried again with the same rows)."""
    for saved in searches:
        marks = alert_windows.advance(saved.watermarks.get(alert, {}), newest)
        saved.watermarks = {**saved.watermarks, alert: marks}
    # One UPDATE for a user's searches, not one each.
    SavedSearch.objects.bulk_update(searches, ["watermarks"])


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
    # Taken before searching (alert_windows.py): what comes meanwhile, the next run sees.
    newest = alert_windows.newest_ids()
    searches = SavedSearch.objects.filter(in_app=True, user__is_active=True).select_related("user")
    for saved in searches.iterator():
        hits = saved_search_new_hits(saved, alert="in_app")
        if not hits:
            _advance([saved], "in_app", newest)
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
            _advance([saved], "in_app", newest)
        made += notification is not None
    return made
