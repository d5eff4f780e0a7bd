"""Hooks a higher app fills so the atlas can show and guard what it does not own (ADR 0011).

The atlas never imports the apps above it (ADR 0006). The coding app (value citations,
codebook versions, double coding) registers here from its ``AppConfig.ready()``:

- a **publish check**: called with the entry inside the transaction that would publish
  it (``example_create`` for a trusted author, ``example_transition``,
  ``example_import_published``); it raises ValidationError, keyed by field, to refuse,
  and nothing is stored;
- an **import citer**: stores the value citations given with an entry on the trusted
  import path (starter data, operators' imports), before its publish check;
- a **codebook link**: a page the atlas codebook points to for what a higher app adds
  (the coding app: codebook versions and coder agreement per dimension);
- an **entry extension**: extra lookups for ``entries.selectors.with_details`` (so lists
  stay at constant queries), extra keys for an entry's API representation, its CSV
  columns and per-value JSON-LD, and extra context for the entry page.

With nothing registered every hook is a no-op, so the atlas works alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class EntryExtension:
    name: str
    # Lookups (strings or Prefetch objects) added to every detailed entry queryset.
    prefetch: Callable[[], list] = list
    # (example) -> {key: JSON value} added to the entry's API representation.
    api: Callable | None = None
    # CSV column names and (example, absolute) -> {column: text} for one row.
    csv_columns: Callable[[], list[str]] = list
    csv_row: Callable | None = None
    # (example, absolute) -> {coded field: [JSON-LD node]}: where each value came from.
    jsonld_derivations: Callable | None = None
    # (request, example) -> dict added to the entry page's context.
    page_context: Callable | None = None
    # (example) -> {coded field: [citation]}: the public citations behind each value, for
    # pages that show an entry's values away from its own page (the systems comparison).
    value_citations: Callable | None = None
    # (citation, absolute) -> JSON for one of them (the comparison's JSON export).
    citation_json: Callable | None = None
    # (citation, absolute) -> one line of text for one of them (the comparison's CSV).
    citation_text: Callable | None = None
    # (request, example) -> dict for the entry's private fragment (a signed-in viewer);
    # templates to include there go in its "personal_templates" list.
    personal_context: Callable | None = None
    # (request, example, data) -> dict for the entry's edit form (``data``: the POST
    # being re-shown, or None); templates to include inside the form go in its
    # "form_templates" list.
    form_context: Callable | None = None
    # (request, example, data) -> None, called with the edited entry inside the edit
    # form's transaction once the edit is applied; a ValidationError (keyed by a name
    # the form does not have: shown above the form) refuses the whole save.
    form_save: Callable | None = None


_publish_checks: list[Callable] = []
_import_citers: list[Callable] = []
_extensions: dict[str, EntryExtension] = {}
# () -> (url, label): pages about the codebook that a higher app serves. Static per
# deployment, so the public codebook page's cache does not depend on them.
_codebook_links: list[Callable] = []


def register_publish_check(check: Callable) -> None:
    if check not in _publish_checks:
        _publish_checks.append(check)


def register_import_citer(citer: Callable) -> None:
    """``citer(example, citations, evidence, links)``: store ``citations``
    (ValueCitationData, evidence and passage by index into the saved ``evidence`` and
    ``links``) for the imported ``example``; ValidationError keyed ``citations`` to
    refuse."""
    if citer not in _import_citers:
        _import_citers.append(citer)


def cite_imported(example, citations, evidence, links) -> None:
    for citer in _import_citers:
        citer(example, citations, evidence, links)


def register_codebook_link(link: Callable) -> None:
    if link not in _codebook_links:
        _codebook_links.append(link)


def codebook_links() -> list[tuple[str, str]]:
    return [link() for link in _codebook_links]


def register_entry_extension(extension: EntryExtension) -> None:
    _extensions[extension.name] = extension


def check_publishable(example) -> None:
    """Run every publish check; their errors together as one ValidationError."""
    errors: dict[str, list[str]] = {}
    for check in _publish_checks:
        try:
            check(example)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def prefetches() -> list:
    return [lookup for extension in _extensions.values() for lookup in extension.prefetch()]


def api_representation(example) -> dict:
    data: dict = {}
    for extension in _extensions.values():
        if extension.api is not None:
            data.update(extension.api(example))
    return data


def csv_columns() -> list[str]:
    return [column for extension in _extensions.values() for column in extension.csv_columns()]


def csv_row(example, absolute) -> dict:
    row: dict = {}
    for extension in _extensions.values():
        if extension.csv_row is not None:
            row.update(extension.csv_row(example, absolute))
    return row


def jsonld_derivations(example, absolute) -> dict[str, list]:
    derived: dict[str, list] = {}
    for extension in _extensions.values():
        if extension.jsonld_derivations is not None:
            for name, nodes in extension.jsonld_derivations(example, absolute).items():
                derived.setdefault(name, []).extend(nodes)
    return derived


def page_context(request, example) -> dict:
    context: dict = {}
    for extension in _extensions.values():
        if extension.page_context is not None:
            context.update(extension.page_context(request, example))
    return context


def value_citations(example) -> dict[str, list] | None:
    """The entry's citations by coded field, or None when no app cites values (then a
    page shows neither citations nor "uncited")."""
    found: dict[str, list] | None = None
    for extension in _extensions.values():
        if extension.value_citations is not None:
            found = found if found is not None else {}
            for name, cites in extension.value_citations(example).items():
                found.setdefault(name, []).extend(cites)
    return found


def citation_json(citation, absolute) -> dict:
    """One citation from ``value_citations`` as JSON, by the app that made it."""
    for extension in _extensions.values():
        if extension.citation_json is not None:
            return extension.citation_json(citation, absolute)
    raise LookupError("no app serialises value citations")


def citation_text(citation, absolute) -> str:
    """One citation from ``value_citations`` as one line of text, by the app that made it."""
    for extension in _extensions.values():
        if extension.citation_text is not None:
            return extension.citation_text(citation, absolute)
    raise LookupError("no app writes value citations as text")


def personal_context(request, example) -> dict:
    context: dict = {"personal_templates": []}
    for extension in _extensions.values():
        if extension.personal_context is not None:
            extra = dict(extension.personal_context(request, example))
            context["personal_templates"] += extra.pop("personal_templates", [])
            context.update(extra)
    return context


def form_context(request, example, data) -> dict:
    context: dict = {"form_templates": []}
    for extension in _extensions.values():
        if extension.form_context is not None:
            extra = dict(extension.form_context(request, example, data))
            context["form_templates"] += extra.pop("form_templates", [])
            context.update(extra)
    return context


def form_save(request, example, data) -> None:
    for extension in _extensions.values():
        if extension.form_save is not None:
            extension.form_save(request, example, data)
