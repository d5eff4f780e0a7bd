"""Merging duplicate entries, and undoing a merge (after Wikidata: nothing is lost).

Merging B (the duplicate, ``source``) into A (``target``):

- Field by field, where B's and A's codings differ (every dimension in MERGE_FIELDS:
  title, place, region, category, summary, operator, who is scored, data sources,
  consequences, transparency, right to contest, legal basis with its note, lifecycle,
  start and end year, confidence), the moderator chooses which value A keeps
  (``fields={"legal_basis": "source", ...}``). A known value beats "unknown" by default;
  where both are known and differ there is no default, and a merge without a choice for
  such a field is refused, naming the fields: nothing differs silently. A's chosen
  values are written as a new version of A (its history shows them).
- A gains copies of B's evidence and passage links that it lacks (evidence is the same
  when its DOI, else its URL, else its hosted source, else its title matches; links when
  they name the same passage), and of its dated lifecycle changes A lacks (the same
  stage on the same date is the same change; A's coded lifecycle stays as chosen above,
  like a hand-coded value). B keeps its own rows untouched.
- A credits every contributor of B (apps/atlas/contributors.py); B's contributors are
  told (in the app and by e-mail, never the acting moderator) with the reason and a link
  to A. B's name-only credits (recorded from an imported file, ADR 0017) are added to
  A's, role ``merged``, except those A already has (``recorded_credits_to_carry``); they
  have no account, so nobody is told.
- B's discussion moves to A (discussion.services.comments_move), threads intact. B's open
  suggested edits move to A (those that only propose values), or are declined with the
  merge (an author's pending edit carrying evidence or passage lists, which would
  replace A's). Open review items about B are closed as "merged"; flags on B are
  resolved as agreed (B leaves public view, as a hide would).
- B gets status ``merged`` and ``merged_into`` A: it leaves every list, count, map and
  export, and its page and API address answer 301 to A for good (following later merges).
- One ExampleMerge row records exactly what was added to A, what changed on A (values
  before and after) and what moved; one audit-log row records it for people.

Undoing puts A's own values back (those not edited again since: a later edit wins and is
listed in the audit row), removes from A what the merge added (evidence, links, credit,
lifecycle changes not corrected since),
moves the comments back (with replies posted to those threads since) and the moved
suggestions still open, and gives B its status back: B is again exactly what it was.
Nothing decided is re-opened (suggestions decided since stay decided); a B that was
awaiting review goes back in the queue as a new item.

Who: moderators whose country scope covers both entries (global moderators and admins:
all). Bad input is a ValidationError, a missing right a PermissionDenied, a comparison
made on versions that moved since a StaleVersion; nothing is stored when one is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import http_cache
from apps.moderation.models import AuditAction, Decision, ReviewItemType
from apps.moderation.services import (
    audit_record,
    flags_resolve,
    notice_create,
    review_items_refresh,
    review_items_settle,
)

from .. import contributors
from ..aggregates.services import published_set_changed
from ..discussion.services import comments_move
from ..entries.services import check_version, text_changed
from ..entries.validation import require_reason
from ..history.diff import EVIDENCE_FIELDS
from ..history.services import audit_snapshot
from ..lifecycle.services import events_carry, events_uncarry
from ..models import (
    PASSAGE_LINK_QUOTE_FIELDS,
    EntryComment,
    Evidence,
    Example,
    ExampleMerge,
    PassageLink,
    Status,
    SuggestedEdit,
    SuggestionStatus,
)
from ..permissions import example_country, require_moderator_of
from ..review.queue import queue_submission
from ..suggestions.services import suggestion_reject
from .comparison import (
    SOURCE,
    changes_for,
    check_limits,
    check_pair,
    check_years,
    column_value,
    evidence_key,
    plan_merge,
    resolve_choices,
    target_id_from,
)


def _lock(*ids: int) -> dict[int, Example]:
    # Always in id order, so two merges of the same pair in opposite directions cannot
    # deadlock: one waits for the other and then finds its entry merged.
    rows = Example.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk")
    return {row.pk: row for row in rows.select_related("category")}


def _close_queue_items(*, source: Example, target: Example, actor, reason: str) -> list[int]:
    """Close every open review item about ``source`` as "merged" (one audit row each,
    no notice: the merge sends its own); its flags are resolved as agreed."""
    items = review_items_settle(
        target=source,
        item_types=ReviewItemType.values,
        actor=actor,
        decision=Decision.MERGE,
        reason=reason,
        notify=False,
    )
    for item in items:
        if item.item_type == ReviewItemType.FLAG:
            flags_resolve(item=item, agreed=True)
    return [item.pk for item in items]


def _move_suggestions(suggestions, to_example: Example) -> list[int]:
    ids = [suggestion.pk for suggestion in suggestions]
    # A queryset update: the suggestions are not changed, only where they point.
    http_cache.update_and_invalidate(SuggestedEdit.objects.filter(pk__in=ids), example=to_example)
    review_items_refresh(
        targets=list(SuggestedEdit.objects.filter(pk__in=ids).select_related("example"))
    )
    return ids


def _notify_contributors(*, source: Example, target: Example, actor, reason: str) -> list[int]:
    """Tell everyone credited on ``source`` (not the acting moderator) that it was merged,
    why, and where their credit is now: in the app, and by e-mail after commit."""
    message = _(
        "Merged into #%(id)s “%(title)s”, which now credits you as a contributor. Reason: "
        "%(reason)s"
    ) % {"id": target.pk, "title": target.title, "reason": reason}
    told = []
    for user in contributors.credited_accounts(source):
        if user.pk == actor.pk or user.pk in told:
            continue
        notice_create(
            recipient=user,
            item=None,
            decision=Decision.MERGE,
            reason=message,
            target_label=source.title,
            target_url=target.get_absolute_url(),
        )
        told.append(user.pk)
    return told


@transaction.atomic
def example_merge(
    *,
    actor,
    source: Example,
    target_id: Any,
    reason: str,
    fields: Mapping[str, Any] | None = None,
    source_version: int | None = None,
    target_version: int | None = None,
) -> ExampleMerge:
    """Merge ``source`` (the duplicate) into the entry ``target_id``; see the module
    docstring for what moves. ``fields`` says, for each coded dimension where the two
    differ, which value the target keeps (``"source"`` or ``"target"``; a known value
    beats "unknown" by default). ``source_version``/``target_version``, when given, are
    the versions the moderator compared: a merge over entries changed since raises
    StaleVersion.

    Raises PermissionDenied (not a moderator of both entries' countries) or
    ValidationError (no reason; unknown target; the entry itself; a merged or rejected
    target; an entry already merged; a differing field without a choice, or a malformed
    choice; too much evidence together). Writes one audit row (action ``merge``)."""
    message = _("Only moderators can merge entries or undo a merge.")
    require_moderator_of(actor, message=message)
    into = target_id_from(target_id)
    if into == source.pk:
        raise ValidationError({"into": _("An entry cannot be merged into itself.")})
    locked = _lock(source.pk, into)
    if into not in locked:
        raise ValidationError({"into": _("There is no entry #%(id)s.") % {"id": into}})
    source, target = locked[source.pk], locked[into]
    require_moderator_of(actor, source, target, message=message)
    reason = require_reason(reason)
    check_pair(source, target)
    check_version(source, source_version)
    check_version(target, target_version)
    plan = plan_merge(source, target)
    chosen = resolve_choices(plan.fields, fields)
    check_limits(plan)
    changes = changes_for(source, target, chosen)
    check_years(
        {
            name: changes[name][1] if name in changes else getattr(target, name)
            for name in ("start_year", "end_year")
        }
    )

    before = {"source": audit_snapshot(source), "target": audit_snapshot(target)}
    change = _("Merged #%(id)s “%(title)s” into this entry: %(reason)s") % {
        "id": source.pk,
        "title": source.title,
        "reason": reason,
    }
    kept = [row.label for row in plan.differing if chosen.get(row.key) == SOURCE]
    if kept:
        change += " " + _("Kept from #%(id)s: %(fields)s.") % {
            "id": source.pk,
            "fields": ", ".join(kept),
        }
    # The target's new version first (with the values chosen from the source), then its
    # new rows: the history pages attribute evidence and links written after a version
    # to that version.
    for column, (_before, after) in changes.items():
        setattr(target, column, after)
    if changes:
        target.full_clean()
    if plan.recorded_credited:
        target.recorded_credits = [*(target.recorded_credits or []), *plan.recorded_credited]
    target.version += 1
    target._change_reason = change
    target._history_user = actor
    target.save()
    order = (target.evidence.aggregate(top=Max("order"))["top"] or 0) + 1
    for offset, evidence in enumerate(plan.new_evidence):
        copy = Evidence(
            example=target,
            order=order + offset,
            **{name: getattr(evidence, name) for name in EVIDENCE_FIELDS},
        )
        copy._history_user = actor
        copy.save()
    for link in plan.new_links:
        copy = PassageLink(
            example=target,
            passage_id=link.passage_id,
            relation=link.relation,
            note=link.note,
            **{name: getattr(link, name) for name in PASSAGE_LINK_QUOTE_FIELDS},
        )
        copy._history_user = actor
        copy.save()
    carried_events = events_carry(events=plan.new_events, target=target)
    comment_ids = sorted(EntryComment.objects.filter(example=source).values_list("pk", flat=True))
    comments_move(from_example=source, to_example=target)

    source_status = source.status
    source.status = Status.MERGED
    source.merged_into = target
    source.version += 1
    source._change_reason = _("Merged into #%(id)s “%(title)s”: %(reason)s") % {
        "id": target.pk,
        "title": target.title,
        "reason": reason,
    }
    source._history_user = actor
    source.save()

    queue_reason = _("Merged into #%(id)s “%(title)s”: %(reason)s") % {
        "id": target.pk,
        "title": target.title,
        "reason": reason,
    }
    declined = []
    for suggestion in plan.suggestions_declined:
        suggestion_reject(
            actor=actor,
            suggestion=suggestion,
            reason=_(
                "The entry was merged into #%(id)s “%(title)s”; this change would replace that "
                "entry's evidence or passages, so suggest it there again if it still applies. "
                "Reason for the merge: %(reason)s"
            )
            % {"id": target.pk, "title": target.title, "reason": reason},
        )
        declined.append(suggestion.pk)
    moved = _move_suggestions(plan.suggestions_moved, target)
    closed = _close_queue_items(source=source, target=target, actor=actor, reason=queue_reason)

    merge = ExampleMerge(
        source=source,
        target=target,
        reason=reason,
        merged_by=actor,
        source_status=source_status,
        added_evidence=[evidence_key(e) for e in plan.new_evidence],
        added_passages=[link.passage_id for link in plan.new_links],
        moved_comments=comment_ids,
        field_choices=chosen,
        field_changes=changes,
        moved_suggestions=moved,
        declined_suggestions=declined,
        closed_review_items=closed,
        added_credits=plan.recorded_credited,
        added_lifecycle_events=carried_events,
    )
    merge.full_clean()
    merge.save()
    credited = contributors.credit_merge(merge=merge)
    told = _notify_contributors(source=source, target=target, actor=actor, reason=reason)
    if {"title", "summary"} & set(changes) or plan.new_evidence:
        text_changed(target.pk)
    target = Example.objects.select_related("category").get(pk=target.pk)
    audit_record(
        actor=actor,
        action=AuditAction.MERGE,
        target=source,
        reason=reason,
        before=before,
        after={
            "source": {
                "status": Status.MERGED,
                "merged_into": target.pk,
                "version": source.version,
            },
            "target": audit_snapshot(target),
            "merge": merge.pk,
            "fields": {"chosen": chosen, "changed": changes},
            "moved": {
                "evidence": merge.added_evidence,
                "passages": merge.added_passages,
                "lifecycle_events": carried_events,
                "comments": merge.moved_comments,
                "suggestions": moved,
            },
            "suggestions_declined": declined,
            "review_items_closed": closed,
            "credited": sorted(row.user_id for row in credited),
            "credited_by_name": merge.added_credits,
            "notified": told,
        },  # fmt: skip
        country=example_country(source) or "",
    )
    if Status.PUBLISHED in (source_status, target.status):
        published_set_changed()
    return merge


def _restore_target_values(target: Example, merge: ExampleMerge) -> tuple[dict, list[str]]:
    """Put back the target's own values the merge replaced, except where the target was
    edited again since (that later edit wins). Returns (restored columns, kept columns)."""
    restored, kept = {}, []
    for column, (before, after) in (merge.field_changes or {}).items():
        if column_value(target, column) == after:
            setattr(target, column, before)
            restored[column] = before
        else:
            kept.append(column)
    return restored, kept


def _keep_credits_of_other_merges(target: Example, undone: ExampleMerge) -> None:
    """A name-only credit the undone merge carried may also be one another live merge
    into ``target`` brought (it skipped it then, as already there): it stays, now
    carried by that merge (so that merge's own undo takes it back)."""
    others = (
        ExampleMerge.objects.filter(target=target, undone_at__isnull=True)
        .exclude(pk=undone.pk)
        .select_related("source")
        .order_by("created", "pk")
    )
    for other in others:
        regained = contributors.recorded_credits_to_carry(source=other.source, target=target)
        if regained:
            target.recorded_credits = [*target.recorded_credits, *regained]
            other.added_credits = [*other.added_credits, *regained]
            other.save(update_fields=["added_credits"])


@transaction.atomic
def example_unmerge(*, actor, merge: ExampleMerge, reason: str) -> ExampleMerge:
    """Undo ``merge``: put back the target's own values (those not edited since), remove
    from the target what the merge added (evidence, links, credit), move the duplicate's
    comments back (with replies posted to their threads since) and its suggested edits
    that are still open, and give the duplicate its status back (a submitted one goes
    back in the review queue as a new item). Nothing decided is re-opened. Raises
    PermissionDenied (as for merging) or ValidationError (no reason; already undone; the
    target was itself merged later, which must be undone first). Writes one audit row
    (action ``unmerge``)."""
    message = _("Only moderators can merge entries or undo a merge.")
    require_moderator_of(actor, message=message)
    merge = ExampleMerge.objects.select_for_update().get(pk=merge.pk)
    locked = _lock(merge.source_id, merge.target_id)
    source, target = locked[merge.source_id], locked[merge.target_id]
    require_moderator_of(actor, source, target, message=message)
    reason = require_reason(reason)
    if merge.undone_at is not None:
        who = merge.undone_by.get_username() if merge.undone_by_id else _("someone")
        raise ValidationError(
            {"merge": _("This merge was already undone by %(who)s.") % {"who": who}}
        )
    if target.status == Status.MERGED:
        raise ValidationError(
            {
                "merge": _(
                    "Entry #%(id)s was itself merged into #%(next)s after this merge: undo "
                    "that merge first."
                )
                % {"id": target.pk, "next": target.merged_into_id}
            }
        )
    before = {"source": audit_snapshot(source), "target": audit_snapshot(target)}

    restored, kept = _restore_target_values(target, merge)
    if merge.added_credits:
        target.recorded_credits = contributors.without_carried_credits(
            target.recorded_credits, merge.added_credits
        )
        _keep_credits_of_other_merges(target, merge)
    target.version += 1
    target._change_reason = _("Undid the merge of #%(id)s “%(title)s”: %(reason)s") % {
        "id": source.pk,
        "title": source.title,
        "reason": reason,
    }
    target._history_user = actor
    target.save()
    added = {tuple(key) for key in merge.added_evidence}
    for evidence in list(target.evidence.all()):
        if tuple(evidence_key(evidence)) in added:
            evidence._history_user = actor
            evidence.delete()
    for link in list(target.passage_links.filter(passage_id__in=merge.added_passages)):
        link._history_user = actor
        link.delete()
    events_removed, events_kept = events_uncarry(
        merge_event_ids=merge.added_lifecycle_events, source=source, target=target
    )
    moved = set(merge.moved_comments)
    replies_since = set(
        EntryComment.objects.filter(example=target, parent_id__in=moved).values_list(
            "pk", flat=True
        )
    )
    http_cache.update_and_invalidate(
        EntryComment.objects.filter(pk__in=moved | replies_since), example_id=source.pk
    )
    uncredited = contributors.uncredit_merge(merge=merge)
    suggestions_back = _move_suggestions(
        SuggestedEdit.objects.filter(
            pk__in=merge.moved_suggestions, example=target, status=SuggestionStatus.OPEN
        ),
        source,
    )

    source.status = merge.source_status
    source.merged_into = None
    source.version += 1
    source._change_reason = _("Merge into #%(id)s undone: %(reason)s") % {
        "id": target.pk,
        "reason": reason,
    }
    source._history_user = actor
    source.save()
    if source.status == Status.SUBMITTED:
        queue_submission(source)

    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.undo_reason = reason
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    if {"title", "summary"} & set(restored) or merge.added_evidence:
        text_changed(target.pk)
    source = Example.objects.select_related("category").get(pk=source.pk)
    target = Example.objects.select_related("category").get(pk=target.pk)
    audit_record(
        actor=actor,
        action=AuditAction.UNMERGE,
        target=source,
        reason=reason,
        before=before,
        after={
            "source": audit_snapshot(source),
            "target": audit_snapshot(target),
            "merge": merge.pk,
            "comments_returned": sorted(moved | replies_since),
            "fields_restored": sorted(restored),
            "fields_kept_edited_since": sorted(kept),
            "credit_removed": uncredited,
            "credit_by_name_removed": merge.added_credits,
            "lifecycle_events_removed": events_removed,
            "lifecycle_events_kept_corrected_since": events_kept,
            "suggestions_returned": suggestions_back,
        },
        country=example_country(source) or "",
    )
    if Status.PUBLISHED in (source.status, target.status):
        published_set_changed()
    return merge
