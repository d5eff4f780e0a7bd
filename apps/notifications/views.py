"""The inbox page: one list for replies, mentions and moderation decisions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.common.validators import as_id

from . import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    """The signed-in user's notifications, newest first. Reading the page changes nothing
    (a GET never changes state: link previews and prefetchers open pages too); a "Mark
    as read" button POSTs the one to mark (``notification``), "Mark all as read" none."""
    if request.method == "POST":
        posted = request.POST.getlist("notification")
        # "Mark as read" names one; a value that is no id marks nothing (not everything).
        ids = [n for value in posted if (n := as_id(value))] if posted else None
        services.notifications_mark_read(user=request.user, notification_ids=ids)
        page_number = request.POST.get("page", "")
        url = reverse("notifications:list")
        return redirect(f"{url}?page={page_number}" if page_number.isdigit() else url)
    page = Paginator(selectors.notifications_for_user(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    unread = any(n.read_at is None for n in page.object_list)
    return render(request, "notifications/list.html", {"page": page, "unread": unread})
