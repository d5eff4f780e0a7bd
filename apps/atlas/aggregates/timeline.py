"""The timeline chart on the atlas and country pages: published entries in force per
year, stacked by category, drawn as server-rendered SVG (no chart library, no script) with
a data table as its twin for screen readers and for copying.

"In force in year Y" means start year ≤ Y and (no end year, or end year ≥ Y). Entries
whose start year is unknown cannot be drawn; the chart says how many they are."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import cache as atlas_cache
from ..entries.filters import ExampleFilters, apply_filters
from ..entries.selectors import published_examples
from ..models import EARLIEST_YEAR, Category

# Okabe–Ito: distinguishable with the common colour-vision deficiencies. More categories
# than colours repeat them; the legend and the table name every series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH, HEIGHT = 720, 220
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 36, 24, 8


def _counts(filters: ExampleFilters) -> dict:
    # The chart is the x-axis of years itself: the year range narrows what is drawn, not
    # which entries are counted.
    unranged = replace(filters, year_from=None, year_to=None, status="")
    rows = (
        apply_filters(published_examples(), unranged)
        .values_list("start_year", "end_year", "category_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {"rows": [list(r) for r in rows]}


def timeline_data(
    *, filters: ExampleFilters | None = None, categories: list[Category] | None = None
) -> dict:
    """{"years": [...], "series": [{"slug", "name", "colour", "counts": [per year]}],
    "totals": [per year], "unknown": entries without a start year, "max": n}. Cached
    with the aggregates (same generation)."""
    filters = filters or ExampleFilters()
    key = atlas_cache.aggregate_key("timeline", asdict(filters))
    raw = atlas_cache.cache.get(key)
    if raw is None:
        raw = _counts(filters)
        atlas_cache.cache.set(key, raw, atlas_cache.AGGREGATE_TIMEOUT)
    this_year = timezone.now().year
    known = [r for r in raw["rows"] if r[0] is not None]
    unknown = sum(r[3] for r in raw["rows"] if r[0] is None)
    # The axis stays within the years an entry can have (a 0 or 9999 in the URL would
    # otherwise draw thousands of empty bars).
    first = max(filters.year_from or min((r[0] for r in known), default=this_year), EARLIEST_YEAR)
    last = min(filters.year_to or this_year, this_year)
    years = list(range(first, last + 1)) if known and first <= last else []
    if categories is None:
        categories = list(Category.objects.order_by("order", "name"))
    categories = {c.pk: c for c in categories}
    per_category: dict[int, list[int]] = {}
    for start, end, category_id, n in known:
        counts = per_category.setdefault(category_id, [0] * len(years))
        for index, year in enumerate(years):
            if start <= year and (end is None or end >= year):
                counts[index] += n
    series = []
    for position, (category_id, category) in enumerate(
        (pk, c) for pk, c in categories.items() if pk in per_category
    ):
        if any(per_category[category_id]):
            series.append(
                {
                    "slug": category.slug,
                    "name": category.name,
                    "colour": PALETTE[position % len(PALETTE)],
                    "counts": per_category[category_id],
                }
            )
    totals = [sum(s["counts"][i] for s in series) for i in range(len(years))]
    return {
        "years": years,
        "series": series,
        "totals": totals,
        "unknown": unknown,
        "max": max(totals, default=0),
    }


@dataclass
class Bar:
    year: int
    x: float
    width: float
    segments: list[dict]
    label: str


def timeline_chart(data: dict) -> dict:
    """Geometry for templates/atlas/_timeline.html: bars, axis ticks, a summary."""
    years, top = data["years"], data["max"]
    if not years or not top:
        return {"empty": True, "summary": _("No entry with a known start year matches.")}
    plot_width = WIDTH - MARGIN_LEFT
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_width / len(years)
    bars = []
    for index, year in enumerate(years):
        y = HEIGHT - MARGIN_BOTTOM
        segments = []
        for series in data["series"]:
            n = series["counts"][index]
            if not n:
                continue
            height = plot_height * n / top
            y -= height
            segments.append(
                {"y": round(y, 2), "height": round(height, 2), "colour": series["colour"],
                 "title": f"{year} · {series['name']}: {n}"}
            )  # fmt: skip
        total = data["totals"][index]
        label = ngettext("%(year)s: %(n)s entry in force", "%(year)s: %(n)s entries in force", total) % {
            "year": year, "n": total,
        }  # fmt: skip
        bars.append(
            Bar(year, round(MARGIN_LEFT + index * step + step * 0.1, 2), round(step * 0.8, 2),
                segments, label)
        )  # fmt: skip
    tick_every = max(1, round(len(years) / 8))
    ticks = [
        {"x": round(MARGIN_LEFT + i * step + step / 2, 2), "year": year}
        for i, year in enumerate(years)
        if i % tick_every == 0 or i == len(years) - 1
    ]
    peak_index = data["totals"].index(top)
    summary = _(
        "Entries in force per year from %(first)s to %(last)s, stacked by category; the "
        "most in %(peak)s (%(n)s)."
    ) % {"first": years[0], "last": years[-1], "peak": years[peak_index], "n": top}
    return {
        "empty": False,
        "bars": bars,
        "ticks": ticks,
        "summary": summary,
        "width": WIDTH,
        "height": HEIGHT,
        "axis_y": HEIGHT - MARGIN_BOTTOM,
        "axis_x": MARGIN_LEFT,
        "top_label_y": MARGIN_TOP + 10,
        "max": top,
        "table_rows": [
            {
                "year": year,
                "total": data["totals"][i],
                "counts": [s["counts"][i] for s in data["series"]],
            }
            for i, year in enumerate(years)
            if data["totals"][i]
        ],  # fmt: skip
    }


def timeline(
    *, filters: ExampleFilters | None = None, categories: list[Category] | None = None
) -> dict:
    """The chart for a page; ``categories`` saves a query where the page has them."""
    data = timeline_data(filters=filters, categories=categories)
    chart = timeline_chart(data)
    chart["series"] = data["series"]
    chart["unknown"] = data["unknown"]
    return chart
