"""Blind double coding: a moderator asks two or more coders to code an entry on their
own; each sees only their own coding until a moderator reconciles them into one new entry
version. Every coding and the reconciliation are kept (selectors.coding_history)."""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Mapping, Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.atlas.entries.services import example_update
from apps.atlas.models import EARLIEST_YEAR, Example, Status
from apps.atlas.permissions import can_moderate_example, moderation_denied_message
from apps.moderation import permissions as roles

from ..codebook import INTERVAL, coded_fields, field_labels
from ..models import Coding, CodingRequest, RequestStatus, ValueCitation
from ..selectors import current_codebook, open_request
from .citations import CitationData, build_citations, replace_citations

CODERS_GROUP = "Coders"
MIN_CODERS = 2
MAX_CODERS = 10
MAX_BATCH = 500
REASON_MAX_LENGTH = 1000
CODABLE_STATES = (Status.SUBMITTED, Status.PUBLISHED, Status.CHANGES_REQUESTED, Status.DRAFT)


def _volunteers(*, exclude_ids: set[int]):
    return list(
        get_user_model()
        .objects.filter(groups__name=CODERS_GROUP, is_active=True)
        .exclude(pk__in=exclude_ids)
        .order_by("pk")
    )


def _create(*, actor, example: Example, coders, deadline) -> CodingRequest:
    codebook = current_codebook()
    if codebook.pk is None:  # a database without migration 0002's row (tests that empty it)
        codebook.save()
    request = CodingRequest(
        example=example, requested_by=actor, deadline=deadline, codebook=codebook
    )
    request.full_clean()
    request.save()
    for coder in coders:
        Coding.objects.create(request=request, coder=coder)
    return request


@transaction.atomic
def coding_request_create(
    *,
    actor,
    example: Example,
    coders: Sequence | None = None,
    count: int = MIN_CODERS,
    deadline: datetime.datetime | None = None,
    rng: random.Random | None = None,
) -> CodingRequest:
    """Ask for independent coding of ``example`` by the named ``coders`` or, without
    names, ``count`` volunteers of the Coders group chosen at random (never the entry's
    author). Moderators of the entry's country only. One open request per entry.
    Raises PermissionDenied or ValidationError (nothing stored)."""
    example = Example.objects.select_for_update().get(pk=example.pk)
    if not can_moderate_example(actor, example):
        raise PermissionDenied(
            moderation_denied_message(actor, example, _("Only moderators ask for double coding."))
        )
    if example.status not in CODABLE_STATES:
        raise ValidationError({"example": _("This entry cannot be coded in its current state.")})
    if open_request(example) is not None:
        raise ValidationError({"example": _("This entry already has an open coding request.")})
    if deadline is not None and deadline <= timezone.now():
        raise ValidationError({"deadline": _("The deadline must be in the future.")})
    if coders:
        coders = list(dict.fromkeys(coders))
        if any(c.pk == example.author_id for c in coders):
            raise ValidationError({"coders": _("The entry's author cannot code it blind.")})
        if not MIN_CODERS <= len(coders) <= MAX_CODERS:
            raise ValidationError(
                {
                    "coders": _("Name between %(min)d and %(max)d coders.")
                    % {"min": MIN_CODERS, "max": MAX_CODERS}
                }
            )
    else:
        if not MIN_CODERS <= count <= MAX_CODERS:
            raise ValidationError(
                {
                    "count": _("Ask for between %(min)d and %(max)d coders.")
                    % {"min": MIN_CODERS, "max": MAX_CODERS}
                }
            )
        pool = _volunteers(exclude_ids={example.author_id or 0})
        if len(pool) < count:
            raise ValidationError(
                {
                    "count": _("Only %(n)d volunteer coders are available.") % {"n": len(pool)},
                }
            )
        coders = (rng or random.SystemRandom()).sample(pool, count)
    return _create(actor=actor, example=example, coders=coders, deadline=deadline)


