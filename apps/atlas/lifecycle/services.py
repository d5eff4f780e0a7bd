"""Writes of lifecycle events: whoever may edit an entry directly (its moderators; its
author while the entry is theirs to edit) records a dated change of its lifecycle with
an evidence citation, corrects one, or removes one recorded by mistake. The import
re-creates them (``clean_events``) inside its own transaction.

**The events decide the coded value.** Every add, edit and delete sets the entry's
``lifecycle`` (the codebook dimension the table, compare and exports show) to the stage
of its latest dated event (on the same date: the later-recorded one), in the same
transaction, as a new version of the entry whose history reason names the change.
Removing an event falls back to the latest one left; removing the last one gives back
the value hand-coded before the events took over (``LifecycleEvent.coded_before``), or
leaves the value as it is when that is not known (imported events). A hand edit of the
lifecycle while events exist holds until the next event is recorded, changed or removed.
Each write appends one audit-log row (action ``lifecycle_change``: the actor, a summary
or the reason given, the event and the coded value before and after). The import stores
its file's events and coded value as the file gives them (``replace_events``).

A date is given as a year, a year and month, or a full date ("2014", "2014-06",
"2014-06-14"): sources often say no more than the year, and the event keeps how precise
its date is."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common import events, http_cache
from apps.moderation.models import AuditAction
from apps.moderation.services.audit import audit_record

from ..aggregates.services import published_set_changed
from ..entries.validation import Errors
from ..models import EARLIEST_YEAR, Example, Status
from ..permissions import can_edit, needs_review
from .models import (
    EVENT_STATES,
    EVIDENCE_TITLE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    DatePrecision,
    LifecycleEvent,
)

MAX_EVENTS = 30
# What a change says (an update copies these from the cleaned input, a merge to its copy).
_EVENT_FIELDS = (
    "state", "date", "precision", "evidence_title", "evidence_url", "evidence_publisher",
    "evidence_published", "note",
)  # fmt: skip
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_STATES = {value for value, _label in EVENT_STATES}


@dataclass(frozen=True)
class LifecycleEventData:
    state: str
    date: str  # "2014", "2014-06" or "2014-06-14"
    evidence_title: str
    evidence_url: str
    evidence_publisher: str = ""
    evidence_published: str = ""  # ISO date or empty
    note: str = ""

    @classmethod
    def from_json(cls, data: Mapping) -> LifecycleEventData:
        """From an export's ``lifecycle_events_json`` item or an API body (unknown keys
        ignored; everything read as text, so a hostile type is a validation error)."""

        def text(key: str) -> str:
            value = data.get(key)
            return "" if value is None else str(value)

        return cls(
            state=text("state"), date=text("date"), evidence_title=text("evidence_title"),
            evidence_url=text("evidence_url"), evidence_publisher=text("evidence_publisher"),
            evidence_published=text("evidence_published"), note=text("note"),
        )  # fmt: skip


def event_json(event: LifecycleEvent) -> dict:
    """An event as the API and the exports give it (and ``from_json`` reads it back)."""
    return {
        "state": event.state,
        "date": event.date_display,
        "evidence_title": event.evidence_title,
        "evidence_url": event.evidence_url,
        "evidence_publisher": event.evidence_publisher,
        "evidence_published": (
            event.evidence_published.isoformat() if event.evidence_published else ""
        ),
        "note": event.note,
    }


def _clean(value: str) -> str:
    return (value or "").replace("\x00", "").strip()


def parse_event_date(text: str) -> tuple[datetime.date, str] | None:
    """("2014" | "2014-06" | "2014-06-14") → (date, precision), None when malformed or
    impossible (2014-02-30)."""
    match = DATE.match(_clean(text))
    if not match:
        return None
    year, month, day = match.groups()
    try:
        date = datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    return date, precision


def clean_event(item: LifecycleEventData, errors: Errors, key: str) -> LifecycleEvent | None:
    """An unsaved event (no entry yet) from ``item``; problems go to ``errors`` under
    ``key.<field>``."""
    before = len(errors.by_field)
    state = _clean(item.state)
    if state not in _STATES:
        errors.add(
            f"{key}.state",
            _("Choose one of: %(values)s.") % {"values": ", ".join(sorted(_STATES))},
        )
    parsed = parse_event_date(item.date)
    today = datetime.date.today()
    if parsed is None:
        errors.add(f"{key}.date", _("Give the date as 2014, 2014-06 or 2014-06-14."))
    elif parsed[0].year < EARLIEST_YEAR or parsed[0] > today:
        errors.add(
            f"{key}.date",
            _("The date must lie between %(first)s and today.") % {"first": EARLIEST_YEAR},
        )
    title = _clean(item.evidence_title)
    if not title:
        errors.add(f"{key}.evidence_title", _("Cite the evidence for this change."))
    elif len(title) > EVIDENCE_TITLE_MAX_LENGTH:
        errors.add(
            f"{key}.evidence_title",
            _("At most %(n)s characters, please.") % {"n": EVIDENCE_TITLE_MAX_LENGTH},
        )
    url = _clean(item.evidence_url)
    try:
        if len(url) > 1000:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors.add(f"{key}.evidence_url", _("Give the evidence's address (https://…)."))
    publisher = _clean(item.evidence_publisher)
    if len(publisher) > 300:
        errors.add(f"{key}.evidence_publisher", _("At most %(n)s characters, please.") % {"n": 300})
    published = None
    if _clean(item.evidence_published):
        try:
            published = datetime.date.fromisoformat(_clean(item.evidence_published)[:10])
        except ValueError:
            errors.add(f"{key}.evidence_published", _("Give the date as 2014-06-14."))
    note = _clean(item.note)
    if len(note) > NOTE_MAX_LENGTH:
        errors.add(f"{key}.note", _("At most %(n)s characters, please.") % {"n": NOTE_MAX_LENGTH})
    if len(errors.by_field) > before:
        return None
    date, precision = parsed
    return LifecycleEvent(
        state=state, date=date, precision=precision, evidence_title=title, evidence_url=url,
        evidence_publisher=publisher, evidence_published=published, note=note,
    )  # fmt: skip


def clean_events(items: Sequence[LifecycleEventData], errors: Errors) -> list[LifecycleEvent]:
    """Every item cleaned (``lifecycle_events.<n>.<field>`` errors), duplicates refused."""
    if len(items) > MAX_EVENTS:
        errors.add("lifecycle_events", _("At most %(n)s changes, please.") % {"n": MAX_EVENTS})
        return []
    events, seen = [], set()
    for index, item in enumerate(items):
        event = clean_event(item, errors, f"lifecycle_events.{index}")
        if event is None:
            continue
        if (event.state, event.date) in seen:
            errors.add(f"lifecycle_events.{index}", _("This change is listed twice."))
            continue
        seen.add((event.state, event.date))
        events.append(event)
    return events


def require_editor(actor, example: Example) -> None:
    if not can_edit(user=actor, example=example) or needs_review(user=actor, example=example):
        raise PermissionDenied(_("You may not change the lifecycle of this entry."))


def _summary(verb: str, event: LifecycleEvent) -> str:
    """The history row's and the audit row's record of a write. A record, like the other
    generated history reasons ("status: published"): written once, in English, with the
    stage's code, and shown as written in every interface language (the people reading a
    log in German see the stage's code, not an English label)."""
    return f"{verb}: {event.state} on {event.date_display} (evidence: {event.evidence_title})."


