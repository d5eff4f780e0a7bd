"""Merging duplicate entries, and undoing a merge (after Wikidata: nothing is lost).

Merging B (the duplicate, ``source``) into A (``target``):

- A gains copies of B's evidence and passage links that it lacks (evidence is the same
  when its DOI, else its URL, else its hosted source, else its title matches; links when
  they name the same passage). B keeps its own rows untouched.
- B's discussion moves to A (services.comments_move), threads intact.
- B gets status ``merged`` and ``merged_into`` A: it leaves every list, count, map and
  export, and its page and API address answer 301 to A for good (following later merges).
- One ExampleMerge row records exactly what was added to A and which comments moved; one
  audit-log row records it for people.

Undoing removes from A what the merge added, moves the comments back (with replies
posted to those threads since), and gives B its status back: B is again exactly what it
was, with its own evidence, links and comments.

Who: moderators whose country scope covers both entries (global moderators and admins:
all). Bad input is a ValidationError, a missing right a PermissionDenied; nothing is
stored when either is raised.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.validators import as_id
from apps.moderation import permissions as moderation_permissions
from apps.moderation.models import AuditAction
from apps.moderation.services import audit_record

from . import history
from .models import EntryComment, Evidence, Example, ExampleMerge, PassageLink, Status
from .services import MAX_EVIDENCE, MAX_PASSAGE_LINKS, comments_move

# A chain of merges (B into A, later A into C) is followed this far; merging into a
# merged entry is refused, so real chains are short.
MAX_CHAIN = 20
CANDIDATE_LIMIT = 50


def evidence_key(evidence) -> list:
    """What makes two pieces of evidence the same (JSON-able, stored in ExampleMerge)."""
    if evidence.doi:
        return ["doi", evidence.doi.strip().lower()]
    if evidence.url:
        return ["url", evidence.url.strip().rstrip("/").lower()]
    if evidence.source_id:
        return ["source", evidence.source_id]
    return ["title", " ".join(evidence.title.split()).lower()]


# --- Reading --------------------------------------------------------------------------------


def merge_destination(example: Example) -> Example:
    """Where a merged entry leads now: its ``merged_into``, followed through later merges
    (the entry itself when it is not merged)."""
    current, seen = example, {example.pk}
    for _step in range(MAX_CHAIN):
        if current.status != Status.MERGED or current.merged_into_id is None:
            return current
        following = Example.objects.select_related("merged_into").get(pk=current.merged_into_id)
        if following.pk in seen:
            break
        seen.add(following.pk)
        current = following
    return current


def merged_destination_for(example_id: Any) -> Example | None:
    """For pages that could not find ``example_id``: the entry it was merged into (followed
    to the end of the chain), or None when it is not a merged entry."""
    if not str(example_id).isdigit():
        return None
    example = Example.objects.filter(pk=example_id, status=Status.MERGED).first()
    if example is None or example.merged_into_id is None:
        return None
    return merge_destination(example)


def merges_for(*, example: Example, viewer) -> list[ExampleMerge]:
    """Live merges into or out of ``example`` that ``viewer`` may undo (moderators in
    scope); empty for anyone else."""
    if not history.can_moderate_entry(user=viewer, example=example):
        return []
    return list(
        ExampleMerge.objects.filter(Q(target=example) | Q(source=example), undone_at__isnull=True)
        .select_related("source", "target", "merged_by")
        .order_by("-created", "-pk")
    )


def merge_candidates(*, source: Example, viewer) -> list[Example]:
    """Entries ``source`` could be merged into, for the form: same country or scope, not
    merged or rejected, in the viewer's scope; by title."""
    qs = Example.objects.exclude(pk=source.pk).exclude(status__in=(Status.MERGED, Status.REJECTED))
    qs = qs.filter(country=source.country, scope=source.scope)
    return [
        example
        for example in qs.select_related("category").order_by("title", "pk")[:CANDIDATE_LIMIT]
        if history.can_moderate_entry(user=viewer, example=example)
    ]


