"""HTML pages of the atlas. Thin: parse input, call a selector or a service, render."""

from __future__ import annotations

import functools
from dataclasses import asdict
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries

from apps.common import csv_safe
from apps.common.page_cache import anonymous_page_cache
from apps.common.site import absolute_url
from apps.common.validators import as_id
from apps.moderation.throttles import RateLimited, check_request_rate

from . import citation, merging, selectors, services
from . import codebook as codebook_module
from .contributors import contributor_names
from .forms import (
    CompareForm,
    EvidenceEditFormSet,
    EvidenceFormSet,
    ExampleEditForm,
    ExampleForm,
    PassageLinkFormSet,
    SuggestEditForm,
    evidence_initial,
    links_initial,
)
from .models import (
    MULTI_VALUED,
    SINGLE_VALUED,
    Consequence,
    EntryComment,
    Example,
    Lifecycle,
    Operator,
    Scope,
    Status,
)
from .permissions import can_moderate_example

MAP_FILTERS = (
    "category",
    "operator",
    "consequence",
    "lifecycle",
    "year_from",
    "year_to",
    "has_passage",
)


# Count classes of the choropleth (upper bound None: and more). Five steps of ColorBrewer
# "Blues" (colour-blind safe) in static/js/atlas-map.js and static/css/atlas.css.
LEGEND_CLASSES = [(1, 1), (2, 2), (3, 5), (6, 10), (11, None)]


def _legend_labels() -> list[str]:
    labels = []
    for low, high in LEGEND_CLASSES:
        if high is None:
            labels.append(_("%(n)s or more entries") % {"n": low})
        elif low == high:
            labels.append(ngettext("%(n)s entry", "%(n)s entries", low) % {"n": low})
        else:
            labels.append(_("%(low)s–%(high)s entries") % {"low": low, "high": high})
    return labels


@functools.cache
def _numeric_codes() -> dict[str, str]:
    """ISO numeric (as world-atlas names its shapes, e.g. "276") -> alpha-2 ("DE")."""
    result = {}
    for code, _name in countries:
        numeric = countries.numeric(code, padded=True)
        if numeric:
            result[numeric] = code
    return result


def _map_filters(request) -> tuple[selectors.ExampleFilters, dict]:
    params = {name: request.GET.get(name, "") for name in MAP_FILTERS}
    return selectors.parse_filters(params), params


@anonymous_page_cache
def atlas_map(request):
    """The map page: headline, filters kept in the URL, the choropleth (drawn by
    static/js/atlas-map.js from the embedded data) and the same numbers as a table."""
    error = ""
    try:
        filters, params = _map_filters(request)
    except ValidationError as exc:
        filters, params = selectors.ExampleFilters(), dict.fromkeys(MAP_FILTERS, "")
        error = " ".join(m for ms in exc.message_dict.values() for m in ms)
    data = selectors.atlas_aggregates(filters=filters)
    category_names = {c.slug: c.name for c in selectors.categories()}
    none_found = selectors.countries_researched_none_found()
    counted = {row["country"] for row in data["countries"]}
    # Strings built here, not in template loops: the table can have ~250 rows with a
    # dozen categories each, and per-cell template rendering dominated the page's time.
    country_url = reverse("atlas:country", kwargs={"code": "XX"})
    rows = [
        {
            **row,
            "url": country_url.replace("XX", row["country"]),
            "category_text": ", ".join(
                f"{category_names.get(s, s)} ({n})" for s, n in sorted(row["categories"].items())
            ),
        }
        for row in data["countries"]
    ]
    researched = [
        {
            "country": code,
            "name": str(countries.name(code)),
            "categories": [category_names.get(s, s) for s in slugs],
        }
        for code, slugs in sorted(none_found.items())
        if code not in counted
    ]
    map_data = {
        "countries": {row["country"]: row["count"] for row in data["countries"]},
        "names": {row["country"]: row["name"] for row in data["countries"]},
        "none_found": sorted(code for code in none_found if code not in counted),
        "country_url": country_url,
        "query": filters.as_query(),
        "classes": LEGEND_CLASSES,
        "numeric": _numeric_codes(),
        "labels": {
            "entries": _("entries"),
            "none_found": _("researched, none found"),
            "open": _("Show entries"),
            "loading": _("Loading…"),
            "empty": _("No published entries match these filters."),
            "country_page": _("Country page"),
        },
    }
    context = {
        "filters": filters,
        "params": params,
        "error": error,
        "rows": rows,
        "supranational": data["supranational"],
        "researched": researched,
        "headline": selectors.headline(filters=filters),
        "total": data["total"],
        "categories": list(category_names.items()),
        "operators": Operator.choices,
        "consequences": Consequence.choices,
        "lifecycles": Lifecycle.choices,
        "map_data": map_data,
        "export_query": urlencode(filters.as_query()),
        "legend": _legend_labels(),
    }
    return render(request, "atlas/map.html", context, status=400 if error else 200)


