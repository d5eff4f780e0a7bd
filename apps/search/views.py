"""Search page. Thin: parse the query string, call the selector, render."""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.common.client_ip import client_ip
from apps.common.http_cache import public_page
from apps.common.public import public_view

from . import activity as activity_module
from . import personal, registry, saved_searches, selectors
from .models import AlertFrequency
from .providers import SearchInputError

# What activity and user pages read (by label: search sits below the apps whose content
# it shows): the content and the moderation rows that decide who sees it.
CONTENT_DEPENDS_ON = (
    "sources.Source",
    "sources.Document",
    "annotations.Annotation",
    "annotations.AnnotationAnchor",
    "atlas.Example",
    "atlas.Category",
    "atlas.ExampleContributor",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
    "contenttypes.ContentType",
)
SEARCH_DEPENDS_ON = selectors.SEARCH_DEPENDS_ON


@public_view
@public_page(depends_on=SEARCH_DEPENDS_ON)
def search(request):
    facets = registry.facets()
    context = {"q": request.GET.get("q", "")}
    try:
        search_request, page, page_size = selectors.parse_search_params(
            request.GET, viewer=request.user, strict=False
        )
    except SearchInputError as exc:
        context["error"] = exc
        return render(request, "search/search.html", context, status=400)
    results = selectors.search(
        request=search_request, page=page, page_size=page_size, with_facets=True
    )
    url_with = _url_maker(request.GET)

    def url(**changes) -> str:
        return url_with(**{"page": None, **changes})

    base = reverse("search:search")

    def value_url(name: str):
        return _value_url_maker(base, request.GET, name, page=None)

    # "lower_bound": the count is "at least" (a phrase's bounded sample, see docs/search.md).
    kind_tabs = [
        {"label": None, "kind": "", "count": sum(results.counts_by_kind.values()),
         "lower_bound": bool(results.inexact_kinds), "url": url(kind=None),
         "current": not search_request.kind},
    ] + [
        {"label": provider.label, "kind": kind, "count": results.counts_by_kind.get(kind, 0),
         "lower_bound": kind in results.inexact_kinds, "url": url(kind=kind),
         "current": search_request.kind == kind}
        for kind, provider in registry.providers().items()
        if kind in results.counts_by_kind
    ]  # fmt: skip
    facet_groups = [
        {
            "facet": facets[name],
            "values": [
                {"label": v.label, "count": v.count, "url": link(str(v.value))} for v in values
            ],
        }
        for name, values in results.facets.items()
        if name not in search_request.filters
        for link in [value_url(name)]
    ]
    active_filters = [
        {
            "facet": facets[name],
            "label": _facet_label(results, name, value),
            "remove_url": url(**{name: None}),
        }
        for name, value in search_request.filters.items()
    ]
    context.update(
        {
            "results": results,
            "search_request": search_request,
            "kind_tabs": kind_tabs,
            "facet_groups": facet_groups,
            "active_filters": active_filters,
            "clear_filters_url": _url_with(QueryDict(mutable=True), q=search_request.query.raw),
            # "Save this search" posts the search as it is (the saved form keeps q, kind
            # and the filters: saved_searches.canonical_query_string).
            "save_fields": [
                (name, request.GET.get(name, ""))
                for name in ("q", "kind", *facets)
                if request.GET.get(name, "")
            ],
            "did_you_mean_url": url(q=results.did_you_mean) if results.did_you_mean else "",
            "first_number": (page - 1) * page_size + 1,
            "previous_url": url(page=page - 1) if page > 1 else "",
            "next_url": url(page=page + 1) if page < results.num_pages else "",
        }
    )
    return render(request, "search/search.html", context)


@require_GET
def search_personal(request):
    """The search page's private fragment (static/js/site.js loads it for a signed-in
    viewer): what the viewer finds that the page, the same for everyone, cannot show:
    their own notes that are not public and their reading groups' notes (personal.py).
    Empty for an anonymous visitor and for a search the page itself refuses; never stored
    by a shared cache."""
    results = personal.PersonalResults()
    if request.user.is_authenticated:
        try:
            search_request, _page, _size = selectors.parse_search_params(
                request.GET, viewer=request.user, strict=False
            )
        except SearchInputError:
            search_request = None
        if search_request is not None and search_request.query.raw:
            results = personal.search_personal(request=search_request)
    response = render(request, "search/_personal.html", {"personal": results})
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _url_maker(params: QueryDict):
    """``url_with(**changes)``: the search URL with ``params`` changed (a value replaces
    the key's values, None drops the key), as ``QueryDict.copy()`` and ``urlencode()``
    would build it. A page links some sixty such URLs (tabs, facets, pages): copying the
    QueryDict and reversing the URL for each cost ~8 ms a page on the CI machine."""
    base = reverse("search:search")
    original = dict(params.lists())

    def url_with(**changes) -> str:
        query = dict(original)
        for key, value in changes.items():
            if value is None:
                query.pop(key, None)
            else:
                query[key] = [value]
        encoded = urlencode([(key, str(v)) for key, values in query.items() for v in values])
        return base + (f"?{encoded}" if encoded else "")

    return url_with


