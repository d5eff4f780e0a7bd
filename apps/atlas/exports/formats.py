"""Dataset exports of published entries: CSV, GeoJSON (points at country centroids) and
JSON-LD (schema.org Dataset). Each carries the CC BY 4.0 licence and a citation.

Pure formatting over lists the selectors already filtered; views only stream the result.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from apps.common import csv_safe
from apps.common.prefetch import related

from .. import extensions
from ..citation import DATASET_TITLE, LICENCE_NAME, LICENCE_URL, apa, dataset_citation
from ..contributors import contributor_names, credit_records, credits
from ..entries.data import link_quote_json
from ..lifecycle.services import event_json
from ..models import Example

CENTROIDS_FILE = Path(__file__).parent.parent / "data" / "centroids.json"

CSV_COLUMNS = [
    "id", "title", "country", "country_name", "supranational", "region", "category",
    "operator", "scored", "data_sources", "consequences", "transparency", "contestable",
    "legal_basis", "legal_note", "lifecycle", "start_year", "end_year", "confidence",
    "summary", "evidence", "passages", "contributors", "version", "created", "modified", "url",
    "cite_as", "licence", "evidence_json", "passage_links_json", "lifecycle_events_json",
    "contributors_json",
]  # fmt: skip
# The last four columns carry evidence, passage links, dated lifecycle changes and
# contributors (name, ORCID iD, role) in full (JSON lists), so that an export can be
# imported again field for field
# (apps/atlas/imports/); "evidence" and "passages" stay the readable summary for
# spreadsheets.


@cache
def centroids() -> dict[str, list[float]]:
    return json.loads(CENTROIDS_FILE.read_text())


_PK, _SLUG = 987654321, "slug-placeholder"


@cache
def _page_template(language: str, prefix: str, urlconf: str) -> str:
    return reverse("atlas:example", kwargs={"pk": _PK, "slug": _SLUG})


# Set by ``fixed_page_paths``: the route's template for a run in one language, prefix and
# URLconf (looking those three up costs more than filling the template in).
_fixed_page_template: ContextVar[str | None] = ContextVar("fixed_page_template", default=None)


def _current_page_template() -> str:
    return _page_template(
        get_language() or "", get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF)
    )


@contextmanager
def fixed_page_paths():
    """Within the block, ``page_path`` uses the route as reversed on entering it: for a
    long run (a release cut) in which the language, script prefix and URLconf do not
    change."""
    token = _fixed_page_template.set(_current_page_template())
    try:
        yield
    finally:
        _fixed_page_template.reset(token)


def page_path(example: Example) -> str:
    """``example.get_absolute_url()`` without a ``reverse()`` per entry: the route
    reversed once per language, script prefix and URLconf, then filled in (the exports
    and release cuts ask for it several times per entry)."""
    template = _fixed_page_template.get() or _current_page_template()
    return template.replace(str(_PK), str(example.pk), 1).replace(_SLUG, example.slug or "-", 1)


def example_record(example: Example, page_url: str) -> dict:
    """The flat, public description of one entry (shared by all formats). Kept on the
    instance for its page URL, as a release cut writes every format of one entry: a
    fresh (shallow) copy each call, so callers may replace values."""
    kept = example.__dict__.get("_export_record")
    if kept is not None and kept[0] == page_url:
        return dict(kept[1])
    record = _example_record(example, page_url)
    example.__dict__["_export_record"] = (page_url, record)
    return dict(record)


def _example_record(example: Example, page_url: str) -> dict:
    return {
        "id": example.pk,
        "title": example.title,
        "country": example.place_code,
        "country_name": example.place_name,
        "supranational": bool(example.scope),
        "region": example.region,
        "category": example.category.slug,
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
        # Public names only, in credit order (apps/atlas/contributors.py).
        "contributors": contributor_names(example),
        "version": example.version,
        "created": example.created.isoformat(),
        "modified": example.modified.isoformat(),
        "url": page_url,
        "cite_as": apa(example, page_url),
        "licence": LICENCE_NAME,
    }


def _evidence_text(example: Example, absolute: Callable[[str], str]) -> str:
    parts = []
    for item in related(example, "evidence"):
        link = item.link
        parts.append(f"{item.title} <{absolute(link) if link.startswith('/') else link}>")
    return " | ".join(parts)


def _passages_text(example: Example, absolute: Callable[[str], str]) -> str:
    parts = []
    for link in related(example, "passage_links"):
        quote = link_quote_json(link, with_orphan=False)
        words = f" “{quote['exact']}”" if quote else ""
        parts.append(f"{link.relation}: {absolute(_passage_url(link.passage))}{words}")
    return " | ".join(parts)


def _based_on(link, absolute: Callable[[str], str]):
    """The passage's URL; with selected words, a Quotation based on it (as value
    citations' quotes, apps/coding/representation.py)."""
    url = absolute(_passage_url(link.passage))
    quote = link_quote_json(link, with_orphan=False)
    return {"@type": "Quotation", "text": quote["exact"], "isBasedOn": url} if quote else url


