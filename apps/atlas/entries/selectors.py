"""Reads of entries. Every list a user sees comes from here, so visibility is decided
once: published entries are public; drafts, submitted, changes-requested and rejected
entries are seen only by their author and moderators; counts, the map and exports use
published entries only, whoever asks.

The visible set is built on the moderation app's roles directly (not on
apps/atlas/permissions.py, which asks this queryset about one entry: ``can_view``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import gettext as _

from apps.moderation import permissions as moderation_roles
from apps.moderation.selectors import exclude_shadow_hidden, shadow_hidden_user_ids
from apps.sources.models import DocumentStatus, Passage

from .. import extensions
from ..contributors import contributors_prefetch
from ..dimensions import Scope
from ..models import Category, Evidence, Example, PassageLink, Status
from .filters import ExampleFilters, apply_filters

# --- Visibility -----------------------------------------------------------------------------


def published_examples() -> QuerySet:
    """The public set: published entries whose author is not shadow-hidden. Counts, the
    map, exports, country and comparison pages read this, whoever asks (they are public
    datasets, cached for everyone), so a shadow-hidden author's entries are missing there
    even for them and for moderators; their entry pages and lists still show them."""
    return Example.objects.filter(status=Status.PUBLISHED).exclude(
        author__in=shadow_hidden_user_ids()
    )


def published_condition(relation: str) -> Q:
    """``published_examples()`` as a condition on ``relation`` (a foreign key to entries),
    joined rather than a subquery over every entry: the reader's per-passage links."""
    return Q(**{f"{relation}__status": Status.PUBLISHED}) & ~Q(
        **{f"{relation}__author__in": shadow_hidden_user_ids()}
    )


def examples_visible_to(*, viewer) -> QuerySet:
    """Published entries (not by shadow-hidden authors), plus the viewer's own entries,
    plus every entry of the countries a moderator moderates (all entries for global
    moderators, who also see shadow-hidden authors' entries); never entries merged into
    another (their addresses redirect: merge/selectors.py)."""
    if not moderation_roles.is_moderator(viewer):
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


def examples_visible_columns(*, viewer) -> Q | None:
    """``examples_visible_to`` as a condition on a search index row's copies of an
    entry's columns (``status``, ``author_id``; search.ExampleSearchIndex). None for
    moderators, whose rule (their countries' entries) needs the entry itself."""
    shape = examples_visible_columns_shape(viewer=viewer)
    if shape is None:
        return None
    shadow_hidden = Q(author_id__in=shadow_hidden_user_ids())
    if shape == "signed-in":
        return (
            (Q(status=Status.PUBLISHED) | Q(author_id=viewer.pk))
            & ~Q(status=Status.MERGED)
            & ~(shadow_hidden & ~Q(author_id=viewer.pk))
        )
    return Q(status=Status.PUBLISHED) & ~shadow_hidden


def examples_visible_columns_shape(*, viewer) -> str | None:
    """What ``examples_visible_columns`` depends on besides the viewer's id: None for
    moderators, else "signed-in" or "anonymous" (search compiles the condition once per
    shape: apps/search/statements.py)."""
    if moderation_roles.is_moderator(viewer):
        return None
    return "signed-in" if viewer is not None and viewer.is_authenticated else "anonymous"


def with_details(qs: QuerySet) -> QuerySet:
    """``qs`` with everything an entry's page, the API and the exports show (category,
    author, evidence, passage links, contributors, lifecycle events): a constant number
    of queries."""
    return qs.select_related("category", "author").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.select_related("source")),
        Prefetch(
            "passage_links",
            queryset=PassageLink.objects.select_related("passage__document__source").order_by("pk"),
        ),
        contributors_prefetch(),
        "lifecycle_events",
        *extensions.prefetches(),  # e.g. value citations (apps/coding, ADR 0011)
    )


def example_list(*, viewer, filters: ExampleFilters | None = None) -> QuerySet:
    """Entries the viewer may see, filtered, newest first, with evidence and links."""
    qs = apply_filters(examples_visible_to(viewer=viewer), filters or ExampleFilters())
    return with_details(qs).order_by("-created", "-pk")


def example_export_list(*, filters: ExampleFilters | None = None) -> QuerySet:
    """Published entries only, whoever asks: exports are public datasets."""
    qs = apply_filters(published_examples(), filters or ExampleFilters())
    return with_details(qs).order_by("country", "scope", "title", "pk")


def example_export_batches(*, batch_size: int) -> Iterator[list[Example]]:
    """Every published entry in the export's order, in lists of ``batch_size``, with
    what ``with_details`` loads attached by one query per relation and batch. For a
    release cut of the whole dataset: ``prefetch_related`` clones a queryset per entry
    and relation (most of its cost at 100,000 entries); here an entry's related lists
    answer ``.all()`` as prefetched ones do (lists, in the same order)."""
    qs = published_examples().order_by("country", "scope", "title", "pk")
    # Categories and authors are few beside the entries: one instance each, shared by
    # their entries (as ``select_related`` would fill them, without building a category
    # and an account per entry: a fifth of a cut's hydration, docs/benchmarks.md).
    shared = _SharedParents()
    batch: list[Example] = []
    for example in qs.iterator(chunk_size=batch_size):
        batch.append(example)
        if len(batch) >= batch_size:
            shared.attach(batch)
            attach_details(batch)
            yield batch
            batch = []
    if batch:
        shared.attach(batch)
        attach_details(batch)
        yield batch


class _SharedParents:
    """Fills ``example.category`` and ``example.author`` from instances loaded once per
    run (categories all at once, accounts as new ones appear in a batch)."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        self._user_model = get_user_model()
        self._categories = {category.pk: category for category in Category.objects.all()}
        self._users: dict[int, object] = {}

    def attach(self, examples: list[Example]) -> None:
        missing = {e.author_id for e in examples if e.author_id is not None} - self._users.keys()
        if missing:
            self._users.update(self._user_model.objects.in_bulk(list(missing)))
        category_field, author_field = Example.category.field, Example.author.field
        for example in examples:
            category = self._categories.get(example.category_id)
            if category is None:  # created during the run (the freeze reads one snapshot)
                category = self._categories[example.category_id] = Category.objects.get(
                    pk=example.category_id
                )
            category_field.set_cached_value(example, category)
            if example.author_id is not None:
                author_field.set_cached_value(example, self._users[example.author_id])


def _of_examples(queryset: QuerySet, ids: list[int]) -> QuerySet:
    """Rows of ``queryset`` belonging to the entries ``ids``. On PostgreSQL one array
    parameter (``= ANY(%s)``): an ``IN`` of hundreds of placeholders is resolved value by
    value by Django and parsed again by the driver, for every batch of a release cut."""
    if connection.vendor != "postgresql":
        return queryset.filter(example_id__in=ids)
    field = queryset.model._meta.get_field("example")
    column = f'"{queryset.model._meta.db_table}"."{field.column}"'
    # Cast to the column's own type: PostgreSQL then hashes the array once (an int[]
    # against a bigint column is searched element by element for every row).
    array_type = field.target_field.rel_db_type(connection)
    return queryset.filter(
        RawSQL(f"{column} = ANY(%s::{array_type}[])", [ids], output_field=BooleanField())
    )


def attach_details(examples: list[Example]) -> None:
    """``with_details``'s relations for ``examples``, one query each (see above)."""
    from ..models import ExampleContributor, LifecycleEvent

    by_id = {example.pk: example for example in examples}
    related = {
        "evidence": Evidence.objects.select_related("source"),
        "passage_links": PassageLink.objects.select_related("passage__document__source").order_by(
            "pk"
        ),
        "contributors": ExampleContributor.objects.select_related("user").order_by("since", "pk"),
        "lifecycle_events": LifecycleEvent.objects.all(),
    }
    for example in examples:
        example._prefetched_objects_cache = {name: [] for name in related}
    ids = list(by_id)
    for name, queryset in related.items():
        for item in _of_examples(queryset, ids):
            owner = by_id[item.example_id]
            type(item).example.field.set_cached_value(item, owner)
            owner._prefetched_objects_cache[name].append(item)
    prefetch_related_objects(examples, *extensions.prefetches())


def example_get(*, viewer, example_id: int) -> Example:
    """One entry the viewer may see, with everything its page shows; Http404 otherwise
    (an unpublished entry is not admitted to exist)."""
    try:
        return with_details(examples_visible_to(viewer=viewer)).get(pk=example_id)
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


def categories() -> QuerySet:
    return Category.objects.order_by("order", "name")