def latest_event(example: Example) -> LifecycleEvent | None:
    """The event that decides the entry's lifecycle: the latest by date; on the same
    date, the later-recorded one. Uses the selectors' prefetch when there is one."""
    recorded = list(example.lifecycle_events.all())
    if not recorded:
        return None
    return max(recorded, key=lambda event: (event.date, event.created, event.pk))


def coded_value_note(example: Example) -> str:
    """For the entry form's lifecycle field: which dated change sets the value ("" when
    the entry has none: the value is coded by hand)."""
    latest = latest_event(example)
    if latest is None:
        return ""
    return _(
        "Set by the dated lifecycle changes (the latest: %(state)s on %(date)s). A value "
        "chosen here holds until a change is next recorded, corrected or removed."
    ) % {"state": latest.get_state_display(), "date": latest.date_display}


def _apply(
    *,
    actor,
    example: Example,
    change: str,
    reason: str,
    before: dict | None,
    after: dict | None,
    fallback: str = "",
) -> None:
    """The write's consequences, inside its transaction: the coded lifecycle from the
    events (``fallback`` when none are left: the value hand-coded before them, blank to
    leave it), a new version of the entry carrying ``change`` as its history reason, and
    one audit-log row."""
    latest = latest_event(example)
    coded_before = example.lifecycle
    if latest is not None:
        example.lifecycle = latest.state
    elif fallback:
        example.lifecycle = fallback
    example.version += 1
    example._change_reason = change
    example._history_user = actor
    example.save()
    audit_record(
        actor=actor,
        action=AuditAction.LIFECYCLE_CHANGE,
        target=example,
        reason=reason or change,
        before={"event": before, "lifecycle": coded_before},
        after={"event": after, "lifecycle": example.lifecycle, "version": example.version},
    )
    if example.status == Status.PUBLISHED and coded_before != example.lifecycle:
        published_set_changed()
    events.publish("entry.updated", example_id=example.pk, version=example.version)