# --- Creating an entry --------------------------------------------------------------------


def _throttled(response, exc: RateLimited | None):
    """A form refused for going too fast: 429 with Retry-After (the form shows why)."""
    if exc is not None:
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
    return response


def _attach_errors(form, formset_errors: list[str], exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        if field.startswith("evidence"):
            formset_errors.extend(errors)
        elif field.startswith("passages"):
            form.add_error(None, errors)
        elif field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def example_new(request):
    """The contribution form. ``?passage=<id>`` links the passage and shows its text; the
    user's home country is preselected. Possible duplicates are shown before saving and
    must be acknowledged."""
    passage = selectors.passage_for_form(
        viewer=request.user, passage_id=request.POST.get("passage") or request.GET.get("passage")
    )
    initial = {"country": request.user.country.code if request.user.country else ""}
    if passage:
        initial["passage"] = passage.pk
    form = ExampleForm(request.POST or None, initial=initial)
    formset = EvidenceFormSet(request.POST or None, prefix="evidence")
    evidence_errors: list[str] = []
    similar: list[Example] = []
    throttled = None
    status = 200
    if request.method == "POST":
        status = 400
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        try:
            check_request_rate(request, "entry")
            example = services.example_create(
                author=request.user,
                data=form.example_data(),
                evidence=[f.evidence_data() for f in formset if f.has_changed()],
                passages=form.passage_links(),
                submit=request.POST.get("action") == "submit",
                confirm_distinct=bool(form.cleaned_data.get("confirm_distinct")),
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            throttled = exc
        except services.SimilarEntries as exc:
            # The same rule as the API's 409: shown as the list and the "I checked" box.
            similar = exc.similar
            _attach_errors(form, evidence_errors, exc)
            status = 409
        except ValidationError as exc:
            _attach_errors(form, evidence_errors, exc)
        else:
            if example.status == Status.PUBLISHED:
                messages.success(
                    request,
                    _("Thank you. As a trusted contributor, your entry is published."),
                )
            elif example.status == Status.SUBMITTED:
                messages.success(
                    request,
                    _(
                        "Thank you. Your entry awaits review: a moderator will publish it or "
                        "ask for changes, and this page will show which."
                    ),
                )
            else:
                messages.success(request, _("Draft saved. Submit it for review when it is ready."))
            return redirect(example.get_absolute_url())
    passage_query = request.GET.get("passage_q", "")
    context = {
        "form": form,
        "formset": formset,
        "evidence_errors": evidence_errors,
        "passage": passage,
        "similar": similar,
        "passage_query": passage_query,
        "passage_results": list(selectors.passage_search(viewer=request.user, query=passage_query)),
        "unlink_url": reverse("atlas:example_new"),
    }
    return _throttled(render(request, "atlas/example_form.html", context, status=status), throttled)


def similar_hint(request):
    """htmx fragment: possible duplicates while the contributor types the title."""
    similar = selectors.similar_examples(
        viewer=request.user,
        title=request.GET.get("title", ""),
        country=request.GET.get("country", ""),
    )
    return render(request, "atlas/_similar.html", {"similar": similar})


# --- Editing an entry ----------------------------------------------------------------------


def _link_rows(example, links_formset) -> list[tuple]:
    """(form, passage) pairs for the linked-passage forms; the passage is None when the
    form names a passage the entry no longer links (after a conflict)."""
    passages = {link.passage_id: link.passage for link in example.passage_links.all()}
    rows = []
    for form in links_formset:
        try:
            passage_id = int(form["passage"].value() or 0)
        except (TypeError, ValueError):
            passage_id = 0
        rows.append((form, passages.get(passage_id)))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def example_edit(request, pk: int, slug: str):
    """The creation form, filled in, for the entry's author and moderators. The version
    the editor started from travels in a hidden field: if someone else saved in between,
    the page answers 409 with what they changed, keeps the editor's input, and lets them
    save again knowingly."""
    example = selectors.example_get(viewer=request.user, example_id=pk)
    # A POST is never redirected: the title (and so the slug) may have changed while the
    # editor had the form open, and their input must reach the conflict check.
    if slug != example.slug and request.method == "GET":
        return redirect("atlas:example_edit", pk=example.pk, slug=example.slug, permanent=False)
    if not services.can_edit(user=request.user, example=example):
        raise PermissionDenied(_("You may not edit this entry."))
    new_passage = selectors.passage_for_form(
        viewer=request.user, passage_id=request.POST.get("passage") or request.GET.get("passage")
    )
    if new_passage is not None and any(
        link.passage_id == new_passage.pk for link in example.passage_links.all()
    ):
        new_passage = None
    data = request.POST or None
    initial = ExampleEditForm.initial_for(example)
    if new_passage is not None:
        initial["passage"] = new_passage.pk
    form = ExampleEditForm(data, initial=initial)
    formset = EvidenceEditFormSet(data, prefix="evidence", initial=evidence_initial(example))
    links_formset = PassageLinkFormSet(data, prefix="links", initial=links_initial(example))
    evidence_errors: list[str] = []
    similar: list[Example] = []
    changes: list = []
    status = 200
    throttled = None
    if request.method == "POST":
        status = 400
        valid = form.is_valid() & formset.is_valid() & links_formset.is_valid()
        if valid:
            try:
                check_request_rate(request, "entry")
                outcome = services.example_edit(
                    actor=request.user,
                    example=example,
                    changes=asdict(form.example_data()),
                    evidence=[f.evidence_data() for f in formset.kept_forms()],
                    passages=[f.link_data() for f in links_formset.kept_forms()]
                    + form.passage_links(),
                    expected_version=form.cleaned_data["version"],
                    confirm_distinct=bool(form.cleaned_data.get("confirm_distinct")),
                )
                example = outcome.example
            except services.StaleVersion as exc:
                status = 409
                changes = selectors.example_changes_since(
                    example=example, version=exc.expected_version
                )
                form.add_error(None, exc.messages)
                # The editor has now seen what changed: saving again replaces it.
                form.data = form.data.copy()
                form.data["version"] = str(exc.current_version)
            except RateLimited as exc:
                form.add_error(None, str(exc))
                throttled = exc
            except services.SimilarEntries as exc:
                similar = exc.similar
                _attach_errors(form, evidence_errors, exc)
                status = 409
            except ValidationError as exc:
                _attach_errors(form, evidence_errors, exc)
            else:
                if outcome.awaits_review:
                    messages.success(
                        request,
                        _(
                            "Thank you. Your changes were sent to the moderators: the "
                            "published entry stays as it is until one of them accepts "
                            "them."
                        ),
                    )
                    return redirect(f"{example.get_absolute_url()}#suggestions")
                messages.success(
                    request,
                    _("Saved. This is version %(version)s.") % {"version": example.version},
                )
                return redirect(example.get_absolute_url())
    passage_query = request.GET.get("passage_q", "")
    context = {
        "example": example,
        "editing": True,
        "form": form,
        "formset": formset,
        "links_formset": links_formset,
        "link_rows": _link_rows(example, links_formset),
        "evidence_errors": evidence_errors,
        "passage": new_passage,
        "similar": similar,
        "conflict_changes": changes,
        "passage_query": passage_query,
        "passage_results": list(selectors.passage_search(viewer=request.user, query=passage_query)),
        "unlink_url": reverse(
            "atlas:example_edit", kwargs={"pk": example.pk, "slug": example.slug}
        ),
    }
    return _throttled(render(request, "atlas/example_form.html", context, status=status), throttled)


# --- Suggested edits ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def example_suggest(request, pk: int, slug: str):
    """Propose new values for an entry someone else wrote; its author or a moderator
    decides on the entry page."""
    example = selectors.example_get(viewer=request.user, example_id=pk)
    if slug != example.slug and request.method == "GET":
        return redirect("atlas:example_suggest", pk=example.pk, slug=example.slug)
    if not services.can_suggest(user=request.user, example=example):
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
                _attach_errors(form, [], exc)
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
    return _throttled(render(request, "atlas/suggest_form.html", context, status=status), throttled)


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
    except services.StaleVersion:
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


# --- Reading an entry ----------------------------------------------------------------------


def _suggestions_with_rights(request, example) -> list:
    suggestions = selectors.suggestions_for_example(example=example, viewer=request.user)
    for suggestion in suggestions:
        suggestion.example = example  # already loaded: no query per suggestion
        # An author's own pending edit is decided by moderators, not by its author.
        suggestion.decidable = services.can_decide_suggestion(
            user=request.user, suggestion=suggestion
        ) and not services.needs_review(user=request.user, example=example)
    return suggestions


def _detail_context(request, example, **extra) -> dict:
    permalink = absolute_url(example.get_absolute_url())
    moderator = can_moderate_example(request.user, example)
    return {
        "example": example,
        "evidence": list(example.evidence.all()),
        "links": list(example.passage_links.all()),
        "permalink": permalink,
        "contributors": contributor_names(example),
        "apa": citation.apa(example, permalink),
        "bibtex": citation.bibtex(example, permalink),
        "transitions": [
            (value, Status(value).label)
            for value in services.allowed_transitions(user=request.user, example=example)
        ],
        "is_moderator": moderator,
        "can_edit": services.can_edit(user=request.user, example=example),
        "can_suggest": services.can_suggest(user=request.user, example=example),
        "suggestions": _suggestions_with_rights(request, example),
        "can_decide": moderator
        or (request.user.is_authenticated and example.author_id == request.user.pk),
        "threads": selectors.comments_for_example(example=example, viewer=request.user),
        "comment_body": "",
        "comment_parent": None,
        "comment_error": "",
        "Status": Status,
        **extra,
    }


def example_detail(request, pk: int, slug: str | None = None):
    try:
        example = selectors.example_get(viewer=request.user, example_id=pk)
    except Http404:
        # A merged duplicate leads to the entry it was merged into, for good.
        destination = merging.merged_destination_for(pk)
        if destination is None:
            raise
        return redirect(destination.get_absolute_url(), permanent=True)
    if slug != example.slug:
        return redirect(example.get_absolute_url(), permanent=slug is not None)
    return render(request, "atlas/example_detail.html", _detail_context(request, example))


# --- Discussion ------------------------------------------------------------------------------


@login_required
@require_POST
def comment_post(request, pk: int):
    """Post a comment or a reply (``parent``). A refused comment re-renders the entry
    page with the text kept and the reason (400; 429 with Retry-After when throttled)."""
    example = selectors.example_get(viewer=request.user, example_id=pk)
    body = request.POST.get("body", "")
    parent_id = request.POST.get("parent", "").strip()
    try:
        comment = services.comment_create(
            author=request.user,
            example=example,
            body=body,
            # A malformed id names no comment: the service says so.
            parent_id=(as_id(parent_id) or 0) if parent_id else None,
        )
    except services.RateLimited as exc:
        response = render(
            request,
            "atlas/example_detail.html",
            _detail_context(
                request,
                example,
                comment_body=body,
                comment_parent=parent_id,
                comment_error=str(exc),
            ),
            status=429,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        return render(
            request,
            "atlas/example_detail.html",
            _detail_context(
                request,
                example,
                comment_body=body,
                comment_parent=parent_id,
                comment_error=" ".join(exc.messages),
            ),
            status=400,
        )
    return redirect(f"{example.get_absolute_url()}#{comment.html_id}")


def _comment_for_action(request, pk: int) -> EntryComment:
    comment = get_object_or_404(EntryComment.objects.select_related("example"), pk=pk)
    # An entry the user cannot see has no comments for them.
    selectors.example_get(viewer=request.user, example_id=comment.example_id)
    return comment


@login_required
@require_POST
def comment_delete(request, pk: int):
    comment = _comment_for_action(request, pk)
    services.comment_delete(actor=request.user, comment=comment)
    messages.success(request, _("Comment deleted."))
    return redirect(f"{comment.example.get_absolute_url()}#discussion")


@login_required
@require_POST
def comment_hide(request, pk: int):
    comment = _comment_for_action(request, pk)
    hidden = request.POST.get("hidden") == "1"
    services.comment_set_hidden(moderator=request.user, comment=comment, hidden=hidden)
    messages.success(request, _("Comment hidden.") if hidden else _("Comment shown again."))
    return redirect(f"{comment.example.get_absolute_url()}#{comment.html_id}")


@login_required
@require_POST
def example_transition(request, pk: int):
    example = selectors.example_get(viewer=request.user, example_id=pk)
    try:
        version = request.POST.get("version", "")
        example = services.example_transition(
            actor=request.user,
            example=example,
            to=request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
            expected_version=int(version) if version.isdigit() else None,
        )
    except services.StaleVersion:
        messages.error(
            request,
            _(
                "The entry changed while you were looking at it. Nothing was changed: read it "
                "again (its history shows what changed), then decide."
            ),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The entry is now: %(status)s.") % {"status": example.get_status_display()}
        )
    return redirect(example.get_absolute_url())


# --- Countries and comparison ------------------------------------------------------------------


def _place(code: str) -> tuple[str, str]:
    code = (code or "").upper()
    if code in Scope.values:
        return code, str(Scope(code).label)
    # A long code is no country; django-countries would try it as a number (int() of
    # thousands of digits: a 500).
    if len(code) <= 3 and countries.alpha2(code):
        return code, str(countries.name(code))
    raise Http404(_("Unknown country code."))


@anonymous_page_cache
def country(request, code: str):
    code, name = _place(code)
    if code != request.resolver_match.kwargs["code"]:
        return redirect("atlas:country", code=code, permanent=True)
    data = selectors.country_page_data(code=code, viewer=request.user)
    context = {"code": code, "name": name, "is_scope": code in Scope.values, **data}
    return render(request, "atlas/country.html", context)


DIMENSION_ROWS = ["category", *SINGLE_VALUED, *MULTI_VALUED, "years"]


def _cell(examples: list[Example], dimension: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for example in examples:
        if dimension == "category":
            values = [example.category.name]
        elif dimension == "years":
            values = [f"{example.start_year or '?'}–{example.end_year or ''}"]
        elif dimension in MULTI_VALUED:
            values = (
                example.data_sources_display()
                if dimension == "data_sources"
                else example.consequences_display()
            )
        else:
            values = [str(getattr(example, f"get_{dimension}_display")())]
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _dimension_label(name: str) -> str:
    if name == "years":
        return _("Years")
    return str(Example._meta.get_field(name).verbose_name).capitalize()


def _matrix(codes: list[str]) -> tuple[list[dict], list[dict]]:
    columns = selectors.compare_matrix(codes=codes)
    rows = [
        {
            "label": _dimension_label(name),
            "cells": [_cell(col["examples"], name) for col in columns],
        }
        for name in DIMENSION_ROWS
    ]
    return columns, rows


def compare(request):
    form = CompareForm(request.GET or {"countries": "CN,DE,US"})
    columns, rows = [], []
    if form.is_valid():
        columns, rows = _matrix(form.cleaned_data["countries"])
    context = {"form": form, "columns": columns, "rows": rows}
    return render(request, "atlas/compare.html", context, status=200 if form.is_valid() else 400)


def compare_csv(request):
    form = CompareForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            " ".join(form.errors["countries"]), status=400, content_type="text/plain; charset=utf-8"
        )
    columns, rows = _matrix(form.cleaned_data["countries"])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="creditscape-compare.csv"'
    response["Link"] = f'<{citation.LICENCE_URL}>; rel="license"'
    writer = csv_safe.writer(response)  # formulas defused
    writer.writerow([_("Dimension"), *[f"{c['name']} ({c['code']})" for c in columns]])
    writer.writerow([_("Entries"), *[len(c["examples"]) for c in columns]])
    for row in rows:
        writer.writerow(
            [
                row["label"],
                *["; ".join(f"{value} ({n})" for value, n in cell) for cell in row["cells"]],
            ]
        )
    writer.writerow([_("Licence"), citation.LICENCE_NAME])
    writer.writerow([_("Cite as"), citation.dataset_citation(absolute_url(reverse("atlas:map")))])
    return response


def codebook(request):
    return render(
        request,
        "atlas/codebook.html",
        {"dimensions": codebook_module.dimensions(), "categories": selectors.categories()},
    )
