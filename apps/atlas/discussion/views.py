"""HTML actions for the discussion under an entry: post, delete, hide, give back a
deleted comment. Thin: parse input, call a service, redirect (a refused comment
re-renders the entry page with the text kept)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.common.throttles import RateLimited
from apps.common.validators import as_id

from ..entries.selectors import example_get
from ..entries.views import entry_page_context
from ..models import EntryComment
from . import services


@login_required
@require_POST
def comment_post(request, pk: int):
    """Post a comment or a reply (``parent``). A refused comment re-renders the entry
    page with the text kept and the reason (400; 429 with Retry-After when throttled)."""
    example = example_get(viewer=request.user, example_id=pk)
    body = request.POST.get("body", "")
    parent_id = request.POST.get("parent", "").strip()
    try:
        comment = services.comment_create(
            author=request.user,
            example=example,
            body=body,
            # A malformed id names no comment: the service says so.
            parent_id=(as_id(parent_id) or 0) if parent_id else None,
        )
    except RateLimited as exc:
        response = render(
            request,
            "atlas/example_detail.html",
            entry_page_context(
                request,
                example,
                comment_body=body,
                comment_parent=parent_id,
                comment_error=str(exc),
            ),
            status=429,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        return render(
            request,
            "atlas/example_detail.html",
            entry_page_context(
                request,
                example,
                comment_body=body,
                comment_parent=parent_id,
                comment_error=" ".join(exc.messages),
            ),
            status=400,
        )
    return redirect(f"{example.get_absolute_url()}#{comment.html_id}")


def _comment_for_action(request, pk: int) -> EntryComment:
    comment = get_object_or_404(EntryComment.objects.select_related("example"), pk=pk)
    # An entry the user cannot see has no comments for them.
    example_get(viewer=request.user, example_id=comment.example_id)
    return comment


@login_required
@require_POST
def comment_delete(request, pk: int):
    comment = _comment_for_action(request, pk)
    services.comment_delete(actor=request.user, comment=comment)
    messages.success(request, _("Comment deleted."))
    return redirect(f"{comment.example.get_absolute_url()}#discussion")


@login_required
@require_POST
def comment_hide(request, pk: int):
    comment = _comment_for_action(request, pk)
    hidden = request.POST.get("hidden") == "1"
    services.comment_set_hidden(moderator=request.user, comment=comment, hidden=hidden)
    messages.success(request, _("Comment hidden.") if hidden else _("Comment shown again."))
    return redirect(f"{comment.example.get_absolute_url()}#{comment.html_id}")


@login_required
@require_POST
def comment_restore(request, pk: int):
    """Give back a deleted comment (moderators, with a reason)."""
    comment = get_object_or_404(EntryComment.objects.select_related("example"), pk=pk)
    try:
        services.comment_restore_deleted(
            actor=request.user, comment=comment, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The comment is back."))
    example = comment.example
    return redirect("atlas:example_history", pk=example.pk, slug=example.slug)
