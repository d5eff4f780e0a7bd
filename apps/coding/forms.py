"""Reading the coding and reconciliation forms into the services' input. Checking is
the services' (the API sends the same shapes)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .codebook import INTERVAL
from .services.citations import MAX_CITATIONS, CitationData

# The entry form's citation chips: one hidden input per citation (its JSON, the API's
# input shape), and a marker saying the form carries the whole set.
CITATION_INPUT = "value_citation"
CITATIONS_MARKER = "value_citations_form"


def _year(text: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the service says it is not a year


def values_from_post(post, *, codebook) -> dict:
    values = {}
    for row in codebook.dimensions:
        name = row["name"]
        if row["level"] == INTERVAL:
            value = _year(post.get(name, ""))
        elif row.get("multiple"):
            value = post.getlist(name) or None
        else:
            value = post.get(name) or None
        if value is not None:
            values[name] = value
    return values


def citations_from_post(post, *, codebook) -> list[CitationData]:
    """One citation per field: ``<field>__evidence``, ``__source``, ``__anchor``,
    ``__quote``, ``__note``."""
    citations = []
    for row in codebook.dimensions:
        name = row["name"]
        evidence = (post.get(f"{name}__evidence") or "").strip()
        source = (post.get(f"{name}__source") or "").strip()
        if not evidence and not source:
            continue
        citations.append(
            CitationData(
                field=name,
                evidence=int(evidence) if evidence.isdigit() and len(evidence) < 12 else None,
                source=source or None,
                anchor=(post.get(f"{name}__anchor") or "").strip() or None,
                quote=post.get(f"{name}__quote") or "",
                note=post.get(f"{name}__note") or "",
            )
        )
    return citations


def choices_from_post(post, *, codebook) -> dict:
    """``<field>__choice`` = a coding id or "own" (then ``<field>__value``), with
    ``<field>__reason``."""
    choices = {}
    for row in codebook.dimensions:
        name = row["name"]
        choice = (post.get(f"{name}__choice") or "").strip()
        reason = post.get(f"{name}__reason") or ""
        if not choice:
            continue
        if choice == "own":
            if row["level"] == INTERVAL:
                value = _year(post.get(f"{name}__value", ""))
            elif row.get("multiple"):
                value = post.getlist(f"{name}__value")
            else:
                value = post.get(f"{name}__value") or None
            choices[name] = {"value": value, "reason": reason}
        elif choice.isdigit() and len(choice) < 12:
            choices[name] = {"coding": int(choice), "reason": reason}
        else:
            choices[name] = {"value": None, "reason": reason}
    return choices


def citations_from_form(post) -> list[CitationData]:
    """The entry form's chips, each checked for shape by the API's input serializer (the
    service checks what they say). ValidationError keyed ``citations``."""
    from .api import CitationInputSerializer, citation_data

    texts = post.getlist(CITATION_INPUT)
    if len(texts) > MAX_CITATIONS:
        raise ValidationError(
            {"citations": _("At most %(n)d citations an entry.") % {"n": MAX_CITATIONS}}
        )
    items = []
    for text in texts:
        try:
            item = json.loads(text)
        except ValueError:
            item = None
        serializer = CitationInputSerializer(data=item if isinstance(item, dict) else {})
        if not isinstance(item, dict) or not serializer.is_valid():
            raise ValidationError({"citations": _("A citation of the form is malformed.")})
        items.append(serializer.validated_data)
    return citation_data(items)
