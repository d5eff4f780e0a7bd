"""What a release keeps of one published entry, taken from the live entry (with its
details prefetched by ``apps.atlas.entries.selectors.with_details``) at freezing time.

``entry_record`` is the structured description the changelog, the citation files and
``?release=`` read. The entry's parts of the export files come from the atlas export
writer itself (``apps.atlas.exports.formats``), called on this one entry, so a release's
``entries.csv`` has exactly the live export's columns and cells as they were then.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from apps.atlas.contributors import credit_records
from apps.atlas.exports import formats
from apps.atlas.models import Example
from apps.coding import releases as coding_releases

# The coded and descriptive fields a changelog compares, in the codebook's order.
RECORD_FIELDS = (
    "title", "country", "scope", "region", "category", "operator", "scored", "data_sources",
    "consequences", "transparency", "contestable", "legal_basis", "legal_note", "lifecycle",
    "start_year", "end_year", "confidence", "summary",
)  # fmt: skip


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _contributors(example: Example) -> list[dict]:
    # The atlas's own credit list (accounts, the author without a row, recorded credits).
    return credit_records(example)


def entry_record(example: Example, absolute: Callable[[str], str]) -> dict:
    """The entry's fields, evidence, passage links and contributors (public names and
    ORCID iDs only), as JSON-ready values."""
    return {
        "id": example.pk,
        "url": absolute(formats.page_path(example)),
        "slug": example.slug,
        "title": example.title,
        "country": example.country_iso,
        "scope": example.scope,
        "place_name": example.place_name,
        "region": example.region,
        "category": example.category.slug,
        "category_name": example.category.name,
        "operator": example.operator,
        "scored": example.scored,
        "data_sources": list(example.data_sources),
        "consequences": list(example.consequences),
        "transparency": example.transparency,
        "contestable": example.contestable,
        "legal_basis": example.legal_basis,
        "legal_note": example.legal_note,
        "lifecycle": example.lifecycle,
        "start_year": example.start_year,
        "end_year": example.end_year,
        "confidence": example.confidence,
        "summary": example.summary,
        "version": example.version,
        "published_at": _date(example.published_at),
        "modified": _date(example.modified),
        # The same records the atlas's CSV export carries for import (one definition).
        "evidence": formats.evidence_records(example),
        "passages": formats.passage_link_records(example),
        "lifecycle_events": formats.lifecycle_event_records(example),
        "contributors": _contributors(example),
        # Where each coded value came from (apps/coding, ADR 0011): value-citations.csv.
        "citations": coding_releases.citation_records(example),
    }


def fixed_urls():
    """A block in which entries' page URLs are filled into one reversed route (the
    language and URLconf do not change during a cut)."""
    return formats.fixed_page_paths()


def csv_header(absolute: Callable[[str], str]) -> str:
    """The export writer's header line (with its line ending)."""
    return formats.to_csv([], absolute)


def export_parts(
    examples: list[Example], absolute: Callable[[str], str], dataset_url: str
) -> list[tuple[str, str, str]]:
    """Each entry's CSV row (the writer's bytes, line ending included), GeoJSON feature
    and JSON-LD part (JSON text, keys in the writer's order), for a batch of entries: one
    call of each writer per batch."""
    rows = list(formats.csv_lines(examples, absolute))[1:]
    features = formats.to_geojson(examples, absolute, dataset_url)["features"]
    parts = formats.to_jsonld(examples, absolute, dataset_url)["hasPart"]
    return [
        (row, json.dumps(feature, ensure_ascii=False), json.dumps(part, ensure_ascii=False))
        for row, feature, part in zip(rows, features, parts, strict=True)
    ]