@transaction.atomic
def coding_request_batch(
    *,
    actor,
    percent: int = 20,
    days: int = 30,
    count: int = MIN_CODERS,
    rng: random.Random | None = None,
) -> list[CodingRequest]:
    """ "Double-code ``percent`` % of the new entries in my countries": a random sample of
    the entries created in the last ``days`` days in the moderator's countries (every
    country for global moderators) that were never double-coded, each given to ``count``
    volunteer coders. Raises PermissionDenied or ValidationError (nothing stored)."""
    if not roles.is_moderator(actor):
        raise PermissionDenied(_("Only moderators ask for double coding."))
    if not 1 <= percent <= 100:
        raise ValidationError({"percent": _("Give a percentage between 1 and 100.")})
    if not 1 <= days <= 3660:
        raise ValidationError({"days": _("Give a number of days between 1 and 3660.")})
    since = timezone.now() - datetime.timedelta(days=days)
    candidates = Example.objects.filter(
        created__gte=since, status__in=CODABLE_STATES, coding_requests__isnull=True
    )
    countries = roles.moderator_countries(actor)
    if countries is not None:
        candidates = candidates.filter(country__in=sorted(countries))
    candidates = list(candidates.order_by("pk")[: MAX_BATCH * 10])
    if not candidates:
        return []
    rng = rng or random.SystemRandom()
    chosen = rng.sample(candidates, min(MAX_BATCH, math.ceil(len(candidates) * percent / 100)))
    pool = _volunteers(exclude_ids=set())
    requests = []
    for example in sorted(chosen, key=lambda e: e.pk):
        eligible = [c for c in pool if c.pk != example.author_id]
        if len(eligible) < count:
            raise ValidationError(
                {"count": _("Only %(n)d volunteer coders are available.") % {"n": len(eligible)}}
            )
        requests.append(
            _create(actor=actor, example=example, coders=rng.sample(eligible, count), deadline=None)
        )
    return requests


def clean_values(values: Mapping, *, codebook) -> dict:
    """A coder's values checked against the codebook: choices among the allowed values
    (lists for multi-valued fields), years as whole numbers; absent or null is missing."""
    if not isinstance(values, Mapping):
        raise ValidationError({"values": _("Send the values as an object {field: value}.")})
    rows = {row["name"]: row for row in codebook.dimensions}
    errors, clean = {}, {}
    unknown = [str(name)[:40] for name in values if name not in coded_fields()]
    if unknown:
        errors["values"] = _("Not coded fields: %(names)s.") % {"names": ", ".join(unknown)}
    this_year = timezone.now().year
    for name, value in values.items():
        row = rows.get(name)
        if row is None or value is None:
            continue
        if row["level"] == INTERVAL:
            if isinstance(value, bool) or not isinstance(value, int):
                errors[name] = _("A year is a whole number.")
            elif not EARLIEST_YEAR <= value <= this_year:
                errors[name] = _("A year between %(a)d and %(b)d.") % {
                    "a": EARLIEST_YEAR,
                    "b": this_year,
                }
            else:
                clean[name] = value
        elif row.get("multiple"):
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) for v in value)
            ):
                errors[name] = _("A list of values.")
            elif any(v not in row["allowed"] for v in value):
                errors[name] = _("Choose from: %(c)s.") % {"c": ", ".join(row["allowed"])}
            else:
                clean[name] = sorted(set(value))
        elif not isinstance(value, str) or value not in row["allowed"]:
            errors[name] = _("Choose from: %(c)s.") % {"c": ", ".join(row["allowed"])}
        else:
            clean[name] = value
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def coding_save_mine(
    *,
    actor,
    example: Example,
    values: Mapping,
    citations: Sequence[CitationData] | None = None,
    submit: bool = False,
) -> Coding:
    """Save the actor's blind coding of the entry's open request (and, with ``submit``,
    hand it in). Only an assigned coder; until the request is reconciled. Raises
    Http404-like PermissionDenied for anyone else, ValidationError (nothing stored)."""
    request = open_request(example)
    coding = (
        Coding.objects.select_for_update().filter(request=request, coder=actor).first()
        if request is not None and actor.is_authenticated
        else None
    )
    if coding is None:
        raise PermissionDenied(_("You are not coding this entry."))
    clean = clean_values(values, codebook=request.codebook)
    built = build_citations(list(citations), example=example) if citations is not None else None
    coding.values = clean
    if submit and coding.submitted_at is None:
        coding.submitted_at = timezone.now()
    coding.full_clean()
    coding.save()
    if built is not None:
        replace_citations(example=example, citations=built, actor=actor, coding=coding)
    return coding


def _first_citing(submitted: list[Coding], field: str) -> int | None:
    cited = set(
        ValueCitation.objects.filter(
            coding__in=submitted, field=field, replaced_at=None
        ).values_list("coding_id", flat=True)
    )
    return next((c.pk for c in submitted if c.pk in cited), None)


def _agreed(submitted: list[Coding], field: str):
    values = [c.values[field] for c in submitted if field in c.values]
    if len(values) == len(submitted) and values and all(v == values[0] for v in values):
        return values[0]
    return None


