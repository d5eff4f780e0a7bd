"""HTML pages of releases. Thin: parse input, call a selector or a service, render.

The list and a release's page are public (the same bytes for everyone); cutting a
release, retrying a failed build and recording a DOI are global moderators' forms.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries

from apps.atlas.dimensions import Scope
from apps.common.forms import attach_errors
from apps.common.http_cache import public_page
from apps.common.public import public_view

from . import citation, selectors, services
from .forms import DoiForm, ReleaseForm

# What the release pages read: releases, their snapshot rows (counts) and files.
RELEASES_DEPENDS_ON = ("releases.Release", "releases.ReleaseEntry", "releases.ReleaseFile")


def place_name(code: str) -> str:
    if code in Scope.values:
        return str(Scope(code).label)
    return str(countries.name(code)) or code


@public_view
@public_page(depends_on=RELEASES_DEPENDS_ON)
def release_list(request):
    return render(
        request,
        "releases/list.html",
        {"releases": list(selectors.releases()), "latest": selectors.latest_release()},
    )


@public_view
@public_page(depends_on=RELEASES_DEPENDS_ON)
def release_detail(request, version: str):
    release = selectors.release_get(version=version)
    counts = selectors.counts(release) if release.frozen_at else {"places": [], "categories": []}
    for row in counts["places"]:
        row["name"] = place_name(row["code"])
    context = {
        "release": release,
        "files": selectors.release_files(release) if release.is_ready else [],
        "counts": counts,
        "cite_apa": citation.apa(release),
        "cite_bibtex": citation.bibtex(release),
        "cite_csl": json.dumps([citation.csl_json(release)], indent=2, ensure_ascii=False),
        "progress": selectors.progress(release),
    }
    return render(request, "releases/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def release_new(request):
    if not services.can_cut_release(request.user):
        raise PermissionDenied(_("Only global moderators can cut a release."))
    form = ReleaseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                release = services.release_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(
                    request, _("Release %(v)s is being built.") % {"v": release.version}
                )
                return redirect(release)
        status = 400
    latest = selectors.releases().first()
    return render(request, "releases/new.html", {"form": form, "latest": latest}, status=status)


@login_required
@require_POST
def release_retry(request, version: str):
    release = selectors.release_get(version=version)
    try:
        services.release_retry(actor=request.user, release=release)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(release)


@login_required
@require_POST
def release_doi(request, version: str):
    release = selectors.release_get(version=version)
    form = DoiForm(request.POST)
    if form.is_valid():
        try:
            services.release_set_doi(
                actor=request.user, release=release, doi=form.cleaned_data["doi"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The DOI is saved."))
    else:
        messages.error(request, _("A DOI looks like 10.5281/zenodo.1234567."))
    return redirect(release)
