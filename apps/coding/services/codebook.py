"""Codebook versions: a change (definitions, allowed values, required citations) is a
new version with a reason, never an edit, so every entry version can say which codebook
it was coded under and the versions themselves are the change log."""

from __future__ import annotations

import copy

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.atlas.models import Example
from apps.moderation import permissions as roles

from ..codebook import coded_fields, model_choices
from ..models import CodebookVersion, EntryCodebookVersion
from ..selectors import current_codebook

DEFINITION_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 2000


@transaction.atomic
def codebook_change(
    *,
    actor,
    reason: str,
    required_citations: list[str] | None = None,
    definitions: dict[str, dict[str, str]] | None = None,
    allowed: dict[str, list[str]] | None = None,
) -> CodebookVersion:
    """A new codebook version: the current one with the given parts replaced.

    Global moderators and admins only (the codebook is shared by every country).
    ``allowed`` may narrow a field's values, never add one the database cannot hold.
    Raises PermissionDenied, or ValidationError (nothing stored) for an empty reason, an
    unknown field or value, or a change that changes nothing."""
    if not roles.is_global_moderator(actor):
        raise PermissionDenied(_("Only global moderators may change the codebook."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the codebook changes: it is kept in its log.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("A reason is at most %(n)d characters.") % {"n": REASON_MAX_LENGTH}}
        )
    current = current_codebook()
    dimensions = copy.deepcopy(current.dimensions)
    by_name = {row["name"]: row for row in dimensions}
    fields = set(coded_fields())
    errors: dict[str, list[str]] = {}
    if required_citations is not None:
        unknown = [str(f)[:40] for f in required_citations if f not in fields]
        if unknown:
            errors.setdefault("required_citations", []).append(
                _("Not coded fields: %(names)s.") % {"names": ", ".join(unknown)}
            )
        required_citations = [f for f in coded_fields() if f in set(required_citations)]
    choices = model_choices()
    for name, values in (allowed or {}).items():
        if name not in choices:
            errors.setdefault("allowed", []).append(
                _("“%(name)s” has no fixed values.") % {"name": str(name)[:40]}
            )
            continue
        extra = [str(v)[:40] for v in values if v not in choices[name]]
        if extra or not values:
            errors.setdefault("allowed", []).append(
                _("%(name)s: allowed values must be some of %(choices)s.")
                % {"name": name, "choices": ", ".join(choices[name])}
            )
            continue
        by_name[name]["allowed"] = [v for v in choices[name] if v in set(values)]
    for name, texts in (definitions or {}).items():
        row = by_name.get(name)
        if row is None or not isinstance(texts, dict):
            errors.setdefault("definitions", []).append(
                _("“%(name)s” is not a coded field.") % {"name": str(name)[:40]}
            )
            continue
        for value, text in texts.items():
            if row["allowed"] and value not in row["allowed"]:
                errors.setdefault("definitions", []).append(
                    _("%(name)s has no value “%(value)s”.")
                    % {"name": name, "value": str(value)[:40]}
                )
            elif not isinstance(text, str) or not text.strip():
                errors.setdefault("definitions", []).append(
                    _("%(name)s: “%(value)s” needs a definition.") % {"name": name, "value": value}
                )
            elif len(text) > DEFINITION_MAX_LENGTH:
                errors.setdefault("definitions", []).append(
                    _("A definition is at most %(n)d characters.") % {"n": DEFINITION_MAX_LENGTH}
                )
            else:
                row["definitions"][value] = text.strip()
    if errors:
        raise ValidationError(errors)
    required = required_citations if required_citations is not None else current.required_citations
    if dimensions == current.dimensions and required == current.required_citations:
        raise ValidationError({"reason": _("This changes nothing in the codebook.")})
    number = (
        CodebookVersion.objects.select_for_update().order_by("-number").values_list(
            "number", flat=True
        ).first()
        or 0
    ) + 1  # fmt: skip
    version = CodebookVersion(
        number=number,
        dimensions=dimensions,
        required_citations=required,
        reason=reason,
        created_by=actor,
    )
    version.full_clean()
    version.save()
    return version


def record_entry_codebook(*, example_id: int) -> EntryCodebookVersion | None:
    """Record the codebook in force for the entry's current version (idempotent; called
    on commit of every entry write, so a redelivered event changes nothing)."""
    example = Example.objects.filter(pk=example_id).only("pk", "version").first()
    if example is None:
        return None
    codebook = current_codebook()
    if codebook.pk is None:
        return None
    row, _created = EntryCodebookVersion.objects.get_or_create(
        example=example, entry_version=example.version, defaults={"codebook": codebook}
    )
    return row
