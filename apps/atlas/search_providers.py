"""Atlas entries in search, activity and contributor pages (see docs/search.md).

Visibility comes only from ``apps.atlas.entries.selectors``: search finds what
``examples_visible_to`` allows (published entries for everyone, plus the viewer's own
entries, plus everything for moderators); activity and contributor pages list published
entries only, whoever looks.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Case, CharField, F, Func, OuterRef, Q, Subquery, Value, When
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_countries import countries

from apps.common.countries import country_code
from apps.common.prepared import PreparedQuery
from apps.search import snippets
from apps.search.activity import ActivityItem
from apps.search.providers import (
    Facet,
    Hit,
    ModelSearchProvider,
    SearchInputError,
    SearchRequest,
    is_postgres,
)
from apps.search.suggest import Suggestion, words_of

from .dimensions import Scope
from .entries import selectors
from .entries.filters import ExampleFilters, apply_filters
from .models import Evidence, Status, example_url


class CountryFacet(Facet):
    name = "country"
    label = gettext_lazy("Country")

    def clean(self, raw: str, *, viewer) -> str:
        code = country_code(raw, extra=dict(Scope.choices))
        if code:
            return code
        raise SearchInputError(
            self.name,
            _(
                "Unknown country “%(code)s”. Give its name (China) or ISO code (CN), or "
                "one of: %(scopes)s."
            )
            % {"code": raw[:60], "scopes": ", ".join(Scope.values)},
        )

    def label_for(self, value, label) -> str:
        # A page counting its facets names up to 250 countries: looked up once per
        # language (0.4 ms each through django_countries under load, 100 ms a page).
        return _country_label(get_language() or "", value)

    def labeler(self):
        # Up to 250 countries a page: the language once, not once each.
        return functools.partial(_country_label_for, get_language() or "")


class CategoryFacet(Facet):
    name = "category"
    label = gettext_lazy("Category")

    def clean(self, raw: str, *, viewer) -> str:
        slugs = list(selectors.categories().values_list("slug", flat=True))
        if raw not in slugs:
            raise SearchInputError(
                self.name,
                _("Unknown category “%(slug)s”. Choose from: %(slugs)s.")
                % {"slug": raw, "slugs": ", ".join(sorted(slugs))},
            )
        return raw


class _GroupConcat(Func):
    function = "GROUP_CONCAT"
    output_field = CharField()


def _place_code():
    return Case(When(country="", then=F("scope")), default=F("country"), output_field=CharField())


class EntryProvider(ModelSearchProvider):
    kind = "entry"
    label = gettext_lazy("Atlas entries")
    singular_label = gettext_lazy("Atlas entry")
    order = 40
    vector_path = "search_index__vector"
    fallback_fields = {"title": 1.0, "summary": 0.4, "evidence_titles": 0.2}
    headline_field = "summary"
    vocabulary_fields = ("title", "summary")
    facet_fields = {
        "country": ("search_place", None),
        "category": ("category__slug", "category__name"),
        # The year the system started (an entry has no publication year).
        "year": ("start_year", None),
    }

    # The index row's copies (place, category, start year) answer the facet paths.
    facet_paths_on_index = True

    def index_visibility(self, request: SearchRequest):
        # The index row's copies of status and author (search.ExampleSearchIndex).
        return selectors.examples_visible_columns(viewer=request.viewer)

    def visibility_shape(self, request: SearchRequest):
        return selectors.examples_visible_columns_shape(viewer=request.viewer)

    def visible_queryset(self, request: SearchRequest):
        qs = selectors.examples_visible_to(viewer=request.viewer).annotate(
            search_place=_place_code()
        )
        if connection.vendor != "postgresql":
            # The fallback searches evidence titles too; one text per entry, so an entry
            # with several pieces of evidence is still one row.
            titles = (
                Evidence.objects.filter(example=OuterRef("pk"))
                .order_by()
                .values("example")
                .annotate(titles=_GroupConcat(F("title")))
                .values("titles")
            )
            qs = qs.annotate(evidence_titles=Subquery(titles, output_field=CharField()))
        return qs

    def filtered_queryset(self, request: SearchRequest):
        filters = request.filters
        qs = apply_filters(
            self.visible_queryset(request),
            ExampleFilters(
                country=filters.get("country", ""), category=filters.get("category", "")
            ),
        )
        if "year" in filters:
            qs = qs.filter(start_year=filters["year"])
        return qs

    # What ``build_hit`` reads (and the snippet's field, off PostgreSQL), and no more: an
    # entry row has 30 columns, most of them its codebook values.
    HIT_FIELDS = (
        "id", "title", "slug", "summary", "country", "scope", "start_year", "status",
        "category",
    )  # fmt: skip

    def hydrate_queryset(self, request: SearchRequest):
        return self.visible_queryset(request).select_related("category").only(*self.HIT_FIELDS)

    def build_hit(self, obj, *, snippet, words, score) -> Hit:
        meta = [obj.place_name, str(obj.category)]
        if obj.start_year:
            meta.append(str(obj.start_year))
        if obj.status != Status.PUBLISHED:
            meta.append(obj.get_status_display())
        return Hit(
            kind=self.kind,
            id=obj.pk,
            title=obj.title,
            title_html=snippets.highlight(obj.title, words, max_words=10_000),
            snippet=snippet,
            url=obj.get_absolute_url(),
            score=score,
            meta=" · ".join(meta),
            facets={
                "country": obj.place_code,
                "category": obj.category.slug,
                "year": obj.start_year,
            },
        )


def _activity_item(example) -> ActivityItem:
    return ActivityItem(
        kind="entry",
        kind_label=_("Atlas entry"),
        title=example.title,
        url=example.get_absolute_url(),
        timestamp=example.published_at or example.created,
        actor=example.author,
        summary=" · ".join([example.place_name, str(example.category)]),
        facets={"country": example.place_code, "category": example.category.slug},
    )


class EntryActivity:
    """Published entries, newest publication first (one query)."""

    facet_names = ("country", "category")

    def recent(self, *, viewer, filters, limit: int) -> list[ActivityItem]:
        examples = apply_filters(
            selectors.published_examples(),
            ExampleFilters(
                country=filters.get("country", ""), category=filters.get("category", "")
            ),
        )
        examples = examples.select_related("author", "category").order_by("-published_at", "-pk")
        return [_activity_item(e) for e in examples[:limit]]


class PublishedEntries:
    title = gettext_lazy("Published atlas entries")

    def for_user(self, *, user, viewer, limit: int) -> list[ActivityItem]:
        examples = (
            selectors.published_examples()
            .filter(author=user)
            .select_related("author", "category")
            .order_by("-published_at", "-pk")
        )
        return [_activity_item(e) for e in examples[:limit]]


class EntrySuggester:
    """Published entries whose title starts with the typed words (on SQLite: any word of
    the title)."""

    kind = "entry"
    label = gettext_lazy("Atlas entry")
    order = 20

    def suggest(self, words: list[str], *, text: str, limit: int) -> list[Suggestion]:
        if is_postgres():
            # Titles that start with the typed text, through a prefix index on published
            # titles (search migration 0003), in its order: matching words anywhere in
            # 100,000 titles (a prefix tsquery) and sorting them took 150-700 ms.
            # Compiled once per process: building published_examples()' subquery again
            # cost 0.5-1 ms a keystroke.
            rows = _entry_suggestions(limit).rows(typed=text)
        else:
            entries = selectors.published_examples().order_by("title")
            for word in words:
                entries = entries.filter(
                    Q(title__istartswith=word) | Q(title__icontains=f" {word}")
                )
            rows = entries.values_list("pk", "title", "slug")[:limit]
        kind_label = str(self.label)
        return [
            Suggestion(self.kind, kind_label, title, example_url(pk, slug))
            for pk, title, slug in rows
        ]


@functools.cache
def _entry_suggestions(limit: int) -> PreparedQuery:
    # LIKE escapes the typed text in SQL, a constant PostgreSQL folds before planning:
    # the prefix index is used as with a literal pattern (docs/search.md).
    return PreparedQuery(
        lambda typed: (
            selectors.published_examples()
            .order_by()
            .filter(title__istartswith=Value(typed))
            .values_list("pk", "title", "slug")[:limit]
        ),
        typed=str,
    )


class CountrySuggester:
    """Countries (and supranational scopes) whose name starts with the typed words."""

    kind = "country"
    label = gettext_lazy("Country")
    order = 10

    def suggest(self, words: list[str], *, text: str, limit: int) -> list[Suggestion]:
        typed = " " + " ".join(words)
        kind_label = str(self.label)
        found = [
            Suggestion(self.kind, kind_label, name, _country_url(code))
            for code, name, name_words in _country_names(get_language() or "")
            # The typed words at the start of the name or of any word in it ("kingdom").
            if typed in name_words
        ]
        return sorted(found, key=lambda suggestion: suggestion.label)[:limit]


@functools.lru_cache(maxsize=64)
def _country_names(language: str) -> tuple[tuple[str, str, str], ...]:
    """``(code, name, " " + the name's words)`` of every country and scope in
    ``language``: splitting 260 names into words cost 0.3 ms a keystroke."""
    return tuple(
        (code, str(name), " " + " ".join(words_of(str(name))))
        for code, name in [*countries, *((scope.value, scope.label) for scope in Scope)]
    )


@functools.lru_cache(maxsize=4096)
def _country_label(language: str, value: str) -> str:
    if value in Scope.values:
        return str(Scope(value).label)
    return str(countries.name(value) or value)


def _country_label_for(language: str, value: str, label) -> str:
    return _country_label(language, value)


def _country_url(code: str) -> str:
    from django.urls import reverse

    return reverse("atlas:country", args=[code])


PROVIDERS = [EntryProvider()]
SUGGESTERS = [CountrySuggester(), EntrySuggester()]
FACETS = [CountryFacet(), CategoryFacet()]
ACTIVITY = [EntryActivity()]
CONTRIBUTIONS = [PublishedEntries()]