def _check_new(example: Example, event: LifecycleEvent, *, exclude: int | None = None) -> None:
    others = example.lifecycle_events.exclude(pk=exclude) if exclude else example.lifecycle_events
    if exclude is None and others.count() >= MAX_EVENTS:
        raise ValidationError({"event": _("At most %(n)s changes, please.") % {"n": MAX_EVENTS}})
    if others.filter(state=event.state, date=event.date).exists():
        raise ValidationError({"event": _("This change is recorded already.")})


@transaction.atomic
def lifecycle_event_add(
    *, actor, example: Example, data: LifecycleEventData, reason: str = ""
) -> LifecycleEvent:
    """Record a dated lifecycle change of ``example`` with its evidence; the entry's
    coded lifecycle follows its latest event (module docstring). Raises
    PermissionDenied (not an editor of the entry) before looking at the input, and
    ValidationError keyed by field (bad state, date, URL; the same change twice);
    nothing is stored then."""
    example = Example.objects.select_for_update().get(pk=example.pk)
    require_editor(actor, example)
    errors = Errors()
    event = clean_event(data, errors, "event")
    errors.raise_if_any()
    _check_new(example, event)
    first = example.lifecycle_events.order_by("created", "pk").first()
    # The hand-coded value is the one from before the first event; later events keep it.
    event.coded_before = first.coded_before if first is not None else example.lifecycle
    event.example, event.created_by = example, actor
    event.save()
    _apply(
        actor=actor, example=example, change=_summary("lifecycle event added", event),
        reason=reason, before=None, after=event_json(event),
    )  # fmt: skip
    return event


@transaction.atomic
def lifecycle_event_update(
    *, actor, event: LifecycleEvent, data: LifecycleEventData, reason: str = ""
) -> LifecycleEvent:
    """Correct a recorded change (its stage, date, evidence or note): the entry's editors
    only; the coded lifecycle follows. Raises PermissionDenied before looking at the
    input, ValidationError keyed by field (as for adding; the same change as another
    one); nothing is stored then."""
    example = Example.objects.select_for_update().get(pk=event.example_id)
    require_editor(actor, example)
    event = LifecycleEvent.objects.select_for_update().get(pk=event.pk)
    errors = Errors()
    cleaned = clean_event(data, errors, "event")
    errors.raise_if_any()
    _check_new(example, cleaned, exclude=event.pk)
    before = event_json(event)
    for name in _EVENT_FIELDS:
        setattr(event, name, getattr(cleaned, name))
    event.save()
    _apply(
        actor=actor, example=example, change=_summary("lifecycle event corrected", event),
        reason=reason, before=before, after=event_json(event),
    )  # fmt: skip
    return event