def _value_url_maker(base: str, params: QueryDict, name: str, **changes):
    """``link(value)``: ``url_with(**changes, name=value)`` for many values of one name
    (a facet's list): the rest of the query string is encoded once, each link encodes only
    its value (as ``urlencode`` would)."""
    query = {**dict(params.lists()), name: [None]}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = [value]
    before, after, seen = [], [], False
    for key, values in query.items():
        for value in values:
            if key == name:
                seen = True
                continue
            (after if seen else before).append(f"{quote_plus(key)}={quote_plus(str(value))}")
    head = base + "?" + "".join(f"{pair}&" for pair in before)
    head += quote_plus(name) + "="
    tail = "".join(f"&{pair}" for pair in after)

    def link(value: str) -> str:
        return head + quote_plus(value) + tail

    return link


def _url_with(params: QueryDict, **changes) -> str:
    return _url_maker(params)(**changes)


def _facet_label(results, name: str, value) -> str:
    for facet_value in results.facets.get(name, []):
        if facet_value.value == value:
            return facet_value.label
    return str(value)


@public_view
@public_page(depends_on=CONTENT_DEPENDS_ON)
def activity(request):
    """Recent activity (new sources and versions, public annotations and replies,
    published atlas entries), filterable by source, country and tag, with an Atom feed
    per filtered view."""
    raw_filters = {name: request.GET.get(name, "") for name in ("source", "country", "tag")}
    try:
        filters = activity_module.parse_activity_filters(request.GET, viewer=request.user)
    except SearchInputError as exc:
        return render(
            request, "search/activity.html", {"error": exc, "raw_filters": raw_filters}, status=400
        )
    items = activity_module.recent_activity(viewer=request.user, filters=filters)
    query = request.GET.copy()
    query.pop("page", None)
    feed_url = reverse("search:activity_feed") + (f"?{query.urlencode()}" if query else "")
    return render(
        request,
        "search/activity.html",
        {
            "items": items,
            "filters": filters,
            "raw_filters": raw_filters,
            "filter_description": activity_module.describe_filters(filters),
            "feed_url": feed_url,
        },
    )


@public_view
@public_page(depends_on=CONTENT_DEPENDS_ON)
def contributor(request, username: str):
    user = selectors.contributor_get(username=username)
    sections = activity_module.contributions(user=user, viewer=request.user)
    context = {
        "contributor": user,
        "sections": sections,
        "personal_fragments": activity_module.personal_fragments(user=user),
    }
    return render(request, "search/contributor.html", context)


# --- Saved searches (private pages: the signed-in user's own) --------------------------


@login_required
def saved_list(request):
    """The user's saved searches with their alerts; POST saves the search in the posted
    fields (the search page's "Save this search" form)."""
    error = None
    if request.method == "POST":
        try:
            saved = saved_searches.saved_search_create(
                user=request.user,
                params=request.POST,
                name=request.POST.get("name", ""),
                email_frequency=_frequency(request.POST.get("email_frequency", "")),
                with_feed=request.POST.get("with_feed") == "on",
                in_app=request.POST.get("in_app") == "on",
                ip=client_ip(request),
            )
        except ValidationError as exc:
            error = " ".join(
                message for messages_ in exc.message_dict.values() for message in messages_
            )
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
            return redirect("search:saved_list")
    return _render_saved_list(request, error=error, status=400 if error else 200)


@login_required
@require_POST
def saved_change(request, pk: int):
    """One saved search: ``action`` = update (e-mail alert, name), feed (new secret URL),
    revoke (no feed), delete. Only its owner's; anyone else's is a 404."""
    saved = get_object_or_404(saved_searches.saved_searches_of(user=request.user), pk=pk)
    action = request.POST.get("action", "")
    ip = client_ip(request)
    if action == "update":
        saved_searches.saved_search_update(
            user=request.user, saved=saved, ip=ip, name=request.POST.get("name"),
            email_frequency=_frequency(request.POST.get("email_frequency", "")),
            in_app=request.POST.get("in_app") == "on",
        )  # fmt: skip
        messages.success(request, _("Your alert was changed."))
    elif action in ("feed", "revoke"):
        saved_searches.saved_search_set_feed(
            user=request.user, saved=saved, enabled=action == "feed", ip=ip
        )
        messages.success(
            request,
            _("A new feed address was made; the old one no longer works.")
            if action == "feed"
            else _("The feed was turned off."),
        )
    elif action == "delete":
        saved_searches.saved_search_delete(user=request.user, saved=saved, ip=ip)
        messages.success(request, _("The saved search was deleted."))
    else:
        return _render_saved_list(request, error=_("Unknown action."), status=400)
    return redirect("search:saved_list")


def _frequency(raw: str) -> str:
    return raw if raw in AlertFrequency.values else AlertFrequency.NEVER


def _render_saved_list(request, *, error, status: int):
    response = render(
        request,
        "search/saved_list.html",
        {
            "saved_searches": saved_searches.saved_searches_of(user=request.user),
            "frequencies": AlertFrequency.choices,
            "error": error,
        },
        status=status,
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response
