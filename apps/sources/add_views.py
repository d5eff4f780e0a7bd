"""Adding a source, in two steps: the file (``source_add``), then its bibliographic
record, pre-filled with what the file carries (``source_add_details``). Between the two
the file is kept server-side (services/pending.py), so a form error never loses it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.client_ip import client_ip
from apps.common.forms import attach_errors
from apps.common.throttles import RateLimited, throttled_response

from . import selectors, services
from .forms import SourceDetailsForm, SourceFileForm


@login_required
@require_http_methods(["GET", "POST"])
def source_add(request):
    """Step one: choose the file. It is checked as every upload is, kept, and read for
    its metadata; the next page asks to confirm or correct them."""
    form = SourceFileForm(request.POST or None, request.FILES or None)
    throttled = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            pending = services.pending_upload_create(
                user=request.user,
                data=upload.content_bytes,
                filename=upload.name,
                client_ip=client_ip(request),
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            throttled = exc
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return redirect("sources:add_details", pending_id=pending.pk)
    context = {
        "form": form,
        "pending_uploads": selectors.pending_uploads_of(user=request.user),
        "pending_hours": settings.SOURCE_PENDING_UPLOAD_HOURS,
    }
    return throttled_response(render(request, "sources/source_add.html", context), throttled)


@login_required
@require_http_methods(["GET", "POST"])
def source_add_details(request, pending_id):
    """Step two: the record, pre-filled from the file. Only the uploader sees it (404
    for anyone else); errors show the form again, the file still kept."""
    pending = selectors.pending_upload_for_owner(pending_id=pending_id, user=request.user)
    if request.method == "POST":
        form = SourceDetailsForm(request.POST)
    else:
        form = SourceDetailsForm(initial=SourceDetailsForm.initial_from(pending.suggested))
    if request.method == "POST" and form.is_valid():
        try:
            source = services.pending_upload_confirm(
                user=request.user, pending=pending, metadata=form.metadata()
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            document = source.documents.order_by("-created").first()
            messages.success(request, _("Thank you. The file is being imported."))
            return redirect("sources:import_status", document_id=document.pk)
    context = {"form": form, "pending": pending}
    return render(request, "sources/source_add_details.html", context)


@login_required
@require_POST
def source_add_abandon(request, pending_id):
    """Delete the kept file (its owner only; 404 for anyone else)."""
    pending = selectors.pending_upload_for_owner(pending_id=pending_id, user=request.user)
    services.pending_upload_abandon(user=request.user, pending=pending)
    messages.success(request, _("The file was deleted; nothing was added."))
    return redirect("sources:add")
