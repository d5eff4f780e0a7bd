"""Reads for the map, the country pages, the comparison and the reader's atlas block:
aggregates over published entries (the public set, whoever asks), cached until the
published set changes (apps/atlas/cache.py; aggregates/services.py bumps it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from .. import cache as atlas_cache
from ..dimensions import MULTI_VALUED, SINGLE_VALUED, Scope
from ..entries.filters import ExampleFilters, apply_filters
from ..entries.selectors import example_export_list, published_examples
from ..models import Category, Example, PassageLink
from ..research_status.selectors import research_statuses


def _compute_aggregates(filters: ExampleFilters) -> dict:
    # GROUP BY the category id, not the joined slug: on PostgreSQL the grouping then runs
    # as an index-only scan of the (status, country, scope, category) index, and the
    # planner's estimate no longer depends on statistics of the tiny category table
    # (which autovacuum never analyses); without them it chose an on-disk sort (see
    # docs/benchmarks.md, "Atlas"). The slugs come from one small query.
    rows = (
        apply_filters(published_examples(), filters)
        .values_list("country", "scope", "category_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    slugs = dict(Category.objects.values_list("pk", "slug"))
    counts: dict[tuple[str, str], int] = {}
    for country, scope, category_id, n in rows:
        key = (country or scope, slugs.get(category_id, str(category_id)))
        counts[key] = counts.get(key, 0) + n
    return place_rows(counts)


def place_rows(counts: dict[tuple[str, str], int]) -> dict:
    """The map's rows from ``{(country or scope code, category slug): entries}``: one row
    per place with its categories, countries and supranational scopes apart, most entries
    first. Shared with a release's frozen counts (apps/releases/as_of.py)."""
    places: dict[str, dict] = {}
    for (code, category), n in counts.items():
        place = places.setdefault(code, {"country": code, "count": 0, "categories": {}})
        place["count"] += n
        place["categories"][category] = place["categories"].get(category, 0) + n
    country_rows, scope_rows = [], []
    for code, place in places.items():
        if code in Scope.values:
            scope_rows.append({**place, "name": str(Scope(code).label)})
        else:
            country_rows.append({**place, "name": str(countries.name(code))})
    order = lambda row: (-row["count"], row["name"])  # noqa: E731
    country_rows.sort(key=order)
    scope_rows.sort(key=order)
    return {
        "countries": country_rows,
        "supranational": scope_rows,
        "total": sum(p["count"] for p in places.values()),
    }


def atlas_aggregates(*, filters: ExampleFilters | None = None) -> dict:
    """Published entries per country (and per supranational scope) with a category
    breakdown, honouring the filters: ``{"countries": [{"country", "name", "count",
    "categories"}], "supranational": [...], "total": n}``. Cached until the published set
    changes (see cache.py)."""
    filters = filters or ExampleFilters()
    if filters.status:
        filters = ExampleFilters(**{**asdict(filters), "status": ""})
    key = atlas_cache.aggregate_key("aggregates", asdict(filters))
    result = atlas_cache.cache.get(key)
    if result is None:
        result = _compute_aggregates(filters)
        atlas_cache.cache.set(key, result, atlas_cache.AGGREGATE_TIMEOUT)
    return result


def rebuild_snapshot() -> dict:
    """Recompute the unfiltered aggregates and store them (periodic task, after writes)."""
    filters = ExampleFilters()
    result = _compute_aggregates(filters)
    atlas_cache.cache.set(
        atlas_cache.aggregate_key("aggregates", asdict(filters)),
        result,
        atlas_cache.AGGREGATE_TIMEOUT,
    )
    return result


def country_aggregate(*, code: str, filters: ExampleFilters | None = None) -> dict:
    """One country's (or scope's) row, with zero counts when it has no entries."""
    data = atlas_aggregates(filters=filters)
    for row in data["countries"] + data["supranational"]:
        if row["country"] == code:
            return row
    name = str(Scope(code).label) if code in Scope.values else str(countries.name(code))
    return {"country": code, "name": name, "count": 0, "categories": {}}


def headline(*, filters: ExampleFilters | None = None) -> str:
    """The headline "N examples in M countries" over published entries (supranational
    entries count as examples, not as countries)."""
    return headline_of(atlas_aggregates(filters=filters))


def headline_of(data: dict) -> str:
    """The headline for aggregates already read (the live ones or a release's)."""
    examples_text = ngettext("%(n)s example", "%(n)s examples", data["total"]) % {
        "n": f"{data['total']:,}"
    }
    country_count = len(data["countries"])
    countries_text = ngettext("%(m)s country", "%(m)s countries", country_count) % {
        "m": f"{country_count:,}"
    }
    return _("%(examples)s in %(countries)s") % {
        "examples": examples_text,
        "countries": countries_text,
    }


def passage_link_summary(*, passage_ids) -> dict[int, dict]:
    """For the reader: per passage, how many published entries link to it and from how
    many countries or scopes. One query, whatever the number of passages."""
    rows = (
        PassageLink.objects.filter(
            passage_id__in=list(passage_ids), example__in=published_examples()
        )
        .values_list("passage_id", "example_id", "example__country", "example__scope")
        .distinct()
    )
    examples: dict[int, set] = defaultdict(set)
    places: dict[int, set] = defaultdict(set)
    for passage_id, example_id, country, scope in rows:
        examples[passage_id].add(example_id)
        places[passage_id].add(country or scope)
    return {
        pid: {"examples": len(examples[pid]), "countries": len(places[pid])} for pid in examples
    }


def examples_for_passage(*, passage_id: int) -> QuerySet:
    return (
        published_examples()
        .filter(passage_links__passage_id=passage_id)
        .select_related("category")
        .distinct()
        .order_by("country", "title")
    )


