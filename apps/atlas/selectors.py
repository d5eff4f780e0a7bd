"""Reads for the atlas. Every list a user sees comes from here, so visibility is decided
once: published entries are public; drafts, submitted, changes-requested and rejected
entries are seen only by their author and moderators; counts, the map and exports use
published entries only, whoever asks.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from apps.moderation import permissions as moderation_roles
from apps.moderation.selectors import exclude_shadow_hidden, shadow_hidden_user_ids
from apps.sources.models import DocumentStatus, Passage

from . import cache as atlas_cache
from .contributors import contributors_prefetch
from .models import (
    Category,
    Consequence,
    CountryResearchStatus,
    Evidence,
    Example,
    Lifecycle,
    Operator,
    PassageLink,
    Scope,
    Status,
)
from .permissions import can_moderate_example, is_moderator

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ExampleFilters:
    """Filters shared by the API, the exports, the map and the country pages.

    ``year_from``/``year_to`` keep entries whose active years overlap the range (an entry
    with no start year is left out once a range is asked for: we cannot place it).
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

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters (for shareable links and export links)."""
        query = {}
        for name, value in asdict(self).items():
            if value in (None, ""):
                continue
            query[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return query

    @property
    def is_empty(self) -> bool:
        return not self.as_query()


FILTER_PARAMS = (
    "country", "category", "operator", "consequence", "lifecycle",
    "year", "year_from", "year_to", "has_passage", "q", "status",
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
    country = get("country").upper()
    if country and country not in Scope.values and not countries.alpha2(country):
        raise ValidationError(
            {
                "country": _(
                    "Unknown country “%(code)s”. Use an ISO 3166-1 alpha-2 code such as DE, "
                    "or one of: %(scopes)s."
                )
                % {"code": country, "scopes": ", ".join(Scope.values)}
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
    return ExampleFilters(
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
    if filters.year_to is not None:
        qs = qs.filter(start_year__isnull=False, start_year__lte=filters.year_to)
    if filters.year_from is not None:
        qs = qs.filter(start_year__isnull=False).filter(
            Q(end_year__isnull=True) | Q(end_year__gte=filters.year_from)
        )
    if filters.has_passage is not None:
        linked = Exists(PassageLink.objects.filter(example=OuterRef("pk")))
        qs = qs.filter(linked) if filters.has_passage else qs.exclude(linked)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(summary__icontains=filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


# --- Visibility -----------------------------------------------------------------------------


def published_examples() -> QuerySet:
    """The public set: published entries whose author is not shadow-hidden. Counts, the
    map, exports, country and comparison pages read this, whoever asks (they are public
    datasets, cached for everyone), so a shadow-hidden author's entries are missing there
    even for them and for moderators; their entry pages and lists still show them."""
    return Example.objects.filter(status=Status.PUBLISHED).exclude(
        author__in=shadow_hidden_user_ids()
    )


def examples_visible_to(*, viewer) -> QuerySet:
    """Published entries (not by shadow-hidden authors), plus the viewer's own entries,
    plus every entry of the countries a moderator moderates (all entries for global
    moderators, who also see shadow-hidden authors' entries); never entries merged into
    another (their addresses redirect: merging.py)."""
    if not is_moderator(viewer):
        if viewer is not None and viewer.is_authenticated:
            return exclude_shadow_hidden(
                Example.objects.filter(Q(status=Status.PUBLISHED) | Q(author=viewer)),
                viewer=viewer,
            ).exclude(status=Status.MERGED)
        return published_examples()
    scope = moderation_roles.moderator_countries(viewer)
    if scope is None:
        return Example.objects.exclude(status=Status.MERGED)
    return Example.objects.filter(
        Q(status=Status.PUBLISHED) | Q(author=viewer) | Q(country__in=sorted(scope))
    ).exclude(status=Status.MERGED)


def _with_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("category", "author").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.select_related("source")),
        Prefetch(
            "passage_links",
            queryset=PassageLink.objects.select_related("passage__document__source").order_by("pk"),
        ),
        contributors_prefetch(),
    )


def example_list(*, viewer, filters: ExampleFilters | None = None) -> QuerySet:
    """Entries the viewer may see, filtered, newest first, with evidence and links."""
    qs = apply_filters(examples_visible_to(viewer=viewer), filters or ExampleFilters())
    return _with_details(qs).order_by("-created", "-pk")


def example_export_list(*, filters: ExampleFilters | None = None) -> QuerySet:
    """Published entries only, whoever asks: exports are public datasets."""
    qs = apply_filters(published_examples(), filters or ExampleFilters())
    return _with_details(qs).order_by("country", "scope", "title", "pk")


def example_get(*, viewer, example_id: int) -> Example:
    """One entry the viewer may see, with everything its page shows; Http404 otherwise
    (an unpublished entry is not admitted to exist)."""
    try:
        return _with_details(examples_visible_to(viewer=viewer)).get(pk=example_id)
    except (Example.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such entry.")) from exc


def passages_visible_to(*, viewer) -> QuerySet:
    """Passages a user can link: those of a readable (imported) version of a source.
    Sources are public, so the viewer does not narrow it yet; private sources would."""
    return Passage.objects.filter(document__status=DocumentStatus.READY)


def passage_for_form(*, viewer, passage_id) -> Passage | None:
    try:
        return (
            passages_visible_to(viewer=viewer)
            .select_related("document__source")
            .get(pk=int(passage_id))
        )
    except (Passage.DoesNotExist, ValueError, TypeError):
        return None


def passage_search(*, viewer, query: str, limit: int = 10) -> QuerySet:
    """Passages of current versions whose text contains the query (the form's finder)."""
    query = (query or "").strip()
    if len(query) < 3:
        return Passage.objects.none()
    return (
        passages_visible_to(viewer=viewer)
        .filter(text__icontains=query)
        .select_related("document__source")
        .order_by("document__source__title", "-document__version", "order")[:limit]
    )


def similar_examples(
    *, viewer, title: str, country: str, exclude_id: int | None = None, limit: int = 5
) -> list[Example]:
    """Possible duplicates: entries in the same country (or scope) with a similar title.
    PostgreSQL ranks by trigram similarity; elsewhere shared words stand in for it."""
    title = (title or "").strip()
    country = (country or "").strip().upper()
    if not title or not country:
        return []
    qs = examples_visible_to(viewer=viewer).exclude(status=Status.REJECTED)
    qs = qs.filter(scope=country) if country in Scope.values else qs.filter(country=country)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        return list(
            qs.annotate(similarity=TrigramSimilarity("title", title))
            .filter(similarity__gte=0.25)
            .select_related("category")
            .order_by("-similarity")[:limit]
        )
    words = _title_words(title)
    scored = []
    for example in qs.select_related("category").order_by("-created")[:500]:
        other = _title_words(example.title)
        if words and other:
            overlap = len(words & other) / len(words | other)
            if overlap >= 0.25:
                example.similarity = overlap
                scored.append(example)
    scored.sort(key=lambda e: -e.similarity)
    return scored[:limit]


def _title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"\w+", title.lower()) if len(w) > 2}


