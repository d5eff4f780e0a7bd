"""Correcting a source's bibliographic record (title, authors, dates, venue, DOI, URL,
licence, type, abstract) after it was added: its stewards only (permissions.py). The
slug (every permalink and citation uses it) and the language (the search configuration,
the translations and their alignment hang on it) are set when the source is added and
stay.

One transaction: the record as one new history row carrying the reason (or a summary of
the fields changed), one audit-log row with the values before and after, and
``source.updated`` on commit (its subscriber re-indexes the source's search record).
Nothing is stored when the input is refused."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common import events
from apps.moderation.models import AuditAction
from apps.moderation.services.audit import audit_record

from .. import permissions
from ..models import Source
from .metadata import SourceMetadata, normalize_doi, validate_doi

EDITABLE_FIELDS = (
    "title", "authors", "year", "published_on", "venue", "volume", "issue", "pages",
    "publisher", "doi", "url", "licence", "licence_url", "source_type", "abstract",
)  # fmt: skip
REASON_MAX_LENGTH = 2000


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _values(metadata: SourceMetadata) -> dict:
    values = {name: getattr(metadata, name) for name in EDITABLE_FIELDS}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    values["authors"] = [author.strip() for author in metadata.authors if author.strip()]
    values["doi"] = normalize_doi(metadata.doi)
    return values


def _check(values: dict, reason: str) -> None:
    errors = {}
    texts = [value for value in values.values() if isinstance(value, str)]
    texts += values["authors"] + [reason]
    if any("\x00" in text for text in texts):
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))
    if not values["title"]:
        errors["title"] = _("Give the title.")
    if not values["authors"]:
        errors["authors"] = _("Name at least one author.")
    if len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = _("At most %(n)s characters, please.") % {"n": REASON_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    validate_doi(values["doi"])


@transaction.atomic
def source_details_update(
    *, actor, source: Source, metadata: SourceMetadata, reason: str = ""
) -> list[str]:
    """Set ``source``'s record to ``metadata`` (its EDITABLE_FIELDS; slug and language are
    ignored). Returns the names of the fields that changed (none: nothing is written).

    Raises PermissionDenied (not a steward) before looking at the input, ValidationError
    keyed by field (no title, no author, a malformed DOI, a year out of range, a NUL
    byte, a value too long)."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    if not permissions.can_steward(actor, source):
        raise PermissionDenied(
            _("Only this source's maintainers and the moderators may correct its details.")
        )
    reason = (reason or "").strip()
    values = _values(metadata)
    _check(values, reason)
    changed = [name for name, value in values.items() if getattr(source, name) != value]
    if not changed:
        return []
    before = {name: _jsonable(getattr(source, name)) for name in changed}
    for name in changed:
        setattr(source, name, values[name])
    source.full_clean()
    summary = "details edited: " + ", ".join(changed)
    source._change_reason = reason or summary
    source._history_user = actor
    source.save()
    audit_record(
        actor=actor,
        action=AuditAction.SOURCE_EDIT,
        target=source,
        reason=reason or summary,
        before=before,
        after={name: _jsonable(getattr(source, name)) for name in changed},
    )
    events.publish("source.updated", source_id=source.pk)
    return changed
