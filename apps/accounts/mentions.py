"""Links for ``@username`` mentions in rendered Markdown (apps/common/markdown.py): one
query for all the names a text mentions; only active accounts get a link, to their
contributor page. Names match as the notifications match them (exactly)."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from apps.common.markdown import mentioned_usernames

from .models import User


def mention_links(text: str) -> Callable[[str], str | None] | None:
    """A ``mention_url`` for ``render_markdown(text, mention_url=…)``: the contributor
    page of each active user ``text`` mentions; None when it mentions nobody."""
    names = mentioned_usernames(text)
    if not names:
        return None
    found = set(
        User.objects.filter(is_active=True, username__in=names).values_list("username", flat=True)
    )

    def url(name: str) -> str | None:
        # "search:contributor" is the public user page: named, not imported (layers).
        return reverse("search:contributor", args=[name]) if name in found else None

    return url
