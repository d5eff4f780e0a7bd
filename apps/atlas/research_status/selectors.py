"""Reads of "researched, none found" (per country × category)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from ..models import CountryResearchStatus


def research_statuses(*, country: str = "") -> QuerySet:
    qs = CountryResearchStatus.objects.select_related("category")
    return qs.filter(country=country) if country else qs


def countries_researched_none_found() -> dict[str, list[str]]:
    """Country code -> category slugs marked "researched, none found"."""
    result: dict[str, list[str]] = defaultdict(list)
    for code, slug in CountryResearchStatus.objects.values_list("country", "category__slug"):
        result[code].append(slug)
    return dict(result)
