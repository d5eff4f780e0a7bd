"""HTML pages for moderation. Thin: parse input, call a service or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors, services


@login_required
def notices(request):
    """The signed-in user's moderation notices; opening the page marks them read."""
    page = Paginator(selectors.notices_for_user(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    response = render(request, "moderation/notices.html", {"page": page})
    services.notices_mark_read(user=request.user, notice_ids=[n.pk for n in page.object_list])
    return response
