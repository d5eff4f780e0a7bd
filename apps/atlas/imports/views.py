"""The moderators' import page: upload a CSV, map its columns if they are not ours, see
a preview (errors by row number, duplicate candidates), then import it in one go. The
file travels between the steps as text in the form, so nothing is stored before the
import and a preview changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..permissions import is_moderator
from . import services
from .parse import MAPPABLE, REQUIRED, ImportFileError, read_table, suggested_mapping

MAX_FILE_BYTES = 4 * 1024 * 1024


def _file_text(request) -> tuple[str, str]:
    """(text, error): the uploaded file, else the text carried from the preview."""
    upload = request.FILES.get("file")
    if upload is None:
        return request.POST.get("csv_text", ""), ""
    if upload.size > MAX_FILE_BYTES:
        return "", _("The file is larger than 4 MB: split it or use manage.py import_entries.")
    try:
        return upload.read().decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return "", _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")


def _mapping(request, headers: list[str]) -> dict[str, str]:
    if any(f"map_{name}" in request.POST for name in MAPPABLE):
        return {
            name: request.POST.get(f"map_{name}", "")
            for name in MAPPABLE
            if request.POST.get(f"map_{name}", "") in headers
        }
    return suggested_mapping(headers)


@login_required
@require_http_methods(["GET", "POST"])
def import_entries(request):
    if not is_moderator(request.user):
        raise PermissionDenied(_("Only moderators can import entries."))
    context = {"mappable": MAPPABLE, "required": REQUIRED, "step": "upload"}
    if request.method == "GET":
        return render(request, "atlas/import.html", context)
    text, error = _file_text(request)
    publish = request.POST.get("publish") == "on"
    context.update(publish=publish, csv_text=text)
    if error or not text.strip():
        context["error"] = error or _("Choose a CSV file.")
        return render(request, "atlas/import.html", context, status=400)
    try:
        headers, _rows = read_table(text)
    except ImportFileError as exc:
        context["error"] = str(exc)
        return render(request, "atlas/import.html", context, status=400)
    mapping = _mapping(request, headers)
    context.update(headers=headers, mapping=mapping, step="map")
    missing = [name for name in REQUIRED if not mapping.get(name)]
    if missing:
        context["error"] = _("Choose the columns for: %(names)s.") % {"names": ", ".join(missing)}
        return render(
            request,
            "atlas/import.html",
            context,
            status=400 if "map_title" in request.POST else 200,
        )
    do_import = request.POST.get("action") == "import"
    try:
        report = services.entries_import(
            actor=request.user, text=text, mapping=mapping, publish=publish,
            dry_run=not do_import, confirm_duplicates=request.POST.get("confirm_duplicates") == "on",
        )  # fmt: skip
    except ImportFileError as exc:
        context["error"] = str(exc)
        return render(request, "atlas/import.html", context, status=400)
    except services.ImportRefused as exc:
        context.update(report=exc.report, step="preview", error=" ".join(exc.messages))
        return render(request, "atlas/import.html", context, status=400)
    if do_import:
        messages.success(request, _("Imported %(n)s entries.") % {"n": len(report.imported)})
        context.update(report=report, step="done")
        return render(request, "atlas/import.html", context)
    context.update(report=report, step="preview")
    return render(request, "atlas/import.html", context)
