"""HTML pages of the annotations app (the reader UI itself is a reader extension)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    """Your notifications, newest first; POST marks them all read."""
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("annotations:notifications")
    page = Paginator(selectors.notifications_for_user(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "annotations/notifications.html", {"page": page})
