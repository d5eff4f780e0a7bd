"""HTML pages for merging duplicate entries and undoing a merge. Thin: parse input, call
merge/selectors.py or merge/services.py, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..entries.services import StaleVersion
from ..models import Example, ExampleMerge, Status
from ..permissions import is_moderator, require_moderator_of
from . import selectors, services
from .comparison import MERGE_FIELD_KEYS


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _version(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _field_choices(data) -> dict[str, str]:
    """The side chosen for each field on the form (radio ``field-<key>``)."""
    return {
        key: data.get(f"field-{key}", "")
        for key in MERGE_FIELD_KEYS
        if data.get(f"field-{key}", "")
    }


@login_required
@require_http_methods(["GET", "POST"])
def example_merge(request, pk: int):
    """Merge this entry (the duplicate) into another: choose the target (GET ``into``:
    the two entries side by side, field by field), which value to keep where they
    differ, and a reason (POST)."""
    if not is_moderator(request.user):
        raise PermissionDenied(_("Only moderators can merge entries."))
    source = get_object_or_404(Example.objects.select_related("category"), pk=pk)
    if source.status == Status.MERGED:
        target = selectors.merge_destination(source)
        messages.info(request, _("This entry was already merged into this one."))
        return redirect(target.get_absolute_url())
    require_moderator_of(request.user, source, message=_("Only moderators can merge entries."))
    status, error, field_errors = 200, "", {}
    data = request.POST if request.method == "POST" else request.GET
    target_id = data.get("into", "").strip()
    reason = request.POST.get("reason", "")
    choices = _field_choices(request.POST) if request.method == "POST" else {}
    if request.method == "POST":
        try:
            merge = services.example_merge(
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
            plan = selectors.merge_preview(actor=request.user, source=source, target_id=target_id)
        except ValidationError as exc:
            if not error:
                status, error = 400, _messages_of(exc)
        else:
            for row in plan.fields:
                row.choice = choices.get(row.key)
                row.error = field_errors.get(row.key, "")
    query = request.GET.get("q", "").strip()[:200]
    candidates = selectors.merge_candidates(source=source, viewer=request.user)
    found = selectors.merge_search(source=source, viewer=request.user, query=query)
    listed = {candidate.pk for candidate in candidates}
    context = {
        "example": source,
        "candidates": candidates,
        "query": query,
        "search_results": [example for example in found if example.pk not in listed],
        "searched": bool(query),
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
        merge = services.example_unmerge(
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
