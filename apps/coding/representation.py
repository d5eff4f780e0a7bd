"""A value citation's public shapes: the API's JSON, a CSV cell, a JSON-LD node. One place,
so the API, the exports and the entry page say the same thing."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from .codebook import coded_fields
from .models import ValueCitation


def passage_url(citation: ValueCitation) -> str:
    if citation.document_id is None:
        return ""
    return f"{citation.document.get_absolute_url()}#p-{citation.passage_anchor}"


def citation_json(citation: ValueCitation) -> dict:
    passage = None
    if citation.document_id is not None:
        passage = {
            "source": citation.document.source.slug,
            "version": citation.document.version,
            "anchor": citation.passage_anchor,
        }
    return {
        "field": citation.field,
        "evidence": citation.evidence_id,
        "evidence_title": citation.evidence_title,
        "passage": passage,
        "quote": citation.quote,
        "note": citation.note,
        "since_version": citation.since_version,
        "status": citation.anchor_status,
    }


def citation_text(citation: ValueCitation, absolute: Callable[[str], str]) -> str:
    parts = []
    if citation.evidence_title:
        parts.append(citation.evidence_title)
    if citation.document_id is not None:
        parts.append(f"<{absolute(passage_url(citation))}>")
    if citation.quote:
        parts.append(f"“{citation.quote}”")
    if citation.note:
        parts.append(f"({citation.note})")
    return " ".join(parts)


@cache
def _csv_column_names() -> tuple[str, ...]:
    # The codebook's fields are fixed in code; a release cut asks once per entry.
    return tuple(f"{field}__citations" for field in coded_fields())


def csv_columns() -> list[str]:
    return list(_csv_column_names())


def csv_cells(citations: list[ValueCitation], absolute) -> dict:
    if not citations:  # most entries: every cell empty
        return dict.fromkeys(_csv_column_names(), "")
    cells = {column: [] for column in _csv_column_names()}
    for citation in citations:
        cells[f"{citation.field}__citations"].append(citation_text(citation, absolute))
    return {column: " | ".join(texts) for column, texts in cells.items()}


def jsonld_nodes(citations: list[ValueCitation], absolute) -> dict[str, list]:
    """``prov:wasDerivedFrom`` targets per field: the cited evidence or passage."""
    nodes: dict[str, list] = {}
    for citation in citations:
        node: dict = {"@type": "CreativeWork"}
        if citation.document_id is not None:
            node["url"] = absolute(passage_url(citation))
            node["isPartOf"] = citation.document.source.title
        if citation.evidence_title:
            node["name"] = citation.evidence_title
        if citation.quote:
            node = {"@type": "Quotation", "text": citation.quote, "isBasedOn": node}
        if citation.note:
            node["description"] = citation.note
        nodes.setdefault(citation.field, []).append(node)
    return nodes


def citation_form_json(citation: ValueCitation) -> dict:
    """The citation as the entry form carries it in a hidden input (and the panel's check
    answers): the API's input shape, with the quote's exact place, so saving the form
    finds the same words even where the quote occurs twice in the passage."""
    data = citation_json(citation)
    data = {key: data[key] for key in ("field", "evidence", "passage", "quote", "note")}
    if citation.quote:
        data["prefix"], data["suffix"] = citation.prefix, citation.suffix
        if citation.start is not None and citation.end is not None:
            data["position"] = {"start": citation.start, "end": citation.end}
    return data


def citation_label(citation: ValueCitation) -> str:
    """What a citation chip in the entry form says (plain text: the template escapes)."""
    parts = []
    if citation.evidence_title:
        parts.append(citation.evidence_title)
    if citation.document_id is not None:
        parts.append(f"{citation.document.source.title}, v{citation.document.version}")
    if citation.quote:
        quote = citation.quote if len(citation.quote) <= 80 else citation.quote[:79] + "…"
        parts.append(f"“{quote}”")
    return " · ".join(parts)
