"""Filters shared by the entry list and its API, the exports, the map, the country pages
and search: parsed from query parameters (an unknown value is a ValidationError with a
clear message, never an empty result that looks like "nothing found") and applied to any
queryset of entries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from apps.common.countries import country_code

from ..dimensions import Consequence, Lifecycle, Operator, Scope
from ..models import Category, PassageLink, Status

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ExampleFilters:
    """Filters shared by the API, the exports, the map and the country pages.

    ``year_from``/``year_to`` keep entries whose active years overlap the range. An entry
    with no start year cannot be placed in it: ``unknown_years`` (on by default) keeps
    it anyway, unless a known end year puts it before the range, so entries without
    years never silently vanish under a year filter; off, they are left out.
    """

    country: str = ""
    category: str = ""
    operator: str = ""
    consequence: str = ""
    lifecycle: str = ""
    year_from: int | None = None
    year_to: int | None = None
    has_passage: bool | None = None
    q: str = ""
    status: str = ""
    unknown_years: bool = True

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters (for shareable links and export links); a
        default is left out."""
        query = {}
        for name, value in asdict(self).items():
            if value in (None, "") or (name == "unknown_years" and value):
                continue
            query[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return query

    @property
    def is_empty(self) -> bool:
        return not self.as_query()


FILTER_PARAMS = (
    "country", "category", "operator", "consequence", "lifecycle",
    "year", "year_from", "year_to", "has_passage", "q", "status", "unknown_years",
)  # fmt: skip


def _choice(name: str, value: str, allowed, label: str) -> str:
    if value and value not in allowed:
        raise ValidationError(
            {
                name: _("Unknown %(label)s “%(value)s”. Choose from: %(choices)s.")
                % {"label": label, "value": value, "choices": ", ".join(sorted(allowed))}
            }  # fmt: skip
        )
    return value


def _int(name: str, value: str) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{1,4}", value):
        raise ValidationError({name: _("“%(value)s” is not a year.") % {"value": value}})
    return int(value)


def parse_filters(params: Mapping[str, str]) -> ExampleFilters:
    """Turn query parameters into filters. Unknown values are an error (a clear message,
    never an empty result that looks like "nothing found")."""
    get = lambda name: (params.get(name) or "").strip()  # noqa: E731
    country_text = get("country")
    country = country_code(country_text, extra=dict(Scope.choices)) or ""
    if country_text and not country:
        raise ValidationError(
            {
                "country": _(
                    "Unknown country “%(code)s”. Give its name (China) or ISO code (CN), "
                    "or one of: %(scopes)s."
                )
                % {"code": country_text[:60], "scopes": ", ".join(Scope.values)}
            }  # fmt: skip
        )
    category = get("category")
    if category and not Category.objects.filter(slug=category).exists():
        slugs = Category.objects.values_list("slug", flat=True)
        _choice("category", category, set(slugs), _("category"))
    year = _int("year", get("year"))
    year_from = _int("year_from", get("year_from"))
    year_to = _int("year_to", get("year_to"))
    if year is not None:
        year_from = year_to = year
    if year_from and year_to and year_to < year_from:
        raise ValidationError(
            {
                "year_to": _("The end of the year range (%(to)s) is before its start (%(from)s).")
                % {"to": year_to, "from": year_from}
            }  # fmt: skip
        )
    has_passage_raw = get("has_passage").lower()
    if has_passage_raw and has_passage_raw not in TRUE_VALUES | FALSE_VALUES:
        raise ValidationError({"has_passage": _("has_passage must be true or false.")})
    unknown_raw = get("unknown_years").lower()
    if unknown_raw and unknown_raw not in TRUE_VALUES | FALSE_VALUES:
        raise ValidationError({"unknown_years": _("unknown_years must be true or false.")})
    return ExampleFilters(
        unknown_years=unknown_raw not in FALSE_VALUES,
        country=country,
        category=category,
        operator=_choice("operator", get("operator"), set(Operator.values), _("operator")),
        consequence=_choice(
            "consequence", get("consequence"), set(Consequence.values), _("consequence")
        ),
        lifecycle=_choice("lifecycle", get("lifecycle"), set(Lifecycle.values), _("lifecycle")),
        year_from=year_from,
        year_to=year_to,
        has_passage=(has_passage_raw in TRUE_VALUES) if has_passage_raw else None,
        q=get("q")[:200],
        status=_choice("status", get("status"), set(Status.values), _("status")),
    )


def _json_list_contains(field: str, value: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    # SQLite stores the list as JSON text; a quoted value matches exactly one element.
    return Q(**{f"{field}__icontains": f'"{value}"'})


def apply_filters(qs: QuerySet, filters: ExampleFilters) -> QuerySet:
    if filters.country:
        if filters.country in Scope.values:
            qs = qs.filter(scope=filters.country)
        else:
            qs = qs.filter(country=filters.country)
    if filters.category:
        qs = qs.filter(category__slug=filters.category)
    if filters.operator:
        qs = qs.filter(operator=filters.operator)
    if filters.lifecycle:
        qs = qs.filter(lifecycle=filters.lifecycle)
    if filters.consequence:
        qs = qs.filter(_json_list_contains("consequences", filters.consequence))
    if filters.year_from is not None or filters.year_to is not None:
        # A known end year before the range rules an entry out, start known or not.
        ends_in_range = (
            Q(end_year__isnull=True) | Q(end_year__gte=filters.year_from)
            if filters.year_from is not None
            else Q()
        )
        placed = Q(start_year__isnull=False) & ends_in_range
        if filters.year_to is not None:
            placed &= Q(start_year__lte=filters.year_to)
        if filters.unknown_years:
            placed |= Q(start_year__isnull=True) & ends_in_range
        qs = qs.filter(placed)
    if filters.has_passage is not None:
        linked = Exists(PassageLink.objects.filter(example=OuterRef("pk")))
        qs = qs.filter(linked) if filters.has_passage else qs.exclude(linked)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(summary__icontains=filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs
