"""What the coding app adds to the atlas, through the atlas's own hooks
(apps/atlas/extensions.py): the required-citation check on publishing, and citations on
entries' API representation, CSV and JSON-LD exports and entry page."""

from __future__ import annotations

from apps.atlas import extensions

from . import representation, selectors
from .services.citations import check_required_citations


def _api(example) -> dict:
    return {
        "citations": [representation.citation_json(c) for c in selectors.public_citations(example)]
    }


def _csv_row(example, absolute) -> dict:
    return representation.csv_cells(selectors.public_citations(example), absolute)


def _jsonld(example, absolute) -> dict:
    return representation.jsonld_nodes(selectors.public_citations(example), absolute)


def _page_context(request, example) -> dict:
    """Citations by field for the markers after each value; "uncited" for the rest.
    The page is the same for everyone, so orphans are not here (the API lists them to
    the author and moderators)."""
    by_field: dict[str, list] = {}
    for citation in selectors.public_citations(example):
        by_field.setdefault(citation.field, []).append(citation)
    return {
        "citations_enabled": True,
        "value_citations": by_field,
        "required_citations": selectors.current_codebook().required_citations,
    }


def register() -> None:
    extensions.register_publish_check(check_required_citations)
    extensions.register_entry_extension(
        extensions.EntryExtension(
            name="coding",
            prefetch=lambda: [selectors.citations_prefetch()],
            api=_api,
            csv_columns=representation.csv_columns,
            csv_row=_csv_row,
            jsonld_derivations=_jsonld,
            page_context=_page_context,
        )
    )