# --- Aggregates -----------------------------------------------------------------------------


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
    places: dict[str, dict] = {}
    for country, scope, category_id, n in rows:
        category = slugs.get(category_id, str(category_id))
        code = country or scope
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
    data = atlas_aggregates(filters=filters)
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


def research_statuses(*, country: str = "") -> QuerySet:
    qs = CountryResearchStatus.objects.select_related("category")
    return qs.filter(country=country) if country else qs


def countries_researched_none_found() -> dict[str, list[str]]:
    """Country code -> category slugs marked "researched, none found"."""
    result: dict[str, list[str]] = defaultdict(list)
    for code, slug in CountryResearchStatus.objects.values_list("country", "category__slug"):
        result[code].append(slug)
    return dict(result)


def categories() -> QuerySet:
    return Category.objects.order_by("order", "name")


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
    from .models import MULTI_VALUED, SINGLE_VALUED

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


def current_year() -> int:
    return timezone.now().year


# --- Changes (edit conflicts, suggested edits) ---------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two states of an entry, in words a reader follows."""

    field: str
    label: str
    before: str
    after: str


# The fields a contributor edits, in the order the form shows them.
EDITABLE_FIELDS = (
    "title", "country", "region", "category", "summary", "operator", "scored",
    "data_sources", "consequences", "transparency", "contestable", "legal_basis",
    "legal_note", "lifecycle", "start_year", "end_year", "confidence",
)  # fmt: skip


def field_label(name: str) -> str:
    if name == "country":
        return _("Country or scope")
    if name == "evidence":
        return _("Evidence")
    if name == "passages":
        return _("Linked passages")
    return str(Example._meta.get_field(name).verbose_name).capitalize()