@transaction.atomic
def reconcile(
    *, actor, example: Example, choices: Mapping[str, Mapping], expected_version: int | None = None
) -> CodingRequest:
    """Close the entry's open coding request: per field, the moderator's value (one of
    the codings' — ``{"coding": id}`` — or their own ``{"value": …}``) with a reason.
    Fields on which every coding agrees take the agreed value unless chosen otherwise;
    every other field coded by anyone needs a choice. The result is ONE new entry
    version (entries.services.example_update); a chosen coding's citations for its
    field become the entry's. Every coding stays, visible on the history.

    Moderators of the entry's country; all codings handed in, or the deadline passed
    with at least two. Raises PermissionDenied, ValidationError (nothing stored), or
    StaleVersion when ``expected_version`` is not the entry's."""
    example = Example.objects.select_for_update().get(pk=example.pk)
    if not can_moderate_example(actor, example):
        raise PermissionDenied(
            moderation_denied_message(actor, example, _("Only moderators reconcile codings."))
        )
    request = open_request(example)
    if request is None:
        raise ValidationError({"example": _("This entry has no open coding request.")})
    request = CodingRequest.objects.select_for_update().get(pk=request.pk)
    codings = list(request.codings.order_by("pk"))
    submitted = [c for c in codings if c.submitted_at is not None]
    past_deadline = request.deadline is not None and request.deadline <= timezone.now()
    if len(submitted) < len(codings) and not (past_deadline and len(submitted) >= MIN_CODERS):
        raise ValidationError(
            {
                "codings": _("%(done)d of %(all)d codings are in; wait for the others.")
                % {"done": len(submitted), "all": len(codings)}
            }
        )
    if not isinstance(choices, Mapping):
        raise ValidationError({"choices": _("Send the choices as an object {field: choice}.")})
    by_id = {c.pk: c for c in submitted}
    labels = field_labels()
    errors, raw, decided = {}, {}, {}
    for field in coded_fields():
        choice = choices.get(field)
        if choice is None:
            coded = any(field in c.values for c in submitted)
            agreed = _agreed(submitted, field)
            if agreed is not None:
                # Agreed: the value stands, backed by the first coding that cited it.
                cited = _first_citing(submitted, field)
                raw[field] = agreed
                decided[field] = {"value": agreed, "reason": "", "from_coding": cited}
            elif coded:
                errors[field] = _("The coders disagree on “%(label)s”: choose a value.") % {
                    "label": labels[field]
                }
            continue
        if not isinstance(choice, Mapping):
            errors[field] = _('A choice is {"coding": id} or {"value": …}, with a reason.')
            continue
        reason = str(choice.get("reason") or "").strip()
        if len(reason) > REASON_MAX_LENGTH:
            errors[field] = _("A reason is at most %(n)d characters.") % {"n": REASON_MAX_LENGTH}
            continue
        if "coding" in choice:
            coding = by_id.get(choice["coding"]) if isinstance(choice["coding"], int) else None
            if coding is None or field not in coding.values:
                errors[field] = _("Choose one of the handed-in codings that coded this field.")
                continue
            value, source = coding.values[field], coding.pk
        elif "value" in choice:
            value, source = choice["value"], None
        else:
            errors[field] = _('A choice is {"coding": id} or {"value": …}, with a reason.')
            continue
        if not reason and _agreed(submitted, field) != value:
            errors[field] = _("Give a reason for “%(label)s”.") % {"label": labels[field]}
            continue
        raw[field] = value
        decided[field] = {"value": value, "reason": reason, "from_coding": source}
    unknown = [str(f)[:40] for f in choices if f not in coded_fields()]
    if unknown:
        errors["choices"] = _("Not coded fields: %(names)s.") % {"names": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    clean = clean_values(raw, codebook=request.codebook)
    example = example_update(
        actor=actor,
        example=example,
        changes=clean,
        expected_version=expected_version,
        change_reason=_("Reconciled double coding (request %(id)d).") % {"id": request.pk},
    )
    now = timezone.now()
    for field, choice in decided.items():
        if choice["from_coding"] is None:
            continue
        adopted = [
            ValueCitation(
                example=example,
                field=field,
                since_version=example.version,
                author=citation.author,
                evidence=citation.evidence,
                evidence_title=citation.evidence_title,
                document=citation.document,
                passage=citation.passage,
                passage_anchor=citation.passage_anchor,
                start=citation.start,
                end=citation.end,
                quote=citation.quote,
                prefix=citation.prefix,
                suffix=citation.suffix,
                note=citation.note,
                anchor_status=citation.anchor_status,
            )
            for citation in ValueCitation.objects.filter(
                coding_id=choice["from_coding"], field=field, replaced_at=None
            )
        ]
        if adopted:
            for old in ValueCitation.objects.filter(
                example=example, coding=None, field=field, replaced_at=None
            ):
                old.replaced_at = now
                old.save(update_fields=["replaced_at", "modified"])
            for citation in adopted:
                citation.full_clean()
                citation.save()
    request.status = RequestStatus.RECONCILED
    request.reconciled_by = actor
    request.reconciled_at = now
    request.choices = decided
    request.entry_version = example.version
    request.save()
    return request
