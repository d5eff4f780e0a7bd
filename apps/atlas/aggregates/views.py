"""HTML pages for the map, the country pages, the comparison and the codebook. Thin:
parse input, call an aggregates selector, render."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from apps.common import csv_safe
from apps.common.http_cache import public_page
from apps.common.public import public_view
from apps.common.site import absolute_url

from .. import citation
from .. import codebook as codebook_module
from ..dimensions import MULTI_VALUED, SINGLE_VALUED, Consequence, Lifecycle, Operator, Scope
from ..entries.filters import ExampleFilters, parse_filters
from ..entries.selectors import categories
from ..models import Example
from ..research_status.selectors import countries_researched_none_found
from . import selectors
from .forms import CompareForm

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

# What the aggregate pages, their API and the exports read: published entries, their
# contributors and linked passages, and what decides who sees them.
AGGREGATES_DEPENDS_ON = (
    "atlas.Example",
    "atlas.Category",
    "atlas.Evidence",
    "atlas.PassageLink",
    "atlas.ExampleContributor",
    "atlas.CountryResearchStatus",
    # The exports carry value citations (apps/atlas/extensions.py, ADR 0011).
    "coding.ValueCitation",
    "sources.Source",
    "sources.Document",
    "sources.Passage",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
    "contenttypes.ContentType",
)
# A country page also lists the annotations on its entries' passages.
COUNTRY_DEPENDS_ON = (
    *AGGREGATES_DEPENDS_ON,
    "annotations.Annotation",
    "annotations.AnnotationAnchor",
)


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


def _map_filters(request) -> tuple[ExampleFilters, dict]:
    params = {name: request.GET.get(name, "") for name in MAP_FILTERS}
    return parse_filters(params), params


@public_view
@public_page(depends_on=AGGREGATES_DEPENDS_ON)
def atlas_map(request):
    """The map page: headline, filters kept in the URL, the choropleth (drawn by
    static/js/atlas-map.js from the embedded data) and the same numbers as a table."""
    error = ""
    try:
        filters, params = _map_filters(request)
    except ValidationError as exc:
        filters, params = ExampleFilters(), dict.fromkeys(MAP_FILTERS, "")
        error = " ".join(m for ms in exc.message_dict.values() for m in ms)
    data = selectors.atlas_aggregates(filters=filters)
    category_names = {c.slug: c.name for c in categories()}
    none_found = countries_researched_none_found()
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


@public_view
@public_page(depends_on=COUNTRY_DEPENDS_ON)
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


@public_view
@public_page(depends_on=AGGREGATES_DEPENDS_ON)
def compare(request):
    form = CompareForm(request.GET or {"countries": "CN,DE,US"})
    columns, rows = [], []
    if form.is_valid():
        columns, rows = _matrix(form.cleaned_data["countries"])
    context = {"form": form, "columns": columns, "rows": rows}
    return render(request, "atlas/compare.html", context, status=200 if form.is_valid() else 400)


@public_view
@public_page(depends_on=AGGREGATES_DEPENDS_ON)
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


@public_view
@public_page(depends_on=("atlas.Category",))
def codebook(request):
    return render(
        request,
        "atlas/codebook.html",
        {"dimensions": codebook_module.dimensions(), "categories": categories()},
    )
