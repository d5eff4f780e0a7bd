"""The entry edit form's citation panel (through the atlas's form hooks,
apps/atlas/extensions.py): per coded field, chips for its citations and a "Cite"
button that opens a side panel (templates/coding/_form_citations.html,
static/js/value-citations.js). The chips are hidden inputs of the form itself, so
citing never loses what was typed, and the form's save stores them through
``services.citations_replace`` in the edit's transaction: a wrong citation refuses the
whole save, and nothing is stored."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from . import representation, selectors, services
from .codebook import field_labels
from .forms import CITATION_INPUT, CITATIONS_MARKER, citations_from_form

TEMPLATE = "coding/_form_citations.html"


def _chip(data: dict, label: str) -> dict:
    return {"field": data.get("field"), "label": label,
            "json": json.dumps({**data, "label": label}, ensure_ascii=False)}  # fmt: skip


def _posted_chips(data) -> list[dict]:
    """The chips as the form sent them (re-shown after a refused save)."""
    chips = []
    for text in data.getlist(CITATION_INPUT)[: services.citations.MAX_CITATIONS]:
        try:
            item = json.loads(text)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("field"), str):
            label = item.pop("label", "")
            chips.append(_chip(item, label[:200] if isinstance(label, str) else ""))
    return chips


def form_context(request, example, data) -> dict:
    """The panel, its fields and the current chips, for whoever may cite directly (an
    author whose edits go to the moderators suggests citations another way). On the
    new-entry form (``example`` None: its evidence has no ids yet, so nothing can be
    cited), which values must be cited before the entry is published."""
    if example is None:
        if not getattr(settings, "CODING_ENFORCE_REQUIRED_CITATIONS", True):
            return {}
        labels = field_labels()
        required = selectors.current_codebook().required_citations
        return {"citation_required_labels": [str(labels.get(f, f)) for f in required]}
    if not services.may_cite(actor=request.user, example=example):
        return {}
    if data is not None and data.get(CITATIONS_MARKER):
        chips = _posted_chips(data)
    else:
        chips = [
            _chip(representation.citation_form_json(c), representation.citation_label(c))
            for c in selectors.entry_citations(example)
        ]
    labels = field_labels()
    required = set(selectors.current_codebook().required_citations)
    fields = [
        {"name": name, "label": label, "required": name in required,
         "chips": [chip for chip in chips if chip["field"] == name]}
        for name, label in labels.items()
    ]  # fmt: skip
    return {
        "form_templates": [TEMPLATE],
        "citation_fields": fields,
        "citation_evidence": list(example.evidence.all()),
        "citation_marker": CITATIONS_MARKER,
        "citation_input": CITATION_INPUT,
    }


def form_save(request, example, data) -> None:
    """Store the posted chips as the entry's citations unless they are the current ones.
    A form without the panel (no marker) leaves the citations alone."""
    if not data.get(CITATIONS_MARKER):
        return
    items = citations_from_form(data)
    if services.citations_unchanged(example, items):
        return
    try:
        services.citations_replace(actor=request.user, example=example, citations=items)
    except PermissionDenied as exc:
        raise ValidationError({"citations": [str(exc) or _("You may not cite here.")]}) from exc
    except ValidationError as exc:
        raise ValidationError({"citations": _numbered(exc, items)}) from exc


def _numbered(exc: ValidationError, items) -> list[str]:
    """The service numbers each problem by the item's place in the list ("[2] …"); the
    form names the field instead."""
    labels = field_labels()
    messages = []
    for message in exc.messages:
        if message.startswith("[") and "]" in message:
            index, _bracket, rest = message[1:].partition("]")
            if index.isdigit() and int(index) < len(items):
                field = items[int(index)].field
                message = f"{labels.get(field, field)}:{rest}"
        messages.append(message)
    return messages
