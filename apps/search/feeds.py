"""Atom feed of recent activity; the same filters as /activity/ (``?source=<slug>``).

Every link in it is absolute on SITE_URL (apps/common/site.py): Django's syndication
would otherwise prefix the Sites row's domain (``example.com``) or the request's host."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from apps.common.http_cache import public_page
from apps.common.site import absolute_url

from . import activity, saved_searches, views
from .providers import SearchInputError


class ActivityFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        try:
            filters = activity.parse_activity_filters(request.GET, viewer=request.user)
        except SearchInputError as exc:
            # A feed reader cannot show a form error; an unknown filter is "no such feed".
            raise Http404(exc.message) from exc
        return {
            "filters": filters,
            "viewer": request.user,
            "query": request.GET.urlencode(),
            "path": request.path,
        }

    def title(self, obj):
        description = activity.describe_filters(obj["filters"])
        base = _("Creditscape: recent activity")
        return f"{base} ({description})" if description else base

    def link(self, obj):
        url = reverse("search:activity")
        return absolute_url(f"{url}?{obj['query']}" if obj["query"] else url)

    def feed_url(self, obj):
        return absolute_url(f"{obj['path']}?{obj['query']}" if obj["query"] else obj["path"])

    def subtitle(self, obj):
        return _("New sources and versions, annotations and atlas entries.")

    def items(self, obj):
        return activity.recent_activity(viewer=obj["viewer"], filters=obj["filters"])

    def item_title(self, item):
        return f"{item.kind_label}: {item.title}"

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return absolute_url(item.url)

    def item_guid(self, item):
        return f"{item.kind}:{item.url}:{item.timestamp.isoformat()}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.timestamp

    def item_updateddate(self, item):
        return item.timestamp

    def item_author_name(self, item):
        return item.actor.public_name if item.actor else None


# The feed shows what /activity/ shows.
activity_feed = public_page(depends_on=(*views.CONTENT_DEPENDS_ON, "sites.Site"))(ActivityFeed())


class SavedSearchFeed(Feed):
    """A saved search's newest results as Atom, at a secret URL (``feed_token``).

    Private: answered ``Cache-Control: private, no-cache`` and never stored in the shared
    cache; a revoked or unknown token is a 404. It lists per kind the newest matches
    everyone may see now (``saved_searches.saved_search_feed_items``), never the owner's
    private notes; polling it changes nothing."""

    feed_type = Atom1Feed

    def get_object(self, request, token):
        saved = saved_searches.saved_search_by_feed_token(token=token)
        if saved is None:
            raise Http404(_("No such feed."))
        return saved

    def title(self, obj):
        return _("Creditscape: %(name)s") % {"name": obj.name}

    def link(self, obj):
        return absolute_url(f"{reverse('search:search')}?{obj.query_string}")

    def feed_url(self, obj):
        return absolute_url(reverse("search:saved_feed", args=[obj.feed_token]))

    def subtitle(self, obj):
        return _("The newest results of a saved search, as anyone may see them.")

    def items(self, obj):
        return saved_searches.saved_search_feed_items(obj)

    def item_title(self, item):
        return f"{item.kind_label}: {item.title}"

    def item_description(self, item):
        return item.snippet

    def item_link(self, item):
        return absolute_url(item.url)

    def item_guid(self, item):
        return f"{item.kind}:{item.id}"

    item_guid_is_permalink = False


def saved_search_feed(request, token: str):
    response = SavedSearchFeed()(request, token=token)
    patch_cache_control(response, private=True, no_cache=True)
    return response
