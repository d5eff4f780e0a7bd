"""HTML pages of the annotations app (the reader UI itself is a reader extension)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods

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


@require_GET
def annotation_share(request, pk: int):
    """``/a/<id>/``: one annotation's share link. Redirects to the reader of its version
    at the passage of its thread, with the thread open (``?thread=``, read by
    static/js/annotations/main.js). 404 to whoever may not see it (someone else's
    private note, a hidden one without replies), exactly as the API's detail; the answer
    depends on the viewer, so no shared cache keeps it."""
    target = selectors.annotation_share_target(viewer=request.user, annotation_id=pk)
    response = HttpResponseRedirect(target)
    patch_cache_control(response, private=True, no_cache=True)
    return response
