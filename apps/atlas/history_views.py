"""HTML pages for an entry's history, restoring a version, giving back deleted comments,
and merging duplicates. Thin: parse input, call apps/atlas/history.py or merging.py,
render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.validators import as_id
from apps.moderation import permissions as moderation_permissions

from . import history, merging
from .models import EntryComment, Example, ExampleMerge, Status
from .services import StaleVersion


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def example_history(request, pk: int, slug: str):
    """Every version of an entry, newest first, with what changed in each."""
    example = history.example_for_history(viewer=request.user, example_id=pk)
    if example.status == Status.MERGED and not history.can_moderate_entry(
        user=request.user, example=example
    ):
        target = merging.merge_destination(example)
        return redirect("atlas:example_history", pk=target.pk, slug=target.slug, permanent=True)
    if slug != example.slug:
        return redirect("atlas:example_history", pk=example.pk, slug=example.slug)
    page = history.example_history(example=example, page=request.GET.get("page", 1))
    context = {
        "example": example,
        "page": page,
        "can_restore": history.can_restore(user=request.user, example=example),
        "deleted_comments": history.deleted_comments(example=example, viewer=request.user),
        "merges": merging.merges_for(example=example, viewer=request.user),
    }
    return render(request, "atlas/history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def example_restore(request, pk: int, history_id: int):
    """Confirm (GET: what would change, and a reason) and restore (POST) a version."""
    example = history.example_for_history(viewer=request.user, example_id=pk)
    if not history.can_moderate_entry(user=request.user, example=example):
        raise PermissionDenied(_("Only moderators of this entry's country can restore versions."))
    status, error, row, changes = 200, "", None, []
    try:
        row = history.version_for_restore(example=example, history_id=history_id)
    except ValidationError as exc:
        status, error = 400, _messages_of(exc)
    reason = request.POST.get("reason", "")
    if request.method == "POST" and row is not None:
        version = request.POST.get("version", "")
        try:
            example = history.example_restore_version(
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
        changes = history.restore_preview(example=example, row=row)
    context = {
        "example": example,
        "row": row,
        "changes": changes,
        "error": error,
        "reason": reason,
    }
    return render(request, "atlas/restore.html", context, status=status)


@login_required
@require_POST
def comment_restore(request, pk: int):
    """Give back a deleted comment (moderators, with a reason)."""
    comment = get_object_or_404(EntryComment.objects.select_related("example"), pk=pk)
    try:
        history.comment_restore_deleted(
            actor=request.user, comment=comment, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("The comment is back."))
    example = comment.example
    return redirect("atlas:example_history", pk=example.pk, slug=example.slug)


# --- Merging duplicates ---------------------------------------------------------------------


def _version(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _field_choices(data) -> dict[str, str]:
    """The side chosen for each field on the form (radio ``field-<key>``)."""
    return {
        key: data.get(f"field-{key}", "")
        for key in merging.MERGE_FIELD_KEYS
        if data.get(f"field-{key}", "")
    }


@login_required
@require_http_methods(["GET", "POST"])
def example_merge(request, pk: int):
    """Merge this entry (the duplicate) into another: choose the target (GET ``into``:
    the two entries side by side, field by field), which value to keep where they
    differ, and a reason (POST)."""
    if not moderation_permissions.is_moderator(request.user):
        raise PermissionDenied(_("Only moderators can merge entries."))
    source = get_object_or_404(Example.objects.select_related("category"), pk=pk)
    if source.status == Status.MERGED:
        target = merging.merge_destination(source)
        messages.info(request, _("This entry was already merged into this one."))
        return redirect(target.get_absolute_url())
    if not history.can_moderate_entry(user=request.user, example=source):
        raise PermissionDenied(
            _("This entry is about %(place)s, outside the countries you moderate.")
            % {"place": source.place_name}
        )
    status, error, field_errors = 200, "", {}
    data = request.POST if request.method == "POST" else request.GET
    target_id = data.get("into", "").strip()
    reason = request.POST.get("reason", "")
    choices = _field_choices(request.POST) if request.method == "POST" else {}
    if request.method == "POST":
        try:
            merge = merging.example_merge(
                actor=request.user,
                source=source,
                target_id=target_id,
                reason=reason,
                fields=choices,
                source_version=_version(request.POST.get("source_version", "")),
                target_version=_version(request.POST.get("target_version", "")),
            )
        except StaleVersion:
            status = 409
            error = _(
                "One of the two entries changed since you compared them. Nothing was merged: "
                "check the values below again, then merge."
            )
        except ValidationError as exc:
            status = 400
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            field_errors = {
                key.removeprefix("fields."): " ".join(messages_)
                for key, messages_ in errors.items()
                if key.startswith("fields.")
            }
            error = " ".join(
                " ".join(messages_) for key, messages_ in errors.items() if "." not in key
            )
        else:
            messages.success(
                request,
                _("“%(source)s” is merged into this entry. Its address now leads here.")
                % {"source": merge.source.title},
            )
            return redirect(merge.target.get_absolute_url())
    plan = None
    if target_id:
        try:
            plan = merging.merge_preview(actor=request.user, source=source, target_id=target_id)
        except ValidationError as exc:
            if not error:
                status, error = 400, _messages_of(exc)
        else:
            for row in plan.fields:
                row.choice = choices.get(row.key)
                row.error = field_errors.get(row.key, "")
    context = {
        "example": source,
        "candidates": merging.merge_candidates(source=source, viewer=request.user),
        "into": target_id,
        "plan": plan,
        "reason": reason,
        "error": error,
        "field_errors": field_errors,
    }
    return render(request, "atlas/merge.html", context, status=status)


@login_required
@require_POST
def merge_undo(request, pk: int):
    """Undo a merge: the duplicate comes back with its own evidence, links and comments."""
    merge = get_object_or_404(ExampleMerge.objects.select_related("source", "target"), pk=pk)
    try:
        merge = merging.example_unmerge(
            actor=request.user, merge=merge, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        target = merge.target
        return redirect("atlas:example_history", pk=target.pk, slug=target.slug)
    messages.success(
        request,
        _("Merge undone: “%(title)s” is its own entry again.") % {"title": merge.source.title},
    )
    return redirect(merge.source.get_absolute_url())
