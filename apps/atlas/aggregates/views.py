"""HTML pages for the map, the country pages, the comparison and the codebook. Thin:
parse input, call an aggregates selector, render."""

from __future__ import annotations

import functools
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_replace
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django_countries import countries

from apps.common.countries import search_terms
from apps.common.http_cache import public_page
from apps.common.public import public_view
from apps.common.site import absolute_url

from .. import as_of, citation
from ..dimensions import Consequence, Lifecycle, Operator, Scope
from ..entries.filters import ExampleFilters, parse_filters
from ..entries.selectors import categories
from ..research_status.selectors import countries_researched_none_found
from . import selectors
from .timeline import timeline

MAP_FILTERS = (
    "unknown_years",
    "country",
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
    "atlas.LifecycleEvent",
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
    filters = parse_filters(params)
    # The form shows what the filter understood ("China" typed, CN selected).
    return filters, {**params, "country": filters.country}


# The entries table's columns: (sort key, heading). The sort keys are selectors.TABLE_SORTS'.
TABLE_COLUMNS = (
    ("title", _lazy("Title")),
    ("country", _lazy("Country")),
    ("category", _lazy("Category")),
    ("operator", _lazy("Operator")),
    ("lifecycle", _lazy("Lifecycle")),
    ("years", _lazy("Years")),
    ("evidence", _lazy("Evidence")),
    ("updated", _lazy("Updated")),
)


def _table_headings(query: dict[str, str], sort: str) -> list[dict]:
    """Each column's heading with the link that sorts by it (ascending first, then the
    other way) and its aria-sort state; the page number goes, the filters stay."""
    current, descending = sort.lstrip("-"), sort.startswith("-")
    headings = []
    for key, label in TABLE_COLUMNS:
        is_current = key == current
        next_sort = f"-{key}" if is_current and not descending else key
        headings.append(
            {
                "key": key,
                "label": label,
                "href": "?" + urlencode({**query, "sort": next_sort}) + "#entries-table",
                "aria_sort": ("descending" if descending else "ascending") if is_current else "",
            }
        )
    return headings


def _table_context(request, filters: ExampleFilters) -> dict:
    sort = selectors.parse_table_sort(request.GET.get("sort", ""))
    page = selectors.entries_table(filters=filters, sort=sort, page=request.GET.get("page", "1"))
    query = filters.as_query()
    page_query = {**query, "sort": sort}
    return {
        "table_page": page,
        "table_headings": _table_headings(query, sort),
        "table_prev": "?" + urlencode({**page_query, "page": page.previous_page_number()})
        if page.has_previous()
        else "",
        "table_next": "?" + urlencode({**page_query, "page": page.next_page_number()})
        if page.has_next()
        else "",
    }


def _country_choices() -> list[tuple[str, str, str]]:
    """(code, name, search terms) for the map's country filter (the combobox's options)."""
    return [
        *((code, str(label), code) for code, label in Scope.choices),
        *((code, str(name), search_terms(code)) for code, name in countries),
    ]


@public_view
@public_page(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
def atlas_map(request):
    """The map page: headline, filters kept in the URL, the choropleth (drawn by
    static/js/atlas-map.js from the embedded data) and the same numbers as a table.
    ``?release=<version>``: the data as frozen in that release (apps/atlas/as_of.py)."""
    context = _map_context(request)
    context.update(
        country_choices=_country_choices(),
        # A release froze entries, not their timeline: it is left out there.
        timeline=None
        if context["as_of"]
        else timeline(filters=context["filters"], categories=context["category_list"]),
        embed_url=absolute_url(reverse("atlas:embed"))
        + (f"?{context['export_query']}" if context["export_query"] else ""),
        **_table_context(request, context["filters"]),
    )
    return render(request, "atlas/map.html", context, status=400 if context["error"] else 200)


def _map_context(request) -> dict:
    """What the map page and the embeddable map share: filters, counts, legend and the
    data the choropleth script draws."""
    error = ""
    release = as_of.requested(request)
    try:
        filters, params = _map_filters(request)
    except ValidationError as exc:
        filters, params = ExampleFilters(), dict.fromkeys(MAP_FILTERS, "")
        error = " ".join(m for ms in exc.message_dict.values() for m in ms)
    if release is not None:
        data = release.aggregates(filters)
        # Research statuses are not part of a release: only what it froze is shown.
        none_found = {}
    else:
        data = selectors.atlas_aggregates(filters=filters)
        none_found = countries_researched_none_found()
    category_list = list(categories())
    category_names = {c.slug: c.name for c in category_list}
    counted = {row["country"] for row in data["countries"]}
    # Strings built here, not in template loops: the table can have ~250 rows with a
    # dozen categories each, and per-cell template rendering dominated the page's time.
    country_url = reverse("atlas:country", kwargs={"code": "XX"})
    rows = [
        {
            **row,
            "url": country_url.replace("XX", row["country"])
            + (f"?release={release.version}" if release else ""),
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
        # Whole labels made here: plural rules differ by language, so the script never
        # glues a number to a word ("Germany: 1 entries").
        "count_labels": {
            row["country"]: ngettext(
                "%(name)s: %(n)s entry", "%(name)s: %(n)s entries", row["count"]
            )
            % {"name": row["name"], "n": row["count"]}
            for row in data["countries"]
        },
        "category_names": category_names,
        "none_found": sorted(code for code in none_found if code not in counted),
        "country_url": country_url,
        "query": {**filters.as_query(), **({"release": release.version} if release else {})},
        "classes": LEGEND_CLASSES,
        "numeric": _numeric_codes(),
        "labels": {
            "none_found": _("researched, none found"),
            "open": _("Show entries"),
            "loading": _("Loading…"),
            "empty": _("No published entries match these filters."),
            "error": _("The entries could not be loaded. Check your connection and try again."),
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
        "headline": selectors.headline_of(data),
        "as_of": release,
        "cite_dataset": as_of.citation_for(release),
        "total": data["total"],
        "categories": list(category_names.items()),
        "operators": Operator.choices,
        "consequences": Consequence.choices,
        "lifecycles": Lifecycle.choices,
        "map_data": map_data,
        "export_query": urlencode(
            {**filters.as_query(), **({"release": release.version} if release else {})}
        ),
        "legend": _legend_labels(),
        "category_list": category_list,
    }
    return context


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@public_view
@public_page(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
def embed(request):
    """The map without the site around it, for other sites' pages: legend, attribution,
    licence and a link back to the same view in the atlas. The one page any site may
    frame (``frame-ancestors *``, no X-Frame-Options); the two decorators above sit
    outside the page cache, so a cached copy is frameable too. Links open outside the
    frame."""
    context = _map_context(request)
    context["atlas_url"] = absolute_url(reverse("atlas:map")) + (
        f"?{context['export_query']}" if context["export_query"] else ""
    )
    context["citation"] = citation.dataset_citation(absolute_url(reverse("atlas:map")))
    return render(request, "atlas/embed.html", context, status=400 if context["error"] else 200)


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
@public_page(depends_on=(*COUNTRY_DEPENDS_ON, *as_of.RELEASE_MODELS))
def country(request, code: str):
    code, name = _place(code)
    if code != request.resolver_match.kwargs["code"]:
        return redirect("atlas:country", code=code, permanent=True)
    release = as_of.requested(request)
    if release is not None:
        data = _country_as_of(release, code)
    else:
        data = selectors.country_page_data(code=code, viewer=request.user)
    context = {
        "code": code,
        "name": name,
        "is_scope": code in Scope.values,
        "timeline": None if release else timeline(filters=ExampleFilters(country=code)),
        "as_of": release,
        **data,
    }
    return render(request, "atlas/country.html", context)


def _country_as_of(release: as_of.AsOf, code: str) -> dict:
    """The country page's entries as frozen in ``release`` (research statuses, passages,
    annotations and the dimension summary are the live page's: not part of a release)."""
    labels = dict(Lifecycle.choices)
    by_category: dict[str, list] = {}
    for record in release.records(ExampleFilters(country=code)):
        entry = SimpleNamespace(
            title=record["title"],
            region=record["region"],
            start_year=record["start_year"],
            end_year=record["end_year"],
            get_absolute_url=urlsplit(record["url"]).path,
            get_lifecycle_display=labels.get(record["lifecycle"], record["lifecycle"]),
        )
        by_category.setdefault(record["category_name"], []).append(entry)
    return {
        "examples": [e for entries in by_category.values() for e in entries],
        "by_category": sorted(by_category.items()),
        "passages": [],
        "contributors": [],
        "research": [],
        "dimensions": [],
        "annotations": [],
    }
