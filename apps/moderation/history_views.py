"""Moderators' history pages for content other than atlas entries (whose history is a
public page of the atlas): annotations and sources' metadata, at
``/moderation/history/<type>/<id>/``, with "Restore deleted" where the type has soft
deletion. Thin: look the object up, ask its type which versions the user may read (a
private annotation's are its author's alone), page them (history.py), render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
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
    #: (viewer, obj) -> the history rows ``viewer`` may read, raising Http404 or
    #: PermissionDenied; None: moderators read every version. Types with private
    #: content decide here (a private annotation is its author's alone).
    readable_history: Callable | None = None


_registered_history_types: dict[str, HistoryType] = {}


def history_types() -> dict[str, HistoryType]:
    """Type name -> its history page's type, as the content apps registered them."""
    return dict(_registered_history_types)


def register_history_type(type_name: str, kind: HistoryType) -> None:
    """Give ``type_name`` a moderators' history page (``/moderation/history/<type>/<id>/``).
    Content apps call this from their AppConfig.ready() (the sources app registers
    "source", the annotations app "annotation"), so moderation need not import them."""
    _registered_history_types[type_name] = kind


def _lookup(request, type_name: str, pk: int):
    """(type, object, the history rows the user may read). Moderators only, except where
    the type decides itself (``readable_history``: an annotation's author reads its
    history; nobody else learns that a private one exists)."""
    kind = history_types().get(type_name)
    if (kind is None or kind.readable_history is None) and not permissions.is_moderator(
        request.user
    ):
        raise PermissionDenied(_("Only moderators can read these histories."))
    if kind is None:
        raise Http404(_("No history for this kind of content."))
    obj = kind.model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("No such %(type)s.") % {"type": kind.label})
    if kind.readable_history is not None:
        rows = kind.readable_history(request.user, obj)
    else:
        rows = obj.history.all()
    return kind, obj, rows


@login_required
def history(request, type_name: str, pk: int):
    """Every version of an annotation or a source that the user may read, newest first,
    field by field."""
    kind, obj, rows = _lookup(request, type_name, pk)
    page = history_page(rows, page=request.GET.get("page", 1), fields=kind.fields)
    context = {
        "is_moderator": permissions.is_moderator(request.user),
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
    kind, obj, _rows = _lookup(request, type_name, pk)
    if kind.restore_deleted is None:
        raise Http404(_("This kind of content is never deleted."))
    try:
        kind.restore_deleted(request.user, obj, request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Restored."))
    return redirect("moderation:history", type_name=type_name, pk=obj.pk)
