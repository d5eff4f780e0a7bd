"""What the coding app adds to the atlas, through the atlas's own hooks
(apps/atlas/extensions.py): the required-citation check on publishing, the citations
given with an imported entry, and citations on
entries' API representation, CSV and JSON-LD exports and entry page."""

from __future__ import annotations

from apps.atlas import extensions

from . import entry_form, representation, selectors
from .services.citations import check_required_citations, citations_import


def _api(example) -> dict:
    return {
        "citations": [representation.citation_json(c) for c in selectors.public_citations(example)]
    }


def _csv_row(example, absolute) -> dict:
    return representation.csv_cells(selectors.public_citations(example), absolute)


def _jsonld(example, absolute) -> dict:
    return representation.jsonld_nodes(selectors.public_citations(example), absolute)


def _value_citations(example) -> dict[str, list]:
    """Citations by field for the markers after each value; "uncited" for the rest.
    Pages are the same for everyone, so orphans are not here (the API lists them to the
    author and moderators)."""
    by_field: dict[str, list] = {}
    for citation in selectors.public_citations(example):
        by_field.setdefault(citation.field, []).append(citation)
    return by_field


def _citation_json(citation, absolute) -> dict:
    data = representation.citation_json(citation)
    if citation.document_id is not None:
        data["passage"]["url"] = absolute(representation.passage_url(citation))
    return data


def _page_context(request, example) -> dict:
    return {
        "citations_enabled": True,
        "value_citations": _value_citations(example),
        "required_citations": selectors.current_codebook().required_citations,
    }


def _personal_context(request, example) -> dict:
    """The entry's private fragment: double-coding links for its moderators and assigned
    coders, and the orphaned citations its author and moderators must replace."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from apps.atlas.permissions import can_moderate_example

    from .models import Coding, RequestStatus

    user, links = request.user, []
    if can_moderate_example(user, example):
        if selectors.open_request(example) is None:
            links.append((reverse("coding:request", args=[example.pk]), _("Ask for double coding")))
        else:
            links.append(
                (reverse("coding:reconcile", args=[example.pk]), _("Reconcile the double coding"))
            )
    if Coding.objects.filter(
        request__example=example, request__status=RequestStatus.OPEN, coder=user
    ).exists():
        links.append((reverse("coding:my_coding", args=[example.pk]), _("Code this entry (blind)")))
    return {
        "coding_links": links,
        "orphaned_citations": selectors.orphaned_citations(viewer=user, example=example),
        "personal_templates": ["coding/_entry_personal.html"],
    }


def _cite_imported(example, citations, evidence, links) -> None:
    citations_import(example=example, citations=citations, evidence=evidence, links=links)


def _codebook_link() -> tuple[str, str]:
    """The atlas codebook points here: versions, required citations, coder agreement."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    return reverse("coding:codebook"), _("Codebook versions and coder agreement")


def register() -> None:
    extensions.register_publish_check(check_required_citations)
    extensions.register_codebook_link(_codebook_link)
    extensions.register_import_citer(_cite_imported)
    extensions.register_entry_extension(
        extensions.EntryExtension(
            name="coding",
            prefetch=lambda: [selectors.citations_prefetch()],
            api=_api,
            csv_columns=representation.csv_columns,
            csv_row=_csv_row,
            jsonld_derivations=_jsonld,
            page_context=_page_context,
            value_citations=_value_citations,
            citation_json=_citation_json,
            citation_text=representation.citation_text,
            personal_context=_personal_context,
            form_context=entry_form.form_context,
            form_save=entry_form.form_save,
        )
    )
