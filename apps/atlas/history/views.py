"""HTML pages for an entry's history and restoring a version. Thin: parse input, call
history/selectors.py or history/services.py, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.common.public import public_view
from apps.common.validators import as_id

from ..discussion.selectors import deleted_comments
from ..entries.services import StaleVersion
from ..merge.selectors import merge_destination, merges_for
from ..models import Status
from ..permissions import can_moderate_example, can_restore
from . import selectors, services


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@public_view
def example_history(request, pk: int, slug: str):
    """Every version of an entry, newest first, with what changed in each."""
    example = selectors.example_for_history(viewer=request.user, example_id=pk)
    if example.status == Status.MERGED and not can_moderate_example(request.user, example):
        target = merge_destination(example)
        return redirect("atlas:example_history", pk=target.pk, slug=target.slug, permanent=True)
    if slug != example.slug:
        return redirect("atlas:example_history", pk=example.pk, slug=example.slug)
    page = selectors.example_history(example=example, page=request.GET.get("page", 1))
    context = {"example": example, "page": page, **_history_personal_context(request, example)}
    return render(request, "atlas/history.html", context)


def _history_personal_context(request, example) -> dict:
    if not request.user.is_authenticated:
        return {"can_restore": False, "deleted_comments": [], "merges": []}
    return {
        "can_restore": can_restore(user=request.user, example=example),
        "deleted_comments": deleted_comments(example=example, viewer=request.user),
        "merges": merges_for(example=example, viewer=request.user),
    }


@require_GET
def example_history_personal(request, pk: int):
    """The history page's private fragment (static/js/site.js fetches it for a signed-in
    viewer): moderators' merges and deleted comments, and the "restore" permission. Empty
    for an anonymous visitor; never stored by a shared cache."""
    if not request.user.is_authenticated:
        response = HttpResponse("")
    else:
        example = selectors.example_for_history(viewer=request.user, example_id=pk)
        context = {"example": example, **_history_personal_context(request, example)}
        response = render(request, "atlas/_history_personal.html", context)
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def example_restore(request, pk: int, history_id: int):
    """Confirm (GET: what would change, and a reason) and restore (POST) a version."""
    example = selectors.example_for_history(viewer=request.user, example_id=pk)
    if not can_moderate_example(request.user, example):
        raise PermissionDenied(_("Only moderators of this entry's country can restore versions."))
    status, error, row, changes = 200, "", None, []
    try:
        row = selectors.version_for_restore(example=example, history_id=history_id)
    except ValidationError as exc:
        status, error = 400, _messages_of(exc)
    reason = request.POST.get("reason", "")
    if request.method == "POST" and row is not None:
        version = request.POST.get("version", "")
        try:
            example = services.example_restore_version(
                actor=request.user,
                example=example,
                history_id=row.history_id,
                reason=reason,
                expected_version=as_id(version),
            )
        except StaleVersion as exc:
            status, error = 409, _messages_of(exc)
            example.refresh_from_db()
        except ValidationError as exc:
            status, error = 400, _messages_of(exc)
        else:
            messages.success(
                request,
                _("Version %(old)s restored as version %(new)s.")
                % {"old": row.version, "new": example.version},
            )
            return redirect("atlas:example_history", pk=example.pk, slug=example.slug)
    if row is not None:
        changes = selectors.restore_preview(example=example, row=row)
    context = {
        "example": example,
        "row": row,
        "changes": changes,
        "error": error,
        "reason": reason,
    }
    return render(request, "atlas/restore.html", context, status=status)
