"""HTML pages for suggested edits: the "Suggest an edit" form and the author's or a
moderator's decision on the entry page. Thin: parse input, call a service, redirect."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.throttles import RateLimited, check_request_rate, throttled_response
from apps.common.validators import as_id

from ..entries.forms import ExampleEditForm
from ..entries.selectors import example_get
from ..entries.services import StaleVersion
from ..entries.views import attach_errors
from ..permissions import can_suggest
from . import selectors, services
from .forms import SuggestEditForm


@login_required
@require_http_methods(["GET", "POST"])
def example_suggest(request, pk: int, slug: str):
    """Propose new values for an entry someone else wrote; its author or a moderator
    decides on the entry page."""
    example = example_get(viewer=request.user, example_id=pk)
    if slug != example.slug and request.method == "GET":
        return redirect("atlas:example_suggest", pk=example.pk, slug=example.slug)
    if not can_suggest(user=request.user, example=example):
        raise PermissionDenied(_("You cannot suggest an edit to this entry."))
    initial = ExampleEditForm.initial_for(example)
    form = SuggestEditForm(request.POST or None, initial=initial)
    status = 200
    throttled = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                check_request_rate(request, "suggestion")
                services.suggestion_create(
                    proposer=request.user,
                    example=example,
                    changes=asdict(form.example_data()),
                    comment=form.cleaned_data.get("comment") or "",
                )
            except RateLimited as exc:
                form.add_error(None, str(exc))
                throttled = exc
            except ValidationError as exc:
                attach_errors(form, [], exc)
            else:
                messages.success(
                    request,
                    _(
                        "Thank you. Your suggestion was sent: the author or a moderator will "
                        "accept it or say why not."
                    ),
                )
                return redirect(example.get_absolute_url())
    context = {"example": example, "form": form}
    return throttled_response(
        render(request, "atlas/suggest_form.html", context, status=status), throttled
    )


@login_required
@require_POST
def suggestion_decide(request, pk: int):
    """Accept (``decision=accept``, with the entry ``version`` that was shown) or reject
    (``decision=reject`` with a ``reason``) a suggested edit."""
    suggestion = selectors.suggestion_get(viewer=request.user, suggestion_id=pk)
    example = suggestion.example
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            version = request.POST.get("version", "")
            services.suggestion_accept(
                actor=request.user,
                suggestion=suggestion,
                expected_version=as_id(version),
            )
            messages.success(request, _("Suggestion accepted: the entry is updated."))
        elif decision == "reject":
            services.suggestion_reject(
                actor=request.user, suggestion=suggestion, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Suggestion declined."))
        else:
            messages.error(request, _("Choose to accept or to decline the suggestion."))
    except StaleVersion:
        messages.error(
            request,
            _(
                "The entry changed while you were looking at this suggestion. Nothing was "
                "applied: check the difference below again, then decide."
            ),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect(f"{example.get_absolute_url()}#suggestions")