@transaction.atomic
def lifecycle_event_delete(*, actor, event: LifecycleEvent, reason: str = "") -> None:
    """Remove a change recorded by mistake (the entry's editors only): the coded
    lifecycle falls back to the latest event left, or with none left to the value
    hand-coded before the events (module docstring)."""
    example = Example.objects.select_for_update().get(pk=event.example_id)
    require_editor(actor, example)
    # As stored now (the caller's copy may predate a correction): what the log keeps.
    event = LifecycleEvent.objects.select_for_update().get(pk=event.pk)
    before, change = event_json(event), _summary("lifecycle event removed", event)
    fallback = event.coded_before
    event.delete()
    _apply(
        actor=actor, example=example, change=change, reason=reason, before=before, after=None,
        fallback=fallback,
    )  # fmt: skip


def replace_events(*, example: Example, events: Sequence[LifecycleEvent], actor) -> None:
    """Store cleaned ``events`` as the entry's whole list (the import; the caller holds
    the transaction and has checked permission)."""
    example.lifecycle_events.all().delete()
    for event in events:
        event.pk, event.example, event.created_by = None, example, actor
    LifecycleEvent.objects.bulk_create(events)
    http_cache.invalidate(LifecycleEvent)  # bulk_create sends no model signal


def events_to_carry(*, source: Example, target: Example) -> tuple[list[LifecycleEvent], int]:
    """``source``'s dated changes that ``target`` lacks, for a merge (the same stage on the
    same date is the same change, as the model's constraint says, whatever its evidence),
    and how many ``target`` has. One query for both entries."""
    rows = LifecycleEvent.objects.filter(example_id__in=(source.pk, target.pk))
    on_target = [event for event in rows if event.example_id == target.pk]
    have = {(event.state, event.date) for event in on_target}
    carried = [
        event
        for event in rows
        if event.example_id == source.pk and (event.state, event.date) not in have
    ]
    return carried, len(on_target)


def events_carry(*, events: Sequence[LifecycleEvent], target: Example) -> list[int]:
    """Copies of ``events`` (from ``events_to_carry``) on ``target``, inside the merge's
    transaction; their ids, for the undo. Each copy keeps who recorded the change. The
    target's coded lifecycle is left as the merge chose it (a hand-coded value holds
    until the next change is recorded, corrected or removed: module docstring), and
    removing the copies later falls back to the value the target was coded with before
    any of its events."""
    first = target.lifecycle_events.order_by("created", "pk").first()
    coded_before = first.coded_before if first is not None else target.lifecycle
    copies = [
        LifecycleEvent(
            example=target,
            coded_before=coded_before,
            created_by_id=event.created_by_id,
            **{name: getattr(event, name) for name in _EVENT_FIELDS},
        )  # fmt: skip
        for event in events
    ]
    created = LifecycleEvent.objects.bulk_create(copies)
    http_cache.invalidate(LifecycleEvent)  # bulk_create sends no model signal
    return [copy.pk for copy in created]


def events_uncarry(
    *, merge_event_ids: Sequence[int], source: Example, target: Example
) -> tuple[list[int], list[int]]:
    """Undoing a merge: remove from ``target`` the copies it made (``merge_event_ids``)
    that still say what the duplicate's own change says; a copy corrected since is kept
    (a later edit wins, as for the merge's field values). Returns (removed, kept) ids."""
    originals = {tuple(event_json(event).items()) for event in source.lifecycle_events.all()}
    removed, kept = [], []
    for copy in target.lifecycle_events.filter(pk__in=merge_event_ids):
        (removed if tuple(event_json(copy).items()) in originals else kept).append(copy.pk)
    if removed:
        LifecycleEvent.objects.filter(pk__in=removed).delete()
    return removed, kept