def _passage_url(passage) -> str:
    document = passage.document
    return f"{document.get_absolute_url()}#{passage.html_id}"


def evidence_records(example: Example) -> list[dict]:
    """Every evidence field an import needs; a hosted source is its slug (its reader's
    address differs between sites)."""
    return [
        {
            "title": item.title,
            "url": item.url,
            "doi": item.doi,
            "source": item.source.slug if item.source_id else "",
            "publisher": item.publisher,
            "published": item.published.isoformat() if item.published else None,
            "accessed": item.accessed.isoformat() if item.accessed else None,
            "page": item.page,
            "quote": item.quote,
        }
        for item in related(example, "evidence")
    ]


def passage_link_records(example: Example) -> list[dict]:
    """Passage links by what identifies a passage on any site: source slug, version and
    anchor (not the database id)."""
    return [
        {
            "source": link.passage.document.source.slug,
            "version": link.passage.document.version,
            "anchor": link.passage.anchor,
            "relation": link.relation,
            "note": link.note,
            # The selected words (null when none), as the API shows them; the import
            # checks them again against that version's text.
            "quote": link_quote_json(link, with_orphan=False),
        }
        for link in related(example, "passage_links")
    ]


def lifecycle_event_records(example: Example) -> list[dict]:
    """The entry's dated lifecycle changes, oldest first, each with its evidence."""
    return [event_json(event) for event in related(example, "lifecycle_events")]


def to_csv(examples: Iterable[Example], absolute: Callable[[str], str]) -> str:
    return "".join(csv_lines(examples, absolute))


def csv_lines(examples: Iterable[Example], absolute: Callable[[str], str]) -> Iterator[str]:
    """The CSV export as text pieces: the header line, then one line per entry (each
    with its line ending), so a release keeps each entry's row as written."""
    out = io.StringIO()
    # Other apps' columns (apps/atlas/extensions.py): e.g. <field>__citations (apps/coding).
    writer = csv_safe.DictWriter(out, fieldnames=[*CSV_COLUMNS, *extensions.csv_columns()])

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writeheader()
    yield flush()
    for example in examples:
        row = example_record(example, absolute(page_path(example)))
        row["data_sources"] = ";".join(row["data_sources"])
        row["consequences"] = ";".join(row["consequences"])
        row["contributors"] = "; ".join(row["contributors"])
        row["evidence"] = _evidence_text(example, absolute)
        row["passages"] = _passages_text(example, absolute)
        row["evidence_json"] = json.dumps(evidence_records(example), ensure_ascii=False)
        row["passage_links_json"] = json.dumps(passage_link_records(example), ensure_ascii=False)
        row["lifecycle_events_json"] = json.dumps(
            lifecycle_event_records(example), ensure_ascii=False
        )
        row["contributors_json"] = json.dumps(credit_records(example), ensure_ascii=False)
        row.update(extensions.csv_row(example, absolute))
        writer.writerow(row)
        yield flush()


def to_geojson(
    examples: Iterable[Example], absolute: Callable[[str], str], dataset_url: str
) -> dict:
    points = centroids()
    features = []
    for example in examples:
        code = example.country_iso
        point = points.get(code) if code else None
        properties = example_record(example, absolute(page_path(example)))
        properties["evidence"] = _evidence_text(example, absolute)
        properties["passages"] = _passages_text(example, absolute)
        properties["lifecycle_events"] = lifecycle_event_records(example)
        features.append(
            {
                "type": "Feature",
                "id": example.pk,
                # Supranational entries and tiny territories have no point (RFC 7946 §3.2).
                "geometry": {"type": "Point", "coordinates": point} if point else None,
                "properties": properties,
            }
        )
    return {
        "type": "FeatureCollection",
        "name": DATASET_TITLE,
        "licence": LICENCE_NAME,
        "licence_url": LICENCE_URL,
        "citation": dataset_citation(dataset_url),
        "features": features,
    }


