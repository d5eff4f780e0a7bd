"""What a reviewer sees of an entry. A review item about an entry or a suggested edit
records the entry as the moderator will see it (``entry_snapshot``: every coded field,
title, summary, place, category, evidence and linked passages), and a queue decision
applies only to that version (apps/moderation/registry.py, "Versions"); the queue
compares snapshots with its own snapshot diff and words their values here."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from apps.moderation.registry import ordered_fields

from ..entries.data import EXAMPLE_FIELDS_ORDER, editable_values
from ..history.diff import display_value, field_label
from ..models import Evidence, Example, PassageLink

PASSAGE_EXCERPT = 200


def _evidence_snapshot(row: Evidence) -> dict:
    return {
        "title": row.title,
        "url": row.url,
        "doi": row.doi,
        "source_id": row.source_id,
        "publisher": row.publisher,
        "published": row.published.isoformat() if row.published else None,
        "accessed": row.accessed.isoformat() if row.accessed else None,
        "page": row.page,
        "quote": row.quote,
    }


def _link_snapshot(row: PassageLink) -> dict:
    passage = row.passage
    text = " ".join(passage.text.split())
    return {
        "passage_id": row.passage_id,
        "relation": row.relation,
        "note": row.note,
        "source": passage.document.source.title,
        "version": passage.document.version,
        "text": text if len(text) <= PASSAGE_EXCERPT else text[: PASSAGE_EXCERPT - 1] + "…",
    }


def entry_snapshot(example: Example) -> dict:
    """What a moderator reviews of ``example``, JSON-able: the editable fields in the form's
    order (``country`` the place code, ``category`` the category's name), its status,
    then the evidence and the linked passages (each with its source and an excerpt). Uses
    prefetched ``evidence`` and ``passage_links`` when the caller loaded them
    (``EntryAdapter.get_many``)."""
    values = editable_values(example)
    snapshot: dict[str, Any] = {name: values[name] for name in EXAMPLE_FIELDS_ORDER}
    snapshot["category"] = example.category.name
    snapshot["status"] = example.status
    evidence = sorted(example.evidence.all(), key=lambda row: (row.order, row.pk))
    links = sorted(example.passage_links.all(), key=lambda row: row.pk)
    snapshot["evidence"] = [_evidence_snapshot(row) for row in evidence]
    snapshot["passages"] = [_link_snapshot(row) for row in links]
    return snapshot


def _evidence_words(item: dict) -> str:
    address = f"https://doi.org/{item['doi']}" if item.get("doi") else item.get("url") or ""
    if not address and item.get("source_id"):
        address = _("hosted source %(id)s") % {"id": item["source_id"]}
    details = [
        item.get("publisher") or "",
        _("published %(date)s") % {"date": item["published"]} if item.get("published") else "",
        _("accessed %(date)s") % {"date": item["accessed"]} if item.get("accessed") else "",
        _("p. %(page)s") % {"page": item["page"]} if item.get("page") else "",
    ]
    words = item.get("title") or ""
    if address:
        words += f" <{address}>"
    details = [d for d in details if d]
    if details:
        words += f" ({', '.join(details)})"
    if item.get("quote"):
        words += f" “{item['quote']}”"
    return words


def _link_words(item: dict) -> str:
    words = _("passage %(id)s (%(relation)s)") % {
        "id": item.get("passage_id"),
        "relation": item.get("relation"),
    }
    if item.get("source"):
        words += f", {item['source']}"
        if item.get("version"):
            words += f" v{item['version']}"
    if item.get("text"):
        words += f": “{item['text']}”"
    if item.get("note"):
        words += f" — {item['note']}"
    return words


def entry_field_label(name: str) -> str:
    if name == "suggested_changes":
        return _("Suggested changes")
    return field_label(name)


def entry_display_value(name: str, value: Any) -> str:
    """A snapshot value as the entry page would word it."""
    if value in (None, "", [], ()):
        return "—"
    if name == "evidence":
        return "; ".join(_evidence_words(item) for item in value)
    if name == "passages":
        return "; ".join(_link_words(item) for item in value)
    if name == "category":
        return str(value)
    if name == "suggested_changes":
        return "; ".join(
            f"{entry_field_label(field)}: {entry_display_value(field, value[field])}"
            for field in ordered_fields(SNAPSHOT_FIELDS, value)
        )
    return display_value(name, value, category_names={})


def entries_for_review():
    return Example.objects.select_related("category").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("order", "pk")),
        Prefetch(
            "passage_links",
            queryset=PassageLink.objects.select_related("passage__document__source").order_by("pk"),
        ),
    )


SNAPSHOT_FIELDS = (
    *EXAMPLE_FIELDS_ORDER,
    "status",
    "evidence",
    "passages",
    "suggested_changes",
)


class VersionedEntryMixin:
    """Snapshot fields in words, shared by the entry and suggested-edit adapters."""

    snapshot_fields = SNAPSHOT_FIELDS

    def field_label(self, name: str) -> str:
        return entry_field_label(name)

    def display_value(self, name: str, value: Any) -> str:
        return entry_display_value(name, value)