# --- Writing --------------------------------------------------------------------------------


def _check_actor(actor, *examples: Example) -> None:
    if not moderation_permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators can merge entries or undo a merge."))
    for example in examples:
        if not history.can_moderate_entry(user=actor, example=example):
            raise PermissionDenied(
                _("Entry #%(id)s is about %(place)s, outside the countries you moderate.")
                % {"id": example.pk, "place": example.place_name}
            )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is kept in the history and in the moderation log.")}
        )
    return reason


def _lock(*ids: int) -> dict[int, Example]:
    # Always in id order, so two merges of the same pair in opposite directions cannot
    # deadlock: one waits for the other and then finds its entry merged.
    rows = Example.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk")
    return {row.pk: row for row in rows.select_related("category")}


def _target_id(value: Any) -> int:
    text = str(value if value is not None else "").strip().lstrip("#")
    if not text:
        raise ValidationError({"into": _("Choose the entry to merge into.")})
    number = as_id(text)
    if number is None:
        raise ValidationError(
            {"into": _("“%(value)s” is not an entry number.") % {"value": text[:50]}}
        )
    return number


def _published_changed() -> None:
    from .services import _published_set_changed

    _published_set_changed()


@transaction.atomic
def example_merge(*, actor, source: Example, target_id: Any, reason: str) -> ExampleMerge:
    """Merge ``source`` (the duplicate) into the entry ``target_id``; see the module
    docstring for what moves. Raises PermissionDenied (not a moderator of both entries'
    countries) or ValidationError (no reason; unknown target; the entry itself; a merged
    or rejected target; an entry already merged; too much evidence together). Writes one
    audit row (action ``merge``)."""
    if not moderation_permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators can merge entries or undo a merge."))
    into = _target_id(target_id)
    if into == source.pk:
        raise ValidationError({"into": _("An entry cannot be merged into itself.")})
    locked = _lock(source.pk, into)
    if into not in locked:
        raise ValidationError({"into": _("There is no entry #%(id)s.") % {"id": into}})
    source, target = locked[source.pk], locked[into]
    _check_actor(actor, source, target)
    reason = _require_reason(reason)
    if source.status == Status.MERGED:
        raise ValidationError(
            {
                "source": _("This entry was already merged into #%(id)s.")
                % {"id": source.merged_into_id}
            }
        )
    if target.status == Status.MERGED:
        raise ValidationError(
            {
                "into": _(
                    "Entry #%(id)s was itself merged into #%(next)s: merge into that one instead."
                )
                % {"id": target.pk, "next": target.merged_into_id}
            }
        )
    if target.status == Status.REJECTED:
        raise ValidationError(
            {"into": _("Entry #%(id)s was rejected: merge into a live entry.") % {"id": target.pk}}
        )

    target_evidence = list(target.evidence.all())
    known = {tuple(evidence_key(e)) for e in target_evidence}
    new_evidence = []
    for evidence in source.evidence.all():
        key = tuple(evidence_key(evidence))
        if key not in known:
            known.add(key)
            new_evidence.append(evidence)
    linked = set(target.passage_links.values_list("passage_id", flat=True))
    new_links = [link for link in source.passage_links.all() if link.passage_id not in linked]
    if len(target_evidence) + len(new_evidence) > MAX_EVIDENCE:
        raise ValidationError(
            {
                "into": _(
                    "Together the two entries have %(n)s different pieces of evidence; an entry "
                    "holds at most %(limit)s. Remove some first."
                )
                % {"n": len(target_evidence) + len(new_evidence), "limit": MAX_EVIDENCE}
            }
        )
    if len(linked) + len(new_links) > MAX_PASSAGE_LINKS:
        raise ValidationError(
            {
                "into": _(
                    "Together the two entries link %(n)s passages; an entry links at most "
                    "%(limit)s. Remove some first."
                )
                % {"n": len(linked) + len(new_links), "limit": MAX_PASSAGE_LINKS}
            }
        )

    before = {"source": history.snapshot(source), "target": history.snapshot(target)}
    change = _("Merged #%(id)s “%(title)s” into this entry: %(reason)s") % {
        "id": source.pk,
        "title": source.title,
        "reason": reason,
    }
    # The target's new version first, then its new rows: the history pages attribute
    # evidence and links written after a version to that version.
    target.version += 1
    target._change_reason = change
    target._history_user = actor
    target.save()
    order = (target.evidence.aggregate(top=Max("order"))["top"] or 0) + 1
    for offset, evidence in enumerate(new_evidence):
        copy = Evidence(
            example=target,
            order=order + offset,
            **{name: getattr(evidence, name) for name in history.EVIDENCE_FIELDS},
        )
        copy._history_user = actor
        copy.save()
    for link in new_links:
        copy = PassageLink(
            example=target, passage_id=link.passage_id, relation=link.relation, note=link.note
        )
        copy._history_user = actor
        copy.save()
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

    merge = ExampleMerge(
        source=source,
        target=target,
        reason=reason,
        merged_by=actor,
        source_status=source_status,
        added_evidence=[evidence_key(e) for e in new_evidence],
        added_passages=[link.passage_id for link in new_links],
        moved_comments=comment_ids,
    )
    merge.full_clean()
    merge.save()
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
            "target": history.snapshot(target),
            "merge": merge.pk,
            "moved": {
                "evidence": merge.added_evidence,
                "passages": merge.added_passages,
                "comments": merge.moved_comments,
            },
        },  # fmt: skip
        country=history.entry_country(source) or "",
    )
    if Status.PUBLISHED in (source_status, target.status):
        _published_changed()
    return merge


