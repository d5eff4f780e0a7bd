"""Moderators' history pages for content other than atlas entries (whose history is a
public page of the atlas): annotations and sources' metadata, at
``/moderation/history/<type>/<id>/``, with "Restore deleted" where the type has soft
deletion. Thin: look the object up, page its history (history.py), render."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import permissions
from .history import history_page


@dataclass(frozen=True)
class HistoryType:
    model: type[models.Model]
    label: str
    fields: tuple[str, ...]
    #: (actor, obj, reason) -> obj, for types with soft deletion; None otherwise.
    restore_deleted: Callable | None = None
    can_restore_deleted: Callable | None = None


@functools.cache
def history_types() -> dict[str, HistoryType]:
    # Imported on first use: moderation must not import the content apps at start-up.
    from apps.annotations import history as annotation_history
    from apps.annotations.models import Annotation

    return {
        "annotation": HistoryType(
            model=Annotation,
            label=gettext_lazy("annotation"),
            fields=annotation_history.HISTORY_FIELDS,
            restore_deleted=lambda actor, obj, reason: (
                annotation_history.annotation_restore_deleted(
                    actor=actor, annotation=obj, reason=reason
                )
            ),
            can_restore_deleted=annotation_history.can_restore_deleted,
        ),
        **_registered_history_types,
    }


_registered_history_types: dict[str, HistoryType] = {}


def register_history_type(type_name: str, kind: HistoryType) -> None:
    """Give ``type_name`` a moderators' history page (``/moderation/history/<type>/<id>/``).
    Content apps call this from their AppConfig.ready() (the sources app registers
    "source"), so moderation need not import them."""
    _registered_history_types[type_name] = kind
    history_types.cache_clear()


def _lookup(request, type_name: str, pk: int):
    if not permissions.is_moderator(request.user):
        raise PermissionDenied(_("Only moderators can read these histories."))
    kind = history_types().get(type_name)
    if kind is None:
        raise Http404(_("No history for this kind of content."))
    obj = kind.model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("No such %(type)s.") % {"type": kind.label})
    return kind, obj


@login_required
def history(request, type_name: str, pk: int):
    """Every version of an annotation or a source, newest first, field by field."""
    kind, obj = _lookup(request, type_name, pk)
    page = history_page(obj.history.all(), page=request.GET.get("page", 1), fields=kind.fields)
    context = {
        "kind": kind,
        "type_name": type_name,
        "obj": obj,
        "page": page,
        "is_deleted": getattr(obj, "deleted_at", None) is not None,
        "can_restore_deleted": kind.can_restore_deleted is not None
        and kind.can_restore_deleted(request.user),
    }
    return render(request, "moderation/history.html", context)


@login_required
@require_POST
def restore_deleted(request, type_name: str, pk: int):
    kind, obj = _lookup(request, type_name, pk)
    if kind.restore_deleted is None:
        raise Http404(_("This kind of content is never deleted."))
    try:
        kind.restore_deleted(request.user, obj, request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Restored."))
    return redirect("moderation:history", type_name=type_name, pk=obj.pk)