def country_page_data(*, code: str, viewer) -> dict:
    """Everything the country page shows: published entries by category, the passages
    they link to, the research status and contributors. A fixed number of queries."""
    filters = ExampleFilters(country=code)
    examples = list(example_export_list(filters=filters))
    by_category: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_category[example.category.name].append(example)
    passages = {}
    contributors = {}
    for example in examples:
        for link in example.passage_links.all():
            passages.setdefault(link.passage_id, {"passage": link.passage, "links": []})
            passages[link.passage_id]["links"].append((example, link))
        if example.author_id:
            contributors[example.author_id] = example.author
    dimension_summary = _dimension_summary(examples)
    return {
        "examples": examples,
        "by_category": sorted(by_category.items()),
        "passages": list(passages.values()),
        "contributors": sorted(contributors.values(), key=lambda u: u.public_name.lower()),
        "research": list(research_statuses(country=code)) if code not in Scope.values else [],
        "dimensions": dimension_summary,
        "annotations": country_annotations(code=code, viewer=viewer)
        if code not in Scope.values
        else [],
    }


COUNTRY_ANNOTATIONS_LIMIT = 50


def country_annotations(*, code: str, viewer, limit: int = COUNTRY_ANNOTATIONS_LIMIT) -> list:
    """Public annotations tagged ``country:<code>``, newest first, at most ``limit``.

    Read through the annotations app's selector, so its rules hold here too: private
    notes are left out (even the viewer's own: this page shows public contributions),
    hidden ones are seen only by their author and moderators, deleted ones by nobody.
    Two queries at most (one for a moderator's permission lookup aside), whatever the
    number of annotations."""
    from apps.annotations.models import Visibility
    from apps.annotations.selectors import annotation_list

    return list(
        annotation_list(viewer=viewer, tag=f"country:{code}", visibility=Visibility.PUBLIC)
        .filter(deleted_at__isnull=True)
        .annotate(source_title=F("source__title"))
        .defer("body", "prefix", "suffix")
        .order_by("-created", "-id")[:limit]
    )


def _dimension_summary(examples: list[Example]) -> list[dict]:
    """Per dimension, how many entries take each value (for the country page)."""
    summary = []
    for name, choices in {**SINGLE_VALUED, **MULTI_VALUED}.items():
        counts: dict[str, int] = defaultdict(int)
        for example in examples:
            values = getattr(example, name)
            for value in values if isinstance(values, list) else [values]:
                counts[value] += 1
        if counts:
            summary.append(
                {
                    "name": name,
                    "label": str(Example._meta.get_field(name).verbose_name),
                    "values": [
                        (str(choices(v).label) if v in choices.values else v, n)
                        for v, n in sorted(counts.items(), key=lambda item: -item[1])
                    ],
                }
            )
    return summary


def compare_matrix(*, codes: list[str]) -> list[dict]:
    """Columns for the comparison page: per country, its published entries (with their
    dimension values). Rows are the dimensions (see views)."""
    examples = list(
        published_examples()
        .filter(Q(country__in=codes) | Q(scope__in=codes))
        .select_related("category")
        .order_by("title")
    )
    columns = []
    for code in codes:
        entries = [e for e in examples if e.place_code == code]
        name = str(Scope(code).label) if code in Scope.values else str(countries.name(code))
        columns.append({"code": code, "name": name, "examples": entries})
    return columns


# --- The entries table under the map ------------------------------------------------------------

TABLE_PAGE_SIZE = 25
# Sort keys the table offers (?sort=key or -key), each with the tiebreakers that make the
# order total, so a page boundary never shows a row twice or skips one.
TABLE_SORTS = {
    "title": ("title",),
    "country": ("country", "scope", "title"),
    "category": ("category__order", "category__name", "title"),
    "operator": ("operator", "title"),
    "lifecycle": ("lifecycle", "title"),
    "years": ("start_year", "end_year", "title"),
    "evidence": ("evidence_count", "title"),
    "updated": ("modified", "title"),
}
TABLE_DEFAULT_SORT = "title"


def parse_table_sort(raw: str) -> str:
    """A known sort key with its direction ("-updated"), else the default."""
    raw = (raw or "").strip()
    return raw if raw.lstrip("-") in TABLE_SORTS else TABLE_DEFAULT_SORT


def entries_table(
    *, filters: ExampleFilters | None = None, sort: str = TABLE_DEFAULT_SORT, page: str = "1",
    per_page: int = TABLE_PAGE_SIZE,
):  # fmt: skip
    """One page of published entries for the map's table, filtered as the map is and
    sorted server-side (unknown years sort last whichever the direction). Three queries:
    the count, the page with its category, nothing per row."""
    from django.core.paginator import Paginator

    sort = parse_table_sort(sort)
    descending = sort.startswith("-")
    fields = TABLE_SORTS[sort.lstrip("-")]
    order = []
    for field in (*fields, "pk"):
        expression = F(field)
        order.append(
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        )
    qs = (
        apply_filters(published_examples(), filters or ExampleFilters())
        .select_related("category")
        .annotate(evidence_count=Count("evidence", distinct=True))
        .only(
            "id",
            "title",
            "slug",
            "country",
            "scope",
            "region",
            "operator",
            "lifecycle",
            "start_year",
            "end_year",
            "modified",
            "category__name",
            # The name in every language (modeltranslation's columns): the current one
            # falls back to English, which would otherwise be loaded row by row.
            "category__name_en",
            "category__name_de",
            "category__name_zh_hans",
            "category__slug",
        )  # fmt: skip
        .order_by(*order)
    )
    return Paginator(qs, per_page).get_page(page)
