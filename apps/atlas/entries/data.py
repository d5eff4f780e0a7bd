"""What a contributor says about an entry, before validation (ExampleData, EvidenceData,
PassageLinkData), and the same values read back from an entry (``editable_values``) or
stored in a suggested edit as JSON (``evidence_to_json`` and friends)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from ..dimensions import UNKNOWN
from ..models import Category, Example, QuoteStatus, Relation


@dataclass(frozen=True)
class ExampleData:
    """Everything a contributor says about an example, before validation.

    ``country`` is an ISO 3166-1 alpha-2 code (``DE``) or a supranational scope code
    (``EU``, ``COE``, ``UN``, ``GLOBAL``); ``category`` is a category slug.
    """

    title: str
    summary: str
    country: str
    category: str
    region: str = ""
    operator: str = UNKNOWN
    scored: str = UNKNOWN
    data_sources: Sequence[str] = (UNKNOWN,)
    consequences: Sequence[str] = (UNKNOWN,)
    transparency: str = UNKNOWN
    contestable: str = UNKNOWN
    legal_basis: str = UNKNOWN
    legal_note: str = ""
    lifecycle: str = UNKNOWN
    start_year: int | None = None
    end_year: int | None = None
    confidence: str = "medium"

    @classmethod
    def from_example(cls, example: Example) -> ExampleData:
        return cls(
            title=example.title,
            summary=example.summary,
            country=example.place_code,
            category=example.category.slug,
            region=example.region,
            operator=example.operator,
            scored=example.scored,
            data_sources=tuple(example.data_sources),
            consequences=tuple(example.consequences),
            transparency=example.transparency,
            contestable=example.contestable,
            legal_basis=example.legal_basis,
            legal_note=example.legal_note,
            lifecycle=example.lifecycle,
            start_year=example.start_year,
            end_year=example.end_year,
            confidence=example.confidence,
        )


EXAMPLE_FIELDS = frozenset(f.name for f in fields(ExampleData))
EXAMPLE_FIELDS_ORDER = tuple(f.name for f in fields(ExampleData))

# The fields a contributor edits, in the order the form shows them.
EDITABLE_FIELDS = (
    "title", "country", "region", "category", "summary", "operator", "scored",
    "data_sources", "consequences", "transparency", "contestable", "legal_basis",
    "legal_note", "lifecycle", "start_year", "end_year", "confidence",
)  # fmt: skip


@dataclass(frozen=True)
class EvidenceData:
    title: str
    url: str = ""
    doi: str = ""
    publisher: str = ""
    published: datetime.date | None = None
    accessed: datetime.date | None = None
    page: str = ""
    quote: str = ""
    source_id: int | None = None


@dataclass(frozen=True)
class PassageLinkData:
    passage_id: int
    relation: str = Relation.COMPARABLE
    note: str = ""
    # Words selected in the reader (optional): the quote and its place in the version's
    # text; checked against the text by entries/validation.clean_passage_links.
    quote: str = ""
    quote_start: int | None = None
    quote_end: int | None = None


@dataclass(frozen=True)
class ValueCitationData:
    """What backs one coded value of an entry given to the trusted import path
    (``example_import_published``): the entry's evidence item and/or passage link, by
    their position in the lists given with it (their ids do not exist yet), optionally
    with the passage's exact words. The coding app checks and stores it (ADR 0011)."""

    field: str
    evidence: int | None = None  # index into the entry's evidence list
    passage: int | None = None  # index into the entry's passage links
    quote: str = ""
    note: str = ""


# --- Reading the values back ------------------------------------------------------------------


def category_slugs_by_id() -> dict[int, str]:
    return dict(Category.objects.values_list("pk", "slug"))


def category_names_by_slug() -> dict[str, str]:
    return dict(Category.objects.values_list("slug", "name"))


def editable_values(row, *, category_slugs: Mapping[int, str] | None = None) -> dict[str, Any]:
    """The editable fields of an Example (or of one of its history rows) as ExampleData
    values: ``country`` is the place code, ``category`` the slug of the category (for a
    history row from ``category_slugs``, id → slug, read when not given)."""
    country = getattr(row.country, "code", row.country) or ""
    values = {
        name: getattr(row, name) for name in EDITABLE_FIELDS if name not in ("country", "category")
    }
    values["country"] = country or row.scope
    if isinstance(row, Example):
        values["category"] = row.category.slug
    else:
        slugs = category_slugs_by_id() if category_slugs is None else category_slugs
        values["category"] = slugs.get(row.category_id, str(row.category_id))
    values["data_sources"] = list(values["data_sources"] or [])
    values["consequences"] = list(values["consequences"] or [])
    return values


# --- Evidence and passage links as JSON (a suggested edit stores them so) ---------------------


def evidence_to_json(item: EvidenceData) -> dict:
    data = {f.name: getattr(item, f.name) for f in fields(EvidenceData)}
    for name in ("published", "accessed"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


def evidence_from_json(data: Mapping) -> EvidenceData:
    values = dict(data)
    for name in ("published", "accessed"):
        values[name] = datetime.date.fromisoformat(values[name]) if values.get(name) else None
    return EvidenceData(**values)


def link_to_json(item: PassageLinkData) -> dict:
    return {
        "passage_id": item.passage_id,
        "relation": item.relation,
        "note": item.note or "",
        "quote": item.quote or "",
        "quote_start": item.quote_start,
        "quote_end": item.quote_end,
    }


def current_evidence_json(example: Example) -> list[dict]:
    return [
        evidence_to_json(
            EvidenceData(
                title=row.title, url=row.url, doi=row.doi, publisher=row.publisher,
                published=row.published, accessed=row.accessed, page=row.page, quote=row.quote,
                source_id=row.source_id,
            )
        )
        for row in example.evidence.order_by("order", "pk")
    ]  # fmt: skip


def current_links_json(example: Example) -> list[dict]:
    return [
        {
            "passage_id": row.passage_id,
            "relation": row.relation,
            "note": row.note,
            "quote": row.quote,
            "quote_start": row.quote_start,
            "quote_end": row.quote_end,
        }
        for row in example.passage_links.order_by("pk")
    ]


def link_quote_json(link, *, with_orphan: bool = True) -> dict | None:
    """A stored passage link's selected words as the API and the exports show them
    (exact, prefix, suffix, start, end, status); None without words, or for an orphaned
    quote unless ``with_orphan`` (readers never see words no longer in the source)."""
    if not link.quote or link.quote_start is None:
        return None
    if link.quote_status == QuoteStatus.ORPHANED and not with_orphan:
        return None
    return {
        "exact": link.quote,
        "prefix": link.quote_prefix,
        "suffix": link.quote_suffix,
        "start": link.quote_start,
        "end": link.quote_end,
        "status": link.quote_status,
    }
