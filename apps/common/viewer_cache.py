"""A small value for the signed-in viewer alone (their unread count in the header),
cached under the versions of the models it reads (apps/common/http_cache.py, ADR 0007).

Transitional: the header's personal bits move to ``GET /api/me/`` and this module goes
(issue 13, lane A). The per-session page cache that lived here is gone: a signed-in
viewer's page is rendered afresh and marked private until it is the same for everyone.
"""

from __future__ import annotations

from django.conf import settings

from . import http_cache

# What an unread count reads: the viewer's notifications and notices, and whether what
# they are about was deleted, hidden or made private.
VIEWER_VALUE_DEPENDS_ON = (
    "annotations.Notification",
    "annotations.Annotation",
    "moderation.ModerationNotice",
    "moderation.HiddenContent",
)


def viewer_value(request, name: str, *, render):
    """``render()`` (picklable, not None) for the signed-in viewer, cached per viewer;
    rendered every time when anonymous or with the cache off or unreachable."""
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not getattr(settings, "VIEWER_VALUE_CACHE_SECONDS", 60)
    ):
        return render()
    return http_cache.fragment(
        "viewer-value", user.pk, name, depends_on=VIEWER_VALUE_DEPENDS_ON, render=render
    )
