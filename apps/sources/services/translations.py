"""Translations of a source and their passage alignment (ADR 0019).

- ``translation_create`` stores a translation: its own source record and a pending first
  version (or a new version of the existing translation in that language), linked to the
  original's current version. Its import runs as any upload's does; when it is ready,
  ``translation_align`` (from the ``source.version_ready`` subscriber) aligns it.
- ``translation_align`` aligns the translation's current version with the original
  version (``alignment.align``: headings and paragraph order, then Gale–Church).
- ``alignment_edit`` is a steward's correction (merge, split, move a boundary), one audit
  row each with the pairs before and after.

Only the original's stewards (its maintainers and the moderators) add translations and
correct alignments; the ``import_source`` command is trusted (``operator``).
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common import http_cache
from apps.moderation.models import AuditAction
from apps.moderation.services import audit_record

from .. import permissions
from ..alignment import Unit, align
from ..models import (
    AlignedPair,
    Document,
    DocumentStatus,
    Passage,
    Source,
    SourceMaintainer,
    Translation,
    TranslationKind,
)
from .metadata import _unique_slug
from .uploads import _check_upload_rate, _store_upload

# A BCP 47 tag as people type them for a text ("de", "zh-Hans", "pt-BR"), stored lower case.
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8}){0,2}$")
EDIT_OPERATIONS = ("merge", "split", "move")
SIDES = ("original", "translation")
DIRECTIONS = ("earlier", "later")


def _check_steward(actor, source: Source, *, operator: bool = False) -> None:
    if operator:
        return
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to add translations."))
    if not permissions.can_steward(actor, source):
        raise PermissionDenied(
            _("Only this source's maintainers and moderators can add or align translations.")
        )


def normalize_language(value: str) -> str:
    language = (value or "").strip().lower().replace("_", "-")
    if not _LANGUAGE.match(language):
        raise ValidationError(
            {"language": _("Give the language as a code such as “de” or “zh-hans”.")}
        )
    return language


@transaction.atomic
def translation_create(
    *,
    actor,
    original_source: Source,
    language: str,
    translator: str,
    data: bytes,
    filename: str = "",
    kind: str = TranslationKind.HUMAN,
    licence: str = "",
    licence_url: str = "",
    note: str = "",
    title: str = "",
    client_ip: str | None = None,
    throttle: bool = True,
    operator: bool = False,
) -> Translation:
    """Add a translation of ``original_source``'s current version into ``language``, or a
    new version of the translation already there in that language (its details are
    updated and it is linked to the current version of the original).

    Raises PermissionDenied (not a steward of the original), RateLimited, and
    ValidationError (bad language or kind, no translator, the original's own language,
    no published version to translate, an unacceptable file); nothing is stored then.
    """
    _check_steward(actor, original_source, operator=operator)
    _check_upload_rate(user=actor, client_ip=client_ip, throttle=throttle)
    language = normalize_language(language)
    errors = {}
    if language == (original_source.language or "").lower():
        errors["language"] = _("This is the language of the original.")
    if kind not in TranslationKind.values:
        errors["kind"] = _("Choose human, machine or reviewed.")
    translator = (translator or "").strip()
    if not translator:
        errors["translator"] = _("Say who translated the text.")
    original = original_source.current_document
    if Translation.objects.filter(source=original_source).exists():
        errors["file"] = _("This is itself a translation: translate its original instead.")
    elif original is None or original.status != DocumentStatus.READY:
        errors["file"] = _("The original has no published version to translate yet.")
    if errors:
        raise ValidationError(errors)
    translation = (
        Translation.objects.select_for_update()
        .filter(original_source=original_source, language=language)
        .first()
    )
    before = _details(translation) if translation else None
    if translation is None:
        source = Source(
            slug=_unique_slug(f"{original_source.slug}-{language}"),
            title=(title or original_source.title).strip()[:500],
            authors=original_source.authors,
            year=original_source.year,
            venue=original_source.venue,
            volume=original_source.volume,
            issue=original_source.issue,
            pages=original_source.pages,
            publisher=original_source.publisher,
            licence=licence,
            licence_url=licence_url,
            source_type=original_source.source_type,
            language=language,
            added_by=actor if actor is not None and actor.is_authenticated else None,
        )
        source.full_clean()
        source.save()
        if source.added_by_id:
            SourceMaintainer.objects.create(source=source, user=actor, added_by=actor)
            permissions.forget_maintainers(actor)
        translation = Translation(original_source=original_source, source=source)
    translation.original = original
    translation.language = language
    translation.kind = kind
    translation.translator = translator[:300]
    translation.licence = licence
    translation.licence_url = licence_url
    translation.note = (note or "").strip()[:500]
    if translation.pk is None and actor is not None and actor.is_authenticated:
        translation.created_by = actor
    translation.full_clean(exclude=["source", "document"])
    translation.save()
    # The translation's own record is trusted as its original's stewards are: published.
    _store_upload(source=translation.source, data=data, filename=filename, user=actor)
    audit_record(
        actor=actor,
        action=AuditAction.TRANSLATION_CHANGE,
        target=original_source,
        reason=_("Translation into %(language)s by %(translator)s.")
        % {"language": language, "translator": translation.translator},
        before=before,
        after=_details(translation),
    )
    return translation


def _details(translation: Translation) -> dict:
    return {
        "language": translation.language,
        "kind": translation.kind,
        "translator": translation.translator,
        "licence": translation.licence,
        "original_version": translation.original.version if translation.original_id else None,
    }


def _units(document: Document) -> tuple[list[str], list[Unit]]:
    rows = Passage.objects.filter(document=document).order_by("order")
    rows = list(rows.values_list("anchor", "kind", "start", "end"))
    return [row[0] for row in rows], [Unit(kind, end - start) for _a, kind, start, end in rows]


@transaction.atomic
def translation_align(*, document_id: int) -> Translation | None:
    """Align the translation whose current version is ``document_id`` with its original
    version; None when the document is not a translation's current version. Idempotent:
    an alignment already made for this version is kept (stewards may have corrected it).
    Called by the ``source.version_ready`` subscriber, the import command and the seed."""
    translation = (
        Translation.objects.select_for_update()
        .select_related("original", "source")
        .filter(source__current_document_id=document_id)
        .first()
    )
    if translation is None:
        return None
    if translation.document_id == document_id and translation.pairs.exists():
        return translation
    document = Document.objects.get(pk=document_id)
    anchors_o, units_o = _units(translation.original)
    anchors_t, units_t = _units(document)
    groups = align(units_o, units_t)
    _replace_pairs(
        translation,
        [([anchors_o[i] for i in o], [anchors_t[j] for j in t]) for o, t in groups],
    )
    translation.document = document
    translation.save(update_fields=["document"])
    return translation


def _replace_pairs(translation: Translation, pairs: list[tuple[list[str], list[str]]]) -> None:
    AlignedPair.objects.filter(translation=translation).delete()
    AlignedPair.objects.bulk_create(
        AlignedPair(translation=translation, order=order, original_anchors=o, translated_anchors=t)
        for order, (o, t) in enumerate(pairs)
    )
    http_cache.invalidate(AlignedPair)  # bulk_create sends no signal


def _pairs(translation: Translation) -> list[tuple[list[str], list[str]]]:
    return [
        (list(o), list(t))
        for o, t in translation.pairs.order_by("order").values_list(
            "original_anchors", "translated_anchors"
        )
    ]


def _invalid(message: str) -> ValidationError:
    return ValidationError({"operation": message})


@transaction.atomic
def alignment_edit(
    *,
    actor,
    translation: Translation,
    operation: str,
    order: int,
    original_at: int | None = None,
    translated_at: int | None = None,
    side: str = "",
    direction: str = "",
    reason: str = "",
) -> list[tuple[list[str], list[str]]]:
    """Correct one place of an alignment; returns the pairs after it.

    - ``merge``: pair ``order`` and the next become one.
    - ``split``: pair ``order`` becomes two, the first keeping its first ``original_at``
      original and ``translated_at`` translated passages (each part keeps a passage).
    - ``move``: the boundary between pair ``order`` and the next moves one passage
      ``earlier`` (the last passage of pair ``order`` on ``side`` goes to the next pair)
      or ``later`` (the next pair's first passage on ``side`` comes up); a pair left
      with no passage on either side goes.

    Every passage stays in exactly one pair, in order. Stewards of the original only
    (PermissionDenied); a change that cannot be made raises ValidationError and changes
    nothing. One audit row (alignment_change) with the pairs touched before and after.
    """
    _check_steward(actor, translation.original_source)
    translation = Translation.objects.select_for_update().get(pk=translation.pk)
    pairs = _pairs(translation)
    if operation not in EDIT_OPERATIONS:
        raise _invalid(_("Choose merge, split or move."))
    if not isinstance(order, int) or not 0 <= order < len(pairs):
        raise _invalid(_("There is no such row in this alignment."))
    before = [pairs[order]]
    if operation == "merge":
        if order + 1 >= len(pairs):
            raise _invalid(_("The last row has no next row to merge with."))
        before.append(pairs[order + 1])
        merged = (pairs[order][0] + pairs[order + 1][0], pairs[order][1] + pairs[order + 1][1])
        pairs[order : order + 2] = [merged]
        after = [merged]
    elif operation == "split":
        o, t = pairs[order]
        if not (
            isinstance(original_at, int)
            and isinstance(translated_at, int)
            and 0 <= original_at <= len(o)
            and 0 <= translated_at <= len(t)
        ):
            raise _invalid(_("Say where to split each side of the row."))
        first, second = (o[:original_at], t[:translated_at]), (o[original_at:], t[translated_at:])
        if not (first[0] or first[1]) or not (second[0] or second[1]):
            raise _invalid(_("Each part of a split row keeps at least one passage."))
        pairs[order : order + 1] = [first, second]
        after = [first, second]
    else:
        if side not in SIDES or direction not in DIRECTIONS:
            raise _invalid(_("Say which side and which way the boundary moves."))
        if order + 1 >= len(pairs):
            raise _invalid(_("The last row has no boundary below it."))
        before.append(pairs[order + 1])
        index = 0 if side == "original" else 1
        upper, lower = list(pairs[order][index]), list(pairs[order + 1][index])
        if direction == "earlier":
            if not upper:
                raise _invalid(_("This side of the row has no passage to move down."))
            lower.insert(0, upper.pop())
        else:
            if not lower:
                raise _invalid(_("The next row has no passage on this side to move up."))
            upper.append(lower.pop(0))
        rows = [list(pairs[order]), list(pairs[order + 1])]
        rows[0][index], rows[1][index] = upper, lower
        after = [tuple(row) for row in rows if row[0] or row[1]]
        pairs[order : order + 2] = after
    _replace_pairs(translation, pairs)
    audit_record(
        actor=actor,
        action=AuditAction.ALIGNMENT_CHANGE,
        target=translation.original_source,
        reason=(reason or "").strip()[:1000]
        or _("%(operation)s at row %(row)s of the %(language)s alignment.")
        % {"operation": operation, "row": order + 1, "language": translation.language},
        before={"language": translation.language, "row": order, "pairs": before},
        after={"language": translation.language, "row": order, "pairs": after},
    )
    return pairs
