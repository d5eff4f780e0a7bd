"""The page where a source's stewards correct its bibliographic record
(``services.source_details_update``; the API's PATCH does the same)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.common.forms import attach_errors

from . import permissions, selectors, services
from .forms import SourceEditForm


@login_required
@require_http_methods(["GET", "POST"])
def source_details_edit(request, slug: str):
    """Stewards only: anyone else signed in gets a 403 page saying who may; a source the
    viewer may not see is a 404, as everywhere."""
    source = selectors.source_get(slug=slug, viewer=request.user)
    if not permissions.can_steward(request.user, source):
        raise PermissionDenied(
            _("Only this source's maintainers and the moderators may correct its details.")
        )
    if request.method == "POST":
        form = SourceEditForm(request.POST)
        if form.is_valid():
            try:
                changed = services.source_details_update(
                    actor=request.user,
                    source=source,
                    metadata=form.metadata(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                if changed:
                    messages.success(request, _("The details are saved."))
                else:
                    messages.info(request, _("Nothing had changed; nothing was saved."))
                return redirect(source.get_absolute_url())
    else:
        form = SourceEditForm(initial=SourceEditForm.initial_for(source))
    # A refused form is a 400 (the errors are on the page), as the other source forms.
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "source": source}
    return render(request, "sources/source_details_edit.html", context, status=status)