def _lifecycle_events_jsonld(example: Example) -> dict:
    """The entry's dated lifecycle changes on its ``lifecycle`` value, oldest first: each
    a PropertyValue (the stage, from its date, with the note) citing its evidence as a
    CreativeWork. No key for an entry without changes, so its part reads as before."""
    changes = [
        {
            "@type": "PropertyValue",
            "name": "lifecycle",
            "value": event.state,
            "startDate": event.date_display,
            **({"description": event.note} if event.note else {}),
            "citation": {
                "@type": "CreativeWork",
                "name": event.evidence_title,
                "url": event.evidence_url,
                **({"publisher": event.evidence_publisher} if event.evidence_publisher else {}),
                **(
                    {"datePublished": event.evidence_published.isoformat()}
                    if event.evidence_published
                    else {}
                ),
            },
        }
        for event in example.lifecycle_events.all()
    ]
    return {"valueReference": changes} if changes else {}


def to_jsonld(
    examples: Iterable[Example], absolute: Callable[[str], str], dataset_url: str
) -> dict:
    parts = []
    for example in examples:
        page = absolute(page_path(example))
        # Where each coded value came from (apps/coding's value citations, ADR 0011).
        derived = extensions.jsonld_derivations(example, absolute)
        place = (
            {"@type": "Country", "name": example.place_name, "identifier": example.place_code}
            if example.country_iso
            else {
                "@type": "AdministrativeArea",
                "name": example.place_name,
                "identifier": example.place_code,
            }
        )
        years = f"{example.start_year or '..'}/{example.end_year or '..'}"
        parts.append(
            {
                "@type": "CreativeWork",
                "@id": page,
                "url": page,
                "name": example.title,
                "abstract": example.summary,
                "about": example.category.name,
                "keywords": [example.category.slug, *example.data_sources, *example.consequences],
                "spatialCoverage": place,
                "temporalCoverage": years,
                "version": example.version,
                "dateCreated": example.created.isoformat(),
                "dateModified": example.modified.isoformat(),
                "license": LICENCE_URL,
                "contributor": [
                    {
                        "@type": "Person",
                        "name": credit.name,
                        **({"@id": credit.orcid_url} if credit.orcid else {}),
                    }
                    for credit in credits(example)
                ],
                "creditText": apa(example, page),
                "citation": [
                    {
                        "@type": "CreativeWork",
                        "name": item.title,
                        "url": absolute(item.link) if item.link.startswith("/") else item.link,
                        **({"publisher": item.publisher} if item.publisher else {}),
                        **({"datePublished": item.published.isoformat()} if item.published else {}),
                    }
                    for item in related(example, "evidence")
                ],
                "isBasedOn": [
                    _based_on(link, absolute) for link in related(example, "passage_links")
                ],
                "additionalProperty": [
                    {
                        "@type": "PropertyValue",
                        "name": name,
                        "value": value,
                        **({"prov:wasDerivedFrom": derived[name]} if derived.get(name) else {}),
                        **(_lifecycle_events_jsonld(example) if name == "lifecycle" else {}),
                    }
                    for name, value in (
                        ("operator", example.operator),
                        ("scored", example.scored),
                        ("transparency", example.transparency),
                        ("contestable", example.contestable),
                        ("legal_basis", example.legal_basis),
                        ("lifecycle", example.lifecycle),
                        ("confidence", example.confidence),
                        ("data_sources", list(example.data_sources)),
                        ("consequences", list(example.consequences)),
                        ("start_year", example.start_year),
                        ("end_year", example.end_year),
                    )
                    if value is not None
                ],
            }
        )
    return {
        "@context": ["https://schema.org/", {"prov": "http://www.w3.org/ns/prov#"}],
        "@type": "Dataset",
        "@id": dataset_url,
        "name": DATASET_TITLE,
        "description": (
            "Published entries of the Creditscape atlas: social-credit-like systems by country, "
            "each described on the same comparative dimensions and tied to evidence."
        ),
        "url": dataset_url,
        "license": LICENCE_URL,
        "creditText": dataset_citation(dataset_url),
        "hasPart": parts,
    }