def display_value(name: str, value, *, category_names: Mapping[str, str] | None = None) -> str:
    """A stored or proposed value of an editable field, as the entry page would show it."""
    from .models import MULTI_VALUED, SINGLE_VALUED

    if value in (None, "", [], ()):
        return "—"
    if name == "country":
        code = str(value).upper()
        if code in Scope.values:
            return f"{Scope(code).label} ({code})"
        return f"{countries.name(code) or code} ({code})"
    if name == "category":
        return (category_names or {}).get(value, str(value))
    if name == "status":
        return str(Status(value).label) if value in Status.values else str(value)
    if name in SINGLE_VALUED:
        choices = SINGLE_VALUED[name]
        return str(choices(value).label) if value in choices.values else str(value)
    if name in MULTI_VALUED:
        choices = MULTI_VALUED[name]
        return ", ".join(str(choices(v).label) if v in choices.values else str(v) for v in value)
    return str(value)


def editable_values(row) -> dict:
    """The editable fields of an Example (or of one of its history rows) as ExampleData
    values: ``country`` is the place code, ``category`` the slug of the category."""
    country = getattr(row.country, "code", row.country) or ""
    values = {
        name: getattr(row, name) for name in EDITABLE_FIELDS if name not in ("country", "category")
    }
    values["country"] = country or row.scope
    if isinstance(row, Example):
        values["category"] = row.category.slug
    else:
        values["category"] = _category_slugs().get(row.category_id, str(row.category_id))
    values["data_sources"] = list(values["data_sources"] or [])
    values["consequences"] = list(values["consequences"] or [])
    return values


def _category_slugs() -> dict[int, str]:
    return dict(Category.objects.values_list("pk", "slug"))


def _category_names() -> dict[str, str]:
    return dict(Category.objects.values_list("slug", "name"))


def diff_values(
    before: Mapping,
    after: Mapping,
    *,
    fields=EDITABLE_FIELDS,
    category_names: Mapping[str, str] | None = None,
) -> list[FieldChange]:
    """Field-by-field differences between two sets of editable values (pass
    ``category_names`` to save its query when diffing many)."""
    names = _category_names() if category_names is None else category_names
    changes = []
    for name in fields:
        if name not in before or name not in after:
            continue
        old, new = before[name], after[name]
        if isinstance(old, (list, tuple)) or isinstance(new, (list, tuple)):
            if list(old or []) == list(new or []):
                continue
        elif old == new or (old in (None, "") and new in (None, "")):
            continue
        changes.append(
            FieldChange(
                field=name,
                label=field_label(name),
                before=display_value(name, old, category_names=names),
                after=display_value(name, new, category_names=names),
            )
        )
    return changes


def _evidence_words(rows) -> str:
    words = []
    for row in sorted(rows, key=lambda r: (r.order, r.pk)):
        address = f"https://doi.org/{row.doi}" if row.doi else row.url
        words.append(f"{row.title} <{address}>" if address else row.title)
    return "; ".join(words)


def _link_words(rows) -> str:
    return "; ".join(
        _("passage %(id)s (%(relation)s)") % {"id": row.passage_id, "relation": row.relation}
        + (f": {row.note}" if row.note else "")
        for row in sorted(rows, key=lambda r: r.passage_id)
    )


def example_changes_since(*, example: Example, version: int) -> list[FieldChange]:
    """What changed in ``example`` since its ``version`` (from the history tables): the
    editable fields, the status, the evidence and the linked passages. Empty when that
    version is unknown (e.g. older than the history) or is the current one."""
    if version == example.version:
        return []
    history = example.history.order_by("history_date", "history_id")
    old = history.filter(version=version).last()
    if old is None:
        return []
    current = Example.objects.get(pk=example.pk)
    before = {**editable_values(old), "status": old.status}
    after = {**editable_values(current), "status": current.status}
    changes = diff_values(before, after, fields=(*EDITABLE_FIELDS, "status"))
    # Children of version N were written after it and before the next version was saved.
    following = history.filter(history_date__gt=old.history_date, version__gt=version).first()
    if following is not None:
        moment = following.history_date - datetime.timedelta(microseconds=1)
        old_evidence = Evidence.history.as_of(moment).filter(example_id=example.pk)
        old_links = PassageLink.history.as_of(moment).filter(example_id=example.pk)
        for name, old_words, new_words in (
            ("evidence", _evidence_words(old_evidence), _evidence_words(current.evidence.all())),
            ("passages", _link_words(old_links), _link_words(current.passage_links.all())),
        ):
            if old_words != new_words:
                changes.append(
                    FieldChange(
                        field=name,
                        label=field_label(name),
                        before=old_words or "—",
                        after=new_words or "—",
                    )
                )
    return changes


# --- Suggested edits ------------------------------------------------------------------------


def suggestions_open() -> QuerySet:
    """Every open suggestion, oldest first, with its entry and proposer joined: the
    moderation console lists these as queue items."""
    from .models import SuggestedEdit, SuggestionStatus

    return (
        SuggestedEdit.objects.filter(status=SuggestionStatus.OPEN)
        .select_related("example", "example__category", "proposer")
        .order_by("created", "pk")
    )


