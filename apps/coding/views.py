"""Pages of the coding app: the codebook with its versions and agreement (public), a
coder's blind coding form and their own codings (private), the reconciliation view
(moderators), and the double-coding history of an entry (public once reconciled)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.atlas.entries.selectors import example_get
from apps.atlas.entries.views import ENTRY_DEPENDS_ON
from apps.atlas.permissions import can_moderate_example
from apps.common.http_cache import public_page
from apps.common.public import public_view
from apps.common.throttles import RateLimited, check_request_rate

from . import selectors, services
from .api import AGREEMENT_DEPENDS_ON, CODEBOOK_DEPENDS_ON
from .codebook import field_labels
from .forms import choices_from_post, citations_from_post, values_from_post
from .models import RequestStatus

# The entry as its page reads it, plus every coding and reconciliation.
HISTORY_DEPENDS_ON = (*ENTRY_DEPENDS_ON, "coding.Coding", "coding.CodingRequest")


def _dimension_rows(codebook) -> list[dict]:
    return list(codebook.dimensions)


@public_view
@public_page(depends_on=(*AGREEMENT_DEPENDS_ON, *CODEBOOK_DEPENDS_ON))
def codebook(request):
    """The codebook's versions, the fields that must be cited, and coder agreement per
    dimension (?country= narrows it)."""
    country = (request.GET.get("country") or "").strip().upper()
    try:
        agreement = {row.field: row for row in selectors.agreement_for(country=country or None)}
    except ValueError as exc:
        return render(request, "coding/codebook.html", {"error": str(exc)}, status=400)
    current = selectors.current_codebook()
    context = {
        "current": current,
        "dimensions": [
            {**row, "agreement": agreement.get(row["name"])} for row in _dimension_rows(current)
        ],
        "labels": field_labels(),
        "versions": selectors.codebook_versions(),
        "country": country,
    }
    return render(request, "coding/codebook.html", context)


@public_view
@public_page(depends_on=HISTORY_DEPENDS_ON)
def coding_history(request, pk: int):
    """Every reconciled double coding of the entry, each coding beside the result."""
    example = example_get(viewer=request.user, example_id=pk)
    requests = [
        {"request": r, "codings": list(r.codings.all())} for r in selectors.coding_history(example)
    ]
    context = {"example": example, "requests": requests, "labels": field_labels()}
    return render(request, "coding/history.html", context)


@login_required
def my_codings(request):
    """The viewer's codings and their agreement with the reconciled values (private)."""
    from .models import Coding

    codings = (
        Coding.objects.filter(coder=request.user)
        .select_related("request__example")
        .order_by("-created")[:200]
    )
    context = {"codings": codings, **_agreement_context(request.user)}
    return render(request, "coding/mine.html", context)


def _agreement_context(coder) -> dict:
    agreement = selectors.coder_agreement_for(coder_id=coder.pk)
    labels = field_labels()
    rows = [
        {"field": field, "label": labels.get(field, field), **agreement["fields"][field]}
        for field in labels
        if field in agreement["fields"]
    ]
    return {"coder": coder, "agreement": agreement, "agreement_rows": rows}


@require_http_methods(["GET"])
def coder_agreement_fragment(request, username: str):
    """The user page's private fragment (static/js/site.js fills the public page's
    ``data-personal`` slot): the coder's agreement with the reconciled values, for the
    coder and moderators; empty for everyone else, whether or not the user exists or
    codes (the public page says nothing of it)."""
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse
    from django.utils.cache import patch_cache_control

    coder = None
    if "\x00" not in username:  # PostgreSQL refuses a NUL in a query: nobody is called that
        coder = get_user_model().objects.filter(username=username[:150], is_active=True).first()
    response = HttpResponse("")
    if coder is not None and selectors.may_see_coder_agreement(viewer=request.user, coder=coder):
        context = {**_agreement_context(coder), "own": coder.pk == request.user.pk}
        if context["agreement_rows"] or context["own"]:
            response = render(request, "coding/_coder_agreement.html", context)
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_coding(request, pk: int):
    """The blind coding form: the entry's title, summary and evidence, never its coded
    values nor anyone else's coding. 404 for anyone not assigned."""
    example = selectors.example_for_coder(viewer=request.user, example_id=pk)
    coding = selectors.my_coding(viewer=request.user, example=example)
    codebook = coding.request.codebook
    errors: dict = {}
    values = coding.values
    if request.method == "POST":
        if coding.request.status != RequestStatus.OPEN:
            raise PermissionDenied(_("This coding is closed: it was reconciled."))
        values = values_from_post(request.POST, codebook=codebook)
        try:
            check_request_rate(request, "entry")
            services.coding_save_mine(
                actor=request.user,
                example=example,
                values=values,
                citations=citations_from_post(request.POST, codebook=codebook),
                submit=bool(request.POST.get("submit")),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        except RateLimited as exc:
            errors = {"": [str(exc)]}
        else:
            messages.success(request, _("Your coding was saved."))
            return redirect("coding:my_coding", pk=example.pk)
    citations = {c.field: c for c in coding.citations.filter(replaced_at=None)}
    context = {
        "example": example,
        "coding": coding,
        "dimensions": [
            {**row, "value": values.get(row["name"]), "citation": citations.get(row["name"])}
            for row in codebook.dimensions
        ],
        "evidence": list(example.evidence.all()),
        "errors": errors,
    }
    return render(request, "coding/my_coding.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def reconcile(request, pk: int):
    """Moderators: the codings side by side per dimension, agreement highlighted; pick or
    write the final value with a reason."""
    example = example_get(viewer=request.user, example_id=pk)
    if not can_moderate_example(request.user, example):
        raise Http404(_("No coding to reconcile here."))
    coding_request = selectors.open_request(example)
    if coding_request is None:
        raise Http404(_("This entry has no open coding request."))
    codings = list(coding_request.codings.select_related("coder").order_by("pk"))
    errors: dict = {}
    if request.method == "POST":
        try:
            services.reconcile(
                actor=request.user,
                example=example,
                choices=choices_from_post(request.POST, codebook=coding_request.codebook),
                expected_version=example.version,
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        else:
            messages.success(request, _("Reconciled: the entry has a new version."))
            return redirect(example.get_absolute_url())
    rows = []
    for dimension in coding_request.codebook.dimensions:
        name = dimension["name"]
        cells = [
            {"coding": c, "value": c.values.get(name), "has": name in c.values} for c in codings
        ]
        given = [cell["value"] for cell in cells if cell["has"]]
        rows.append(
            {
                **dimension,
                "cells": cells,
                "agreed": len(given) == len(codings) and len({str(v) for v in given}) == 1,
                "error": errors.get(name),
            }
        )
    context = {
        "example": example,
        "coding_request": coding_request,
        "codings": codings,
        "rows": rows,
        "errors": errors,
        "all_in": all(c.submitted_at for c in codings),
    }
    return render(request, "coding/reconcile.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def request_coding(request, pk: int):
    """Moderators: ask for blind coding of the entry by named coders or volunteers."""
    from django.contrib.auth import get_user_model

    example = example_get(viewer=request.user, example_id=pk)
    if not can_moderate_example(request.user, example):
        raise Http404(_("No such page."))
    errors: list[str] = []
    if request.method == "POST":
        names = [n for n in (request.POST.get("coders") or "").replace(",", " ").split() if n]
        users = {
            u.username: u
            for u in get_user_model().objects.filter(username__in=names[:10], is_active=True)
        }
        missing = [n[:40] for n in names if n not in users]
        count = request.POST.get("count") or "2"
        if missing:
            errors.append(_("No such users: %(names)s.") % {"names": ", ".join(missing)})
        elif not count.isdigit() or len(count) > 2:
            errors.append(_("Give the number of coders as a whole number."))
        else:
            try:
                services.coding_request_create(
                    actor=request.user,
                    example=example,
                    coders=[users[n] for n in names] or None,
                    count=int(count),
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("Coding requested: the coders see it on their list."))
                return redirect(example.get_absolute_url())
    context = {"example": example, "errors": errors, "open": selectors.open_request(example)}
    return render(request, "coding/request.html", context, status=400 if errors else 200)
