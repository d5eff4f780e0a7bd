"""HTML pages for comparing (countries side by side, systems side by side, CSV and JSON
of both) and the codebook. Split from views.py (the map and country pages), which they
share their dependencies and place parsing with."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.common import csv_safe
from apps.common.http_cache import public_page
from apps.common.public import public_view
from apps.common.site import absolute_url

from .. import as_of, citation, extensions
from .. import codebook as codebook_module
from ..dimensions import MULTI_VALUED, SINGLE_VALUED
from ..entries.filters import ExampleFilters
from ..entries.selectors import categories
from ..models import Category, Example
from . import selectors, systems
from .forms import CompareForm
from .views import AGGREGATES_DEPENDS_ON, _place

DIMENSION_ROWS = ["category", *SINGLE_VALUED, *MULTI_VALUED, "years"]


def _cell(examples: list[Example], dimension: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for example in examples:
        if dimension == "category":
            values = [example.category.name]
        elif dimension == "years":
            values = [example.years_display]
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


def _frozen_example(record: dict) -> Example:
    """An unsaved entry carrying a release's frozen values, for the comparison's cells."""
    example = Example(
        **{name: record[name] for name in FROZEN_FIELDS},
        pk=record["id"],
        slug=record.get("slug", ""),
        country=record["country"],
        scope=record["scope"],
    )
    example.category = Category(slug=record["category"], name=record["category_name"])
    return example


FROZEN_FIELDS = (
    "title", "operator", "scored", "data_sources", "consequences", "transparency",
    "contestable", "legal_basis", "lifecycle", "start_year", "end_year", "confidence",
)  # fmt: skip


def _matrix(codes: list[str], release: as_of.AsOf | None = None) -> tuple[list[dict], list[dict]]:
    if release is not None:
        columns = [
            {
                "code": code,
                "name": _place(code)[1],
                "examples": [
                    _frozen_example(r) for r in release.records(ExampleFilters(country=code))
                ],
            }
            for code in codes
        ]
    else:
        columns = selectors.compare_matrix(codes=codes)
    rows = [
        {
            "label": _dimension_label(name),
            "cells": [_cell(col["examples"], name) for col in columns],
        }
        for name in DIMENSION_ROWS
    ]
    return columns, rows


def _systems(request) -> tuple[list[Example], list, str]:
    """(entries, rows, error) for ``?entries=``: the compared systems, or a message."""
    try:
        ids = systems.parse_entry_ids(request.GET.getlist("entries"))
        examples = systems.entries_for_comparison(ids=ids)
    except ValidationError as exc:
        return [], [], " ".join(exc.messages)
    return examples, systems.comparison_rows(examples), ""


def _compare_systems(request):
    examples, rows, error = _systems(request)
    ids = ",".join(str(e.pk) for e in examples)
    columns = [
        {
            "example": e,
            # The same comparison without this entry (none left to compare below two).
            "remove": "?entries=" + ",".join(str(o.pk) for o in examples if o != e)
            if len(examples) > systems.MIN_ENTRIES
            else "",
        }
        for e in examples
    ]
    context = {
        "columns": columns,
        "examples": examples,
        "rows": rows,
        "error": error,
        "entries_param": request.GET.get("entries", "")[:100],
        "ids": ids,
        "differences": sum(row.differs for row in rows),
        "cite_dataset": as_of.latest_citation(),
    }
    return render(request, "atlas/compare_systems.html", context, status=400 if error else 200)


@public_view
@public_page(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
def compare(request):
    """Countries side by side (``?countries=``), or systems (``?entries=``)."""
    if "entries" in request.GET:
        return _compare_systems(request)
    release = as_of.requested(request)
    data = request.GET.copy()
    data.setdefault("countries", "CN,DE,US")
    form = CompareForm(data)
    columns, rows = [], []
    if form.is_valid():
        columns, rows = _matrix(form.cleaned_data["countries"], release)
    context = {
        "form": form,
        "columns": columns,
        "rows": rows,
        "as_of": release,
        "cite_dataset": as_of.citation_for(release),
    }
    return render(request, "atlas/compare.html", context, status=200 if form.is_valid() else 400)


@public_view
@public_page(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
def compare_csv(request):
    if "entries" in request.GET:
        return _compare_systems_csv(request)
    release = as_of.requested(request)
    form = CompareForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            " ".join(form.errors["countries"]), status=400, content_type="text/plain; charset=utf-8"
        )
    columns, rows = _matrix(form.cleaned_data["countries"], release)
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
    writer.writerow([_("Cite as"), _cite_as(release)])
    return response


def _compare_systems_csv(request):
    examples, rows, error = _systems(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="creditscape-compare-entries.csv"'
    response["Link"] = f'<{citation.LICENCE_URL}>; rel="license"'
    writer = csv_safe.writer(response)  # formulas defused
    writer.writerow([_("Dimension"), *[e.title for e in examples], _("Differs")])
    writer.writerow([_("Entry"), *[absolute_url(e.get_absolute_url()) for e in examples]])
    for row in rows:
        writer.writerow(
            [
                row.label,
                *["; ".join(cell.values) for cell in row.cells],
                _("yes") if row.differs else "",
            ]
        )
        if row.cells and row.cells[0].cites is not None:
            # A codebook value's citations, as on the page ("uncited" when none).
            writer.writerow(
                [
                    _("%(dimension)s: citations") % {"dimension": row.label},
                    *[_cell_citations(cell) for cell in row.cells],
                ]
            )
    writer.writerow(
        [
            _("Evidence"),
            *["; ".join(f"{i.title} <{i.link}>" for i in e.evidence.all()) for e in examples],
        ]
    )
    writer.writerow([_("Licence"), citation.LICENCE_NAME])
    writer.writerow([_("Cite as"), _cite_as()])
    return response


def _cell_citations(cell) -> str:
    texts = [
        (f"{part['label']}: " if part["label"] else "")
        + extensions.citation_text(cite, absolute_url)
        for part in cell.cites
        for cite in part["cites"]
    ]
    return " | ".join(texts) if texts else _("uncited")


def _cite_as(release=None) -> str:
    """How to cite the comparison's data, as the page's "Cite this dataset" does: the
    release shown, else the latest release, else the live atlas."""
    found = as_of.citation_for(release)
    if found is not None:
        return found.text
    return citation.dataset_citation(absolute_url(reverse("atlas:map")))


@public_view
@public_page(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
def compare_json(request):
    """The comparison of systems as JSON (``?entries=12,40``): a 400 with a message for
    anything but 2–4 published entries."""
    examples, rows, error = _systems(request)
    if error:
        return JsonResponse({"detail": error}, status=400)
    data = systems.comparison_json(examples, rows, absolute=absolute_url)
    data["licence"] = citation.LICENCE_URL
    data["cite_as"] = _cite_as()
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@public_view
@public_page(depends_on=("atlas.Category",))
def codebook(request):
    return render(
        request,
        "atlas/codebook.html",
        {
            "dimensions": codebook_module.dimensions(),
            "categories": categories(),
            # Issue 16: coder agreement per dimension lives on the coding app's page.
            "codebook_links": extensions.codebook_links(),
        },
    )
