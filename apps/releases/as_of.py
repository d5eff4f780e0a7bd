"""The atlas as of a release (``?release=<version>``): the provider the atlas's hook
(``apps/atlas/as_of.py``) calls, registered in ``ReleasesConfig.ready``. Reads only the
release's snapshot, so what it shows never changes; its aggregates are cached without
expiry (the key names the release, whose snapshot is immutable).

The atlas's filters apply to the snapshot as ``apps.atlas.entries.filters.apply_filters``
applies them to live entries: the place, category, operator, lifecycle and years on the
snapshot's columns, the rest (consequence, passage links, text) on its records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.atlas import as_of as atlas_as_of
from apps.atlas.aggregates.selectors import place_rows
from apps.atlas.dimensions import Scope
from apps.atlas.entries.filters import ExampleFilters
from apps.atlas.models import Status
from apps.common.site import absolute_url

from . import citation, selectors
from .models import Release, ReleaseEntry

EXPORT_COLUMNS = {"csv": "csv_row", "geojson": "geojson", "jsonld": "jsonld"}


def _column_filtered(release: Release, filters: ExampleFilters) -> QuerySet:
    qs = ReleaseEntry.objects.filter(release=release)
    if filters.country:
        field = "scope" if filters.country in Scope.values else "country"
        qs = qs.filter(**{field: filters.country})
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.operator:
        qs = qs.filter(operator=filters.operator)
    if filters.lifecycle:
        qs = qs.filter(lifecycle=filters.lifecycle)
    if filters.year_to is not None:
        qs = qs.filter(start_year__isnull=False, start_year__lte=filters.year_to)
    if filters.year_from is not None:
        qs = qs.filter(start_year__isnull=False).filter(
            Q(end_year__isnull=True) | Q(end_year__gte=filters.year_from)
        )
    if filters.status and filters.status != Status.PUBLISHED:
        qs = qs.none()  # a release holds published entries only
    return qs


def _needs_records(filters: ExampleFilters) -> bool:
    return bool(filters.consequence or filters.has_passage is not None or filters.q)


def _record_matches(record: dict, filters: ExampleFilters) -> bool:
    if filters.consequence and filters.consequence not in record["consequences"]:
        return False
    if filters.has_passage is not None and bool(record["passages"]) != filters.has_passage:
        return False
    if filters.q:
        needle = filters.q.casefold()
        if needle not in record["title"].casefold() and needle not in record["summary"].casefold():
            return False
    return True


def release_aggregates(release: Release, filters: ExampleFilters) -> dict:
    """The map's aggregates over the release's entries: the live map's shape."""
    query = "&".join(f"{k}={v}" for k, v in sorted(filters.as_query().items()))
    # The release's id, version and freezing instant: a key no other snapshot can share
    # (not even after the database was reset under a long-lived cache).
    frozen = release.frozen_at.timestamp() if release.frozen_at else 0
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    key = f"releases:aggregates:{release.pk}:{release.version}:{frozen}:{digest}"
    result = cache.get(key)
    if result is not None:
        return result
    qs = _column_filtered(release, filters).order_by()
    counts: dict[tuple[str, str], int] = {}
    if _needs_records(filters):
        for country, scope, category, record in qs.values_list(
            "country", "scope", "category", "record"
        ).iterator(chunk_size=2000):
            if _record_matches(record, filters):
                counts[(country or scope, category)] = (
                    counts.get((country or scope, category), 0) + 1
                )
    else:
        for row in qs.values("country", "scope", "category").annotate(n=Count("*")):
            code = row["country"] or row["scope"]
            counts[(code, row["category"])] = counts.get((code, row["category"]), 0) + row["n"]
    result = place_rows(counts)
    cache.set(key, result, None)  # the snapshot never changes
    return result


def release_export_parts(release: Release, kind: str, filters: ExampleFilters) -> Iterator[str]:
    """The frozen parts of an export file (CSV rows, GeoJSON features, JSON-LD parts), in
    file order, under the filters."""
    column = EXPORT_COLUMNS[kind]
    qs = _column_filtered(release, filters).order_by("position")
    if not _needs_records(filters):
        yield from qs.values_list(column, flat=True).iterator(chunk_size=2000)
        return
    for part, record in qs.values_list(column, "record").iterator(chunk_size=2000):
        if _record_matches(record, filters):
            yield part


def release_records(release: Release, filters: ExampleFilters) -> Iterator[dict]:
    qs = _column_filtered(release, filters).order_by("position")
    for record in qs.values_list("record", flat=True).iterator(chunk_size=2000):
        if _record_matches(record, filters):
            yield record


class ReleasesProvider(atlas_as_of.Provider):
    def as_of(self, version: str) -> atlas_as_of.AsOf:
        try:
            release = selectors.ready_release_get(version=version)
        except Http404 as exc:
            raise Http404(_("No such release: %(v)s.") % {"v": version[:40]}) from exc
        return atlas_as_of.AsOf(
            version=release.version,
            url=release.get_absolute_url(),
            date=release.date_released,
            aggregates=lambda filters: release_aggregates(release, filters),
            export_parts=lambda kind, filters: release_export_parts(release, kind, filters),
            csv_header=release.csv_header,
            citation=citation.apa(release),
            records=lambda filters: release_records(release, filters),
        )

    def latest_citation(self) -> atlas_as_of.Citation | None:
        release = selectors.latest_release()
        if release is None:
            return None
        return atlas_as_of.Citation(
            version=release.version,
            url=absolute_url(release.get_absolute_url()),
            text=citation.apa(release),
        )


def register() -> None:
    atlas_as_of.register(ReleasesProvider())