def suggestions_for_example(*, example: Example, viewer) -> list:
    """The open suggestions on ``example`` that ``viewer`` may see: all of them for the
    author and moderators, their own for a proposer, none for anyone else. Each comes
    with ``.diff``: the field-by-field difference from the entry's current values.
    Two queries at most, whatever the number of suggestions."""
    from .models import SuggestedEdit, SuggestionStatus

    if viewer is None or not viewer.is_authenticated:
        return []
    qs = SuggestedEdit.objects.filter(example=example, status=SuggestionStatus.OPEN)
    if not (can_moderate_example(viewer, example) or example.author_id == viewer.pk):
        qs = qs.filter(proposer=viewer)
    qs = exclude_shadow_hidden(qs, viewer=viewer, author_field="proposer")
    suggestions = list(qs.select_related("proposer").order_by("created", "pk"))
    if suggestions:
        current = editable_values(example)
        names = _category_names()
        for suggestion in suggestions:
            suggestion.diff = diff_values(
                current, {**current, **suggestion.changes}, category_names=names
            ) + _list_changes(example, suggestion.changes)
    return suggestions


def _list_changes(example: Example, changes: Mapping) -> list[FieldChange]:
    """Evidence and linked passages an author's pending edit replaces (stored as lists of
    dicts in the suggestion), in the words the conflict page uses."""
    result = []
    if "evidence" in changes:
        proposed = [
            Evidence(order=i, title=row["title"], url=row["url"], doi=row["doi"])
            for i, row in enumerate(changes["evidence"], start=1)
        ]
        result.append(
            FieldChange(
                field="evidence",
                label=field_label("evidence"),
                before=_evidence_words(example.evidence.all()) or "—",
                after=_evidence_words(proposed) or "—",
            )
        )
    if "passages" in changes:
        proposed = [PassageLink(**row) for row in changes["passages"]]
        result.append(
            FieldChange(
                field="passages",
                label=field_label("passages"),
                before=_link_words(example.passage_links.all()) or "—",
                after=_link_words(proposed) or "—",
            )
        )
    return result


def suggestion_get(*, viewer, suggestion_id: int):
    """One suggestion on an entry the viewer can see, or Http404."""
    from .models import SuggestedEdit

    try:
        return SuggestedEdit.objects.select_related("example", "proposer").get(
            pk=suggestion_id, example__in=examples_visible_to(viewer=viewer)
        )
    except (SuggestedEdit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such suggestion.")) from exc


# --- Discussion -----------------------------------------------------------------------------


def comment_visible(*, viewer, comment) -> bool:
    """The rule for one comment in memory: deleted ones are not readable; hidden ones
    only by their author and moderators."""
    if comment.deleted_at is not None:
        return False
    if viewer is not None and viewer.is_authenticated and comment.author_id == viewer.pk:
        return True
    if is_moderator(viewer):
        return True
    if comment.hidden:
        return False
    return not shadow_hidden_user_ids().filter(user_id=comment.author_id).exists()


def comments_for_example(*, example: Example, viewer) -> list:
    """The discussion under an entry as threads: first comments oldest first, each with
    ``.thread_replies`` (oldest first). Deleted or hidden comments the viewer may not
    read stay only as placeholders (``.placeholder`` True, no text shown) while they have
    readable replies, so a thread keeps its shape; otherwise they are left out. One
    query (plus a permission lookup for signed-in non-staff users)."""
    from .models import EntryComment

    rows = list(
        EntryComment.objects.filter(example=example)
        .annotate(
            author_shadow_hidden=Exists(shadow_hidden_user_ids().filter(user=OuterRef("author")))
        )
        .select_related("author")
        .order_by("created", "pk")
    )
    moderator = (
        is_moderator(viewer)
        if any(row.hidden or row.author_shadow_hidden for row in rows)
        else False
    )
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None

    def readable(row) -> bool:
        if row.deleted_at is not None:
            return False
        if moderator or row.author_id == viewer_id:
            return True
        # A shadow-hidden author's comments are seen by them and moderators only.
        return not row.hidden and not row.author_shadow_hidden

    roots, replies = [], defaultdict(list)
    for row in rows:
        row.placeholder = not readable(row)
        if row.parent_id:
            if not row.placeholder:
                replies[row.parent_id].append(row)
        else:
            roots.append(row)
    threads = []
    for root in roots:
        root.thread_replies = replies.get(root.pk, [])
        if root.placeholder and not root.thread_replies:
            continue
        threads.append(root)
    return threads