@transaction.atomic
def example_unmerge(*, actor, merge: ExampleMerge, reason: str) -> ExampleMerge:
    """Undo ``merge``: remove from the target what the merge added, move the duplicate's
    comments back (with replies posted to their threads since), and give the duplicate
    its status back. Raises PermissionDenied (as for merging) or ValidationError (no
    reason; already undone; the target was itself merged later, which must be undone
    first). Writes one audit row (action ``unmerge``)."""
    if not moderation_permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators can merge entries or undo a merge."))
    merge = ExampleMerge.objects.select_for_update().get(pk=merge.pk)
    locked = _lock(merge.source_id, merge.target_id)
    source, target = locked[merge.source_id], locked[merge.target_id]
    _check_actor(actor, source, target)
    reason = _require_reason(reason)
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
    before = {"source": history.snapshot(source), "target": history.snapshot(target)}

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
    moved = set(merge.moved_comments)
    replies_since = set(
        EntryComment.objects.filter(example=target, parent_id__in=moved).values_list(
            "pk", flat=True
        )
    )
    EntryComment.objects.filter(pk__in=moved | replies_since).update(example_id=source.pk)

    source.status = merge.source_status
    source.merged_into = None
    source.version += 1
    source._change_reason = _("Merge into #%(id)s undone: %(reason)s") % {
        "id": target.pk,
        "reason": reason,
    }
    source._history_user = actor
    source.save()

    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.undo_reason = reason
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    source = Example.objects.select_related("category").get(pk=source.pk)
    target = Example.objects.select_related("category").get(pk=target.pk)
    audit_record(
        actor=actor,
        action=AuditAction.UNMERGE,
        target=source,
        reason=reason,
        before=before,
        after={
            "source": history.snapshot(source),
            "target": history.snapshot(target),
            "merge": merge.pk,
            "comments_returned": sorted(moved | replies_since),
        },
        country=history.entry_country(source) or "",
    )
    if Status.PUBLISHED in (source.status, target.status):
        _published_changed()
    return merge
