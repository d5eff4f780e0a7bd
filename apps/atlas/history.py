"""An entry's history (every version, field by field, with its evidence and passage
links), restoring an earlier version, and giving back deleted comments.

Reading: ``example_for_history`` decides who may read an entry's history (as Wikidata
does: public for public entries; drafts and other unpublished entries only for their
author and moderators); ``example_history`` returns one page of versions with their
differences at a fixed number of queries.

Writing: moderators (in the entry's country scope, see apps/moderation/permissions.py)
restore any earlier version: the restore is a new version, never a rewrite of the
history, and writes one audit-log row. See docs/moderation.md#history-and-restore.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from apps.common.markdown import render_markdown
from apps.moderation import permissions as moderation_permissions
from apps.moderation.history import HistoryPage, history_page
from apps.moderation.models import AuditAction
from apps.moderation.services import audit_record
from apps.sources.models import Passage

from . import selectors
from .models import Category, EntryComment, Evidence, Example, PassageLink, Relation, Status
from .selectors import EDITABLE_FIELDS, FieldChange, diff_values, display_value

# Model fields a restore copies back from a historical row (status, author, publication
# and merge state are not content: moderators change those through their own actions).
RESTORED_FIELDS = (
    "title", "slug", "summary", "country", "scope", "region", "category_id", "operator",
    "scored", "data_sources", "consequences", "transparency", "contestable", "legal_basis",
    "legal_note", "lifecycle", "start_year", "end_year", "confidence",
)  # fmt: skip
EVIDENCE_FIELDS = (
    "title", "url", "doi", "source_id", "publisher", "published", "accessed", "page", "quote",
)  # fmt: skip
HISTORY_FIELDS = (*EDITABLE_FIELDS, "status")


# --- Permissions ----------------------------------------------------------------------------


def entry_country(example: Example) -> str | None:
    """The ISO code moderators' scopes are checked against (None for supranational
    entries, which belong to global moderators)."""
    return example.country.code if example.country else None


def can_moderate_entry(*, user, example: Example) -> bool:
    """Moderators whose country scope covers the entry (global moderators and admins:
    every entry)."""
    return moderation_permissions.can_moderate_country(user, entry_country(example))


def can_restore(*, user, example: Example) -> bool:
    return example.status != Status.MERGED and can_moderate_entry(user=user, example=example)


def _require_moderator_for(actor, example: Example, message: str) -> None:
    if not moderation_permissions.is_moderator(actor):
        raise PermissionDenied(message)
    if not can_moderate_entry(user=actor, example=example):
        raise PermissionDenied(
            _("This entry is about %(place)s, outside the countries you moderate.")
            % {"place": example.place_name}
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is kept in the history and in the moderation log.")}
        )
    return reason


# --- Reading --------------------------------------------------------------------------------


def example_for_history(*, viewer, example_id: int) -> Example:
    """The entry whose history ``viewer`` may read, or Http404: anyone for an entry they
    may see (published entries: everyone; others: their author), and moderators for
    every entry in their countries, merged ones included (to audit or undo the merge)."""
    example = (
        Example.objects.select_related("category", "merged_into").filter(pk=example_id).first()
        if str(example_id).isdigit()
        else None
    )
    if example is None:
        raise Http404(_("No such entry."))
    if can_moderate_entry(user=viewer, example=example):
        return example
    if selectors.examples_visible_to(viewer=viewer).filter(pk=example.pk).exists():
        return example
    raise Http404(_("No such entry."))


def _category_maps() -> tuple[dict[int, str], dict[str, str]]:
    """Category id -> slug and slug -> name, in one query."""
    rows = list(Category.objects.values_list("pk", "slug", "name"))
    return {pk: slug for pk, slug, _name in rows}, {slug: name for _pk, slug, name in rows}


def _values(row, slugs: Mapping[int, str]) -> dict[str, Any]:
    """The editable fields and status of an entry or one of its history rows, as
    ExampleData values (place code, category slug), without a query."""
    country = getattr(row, "country", None)
    code = getattr(country, "code", country) or ""
    values = {
        name: getattr(row, name, None)
        for name in HISTORY_FIELDS
        if name not in ("country", "category")
    }
    values["country"] = code or getattr(row, "scope", None) or ""
    category_id = getattr(row, "category_id", None)
    values["category"] = slugs.get(category_id, "") if category_id else ""
    values["data_sources"] = list(values["data_sources"] or [])
    values["consequences"] = list(values["consequences"] or [])
    return values


def _evidence_words(row) -> str:
    address = f"https://doi.org/{row.doi}" if row.doi else row.url
    parts = [row.title + (f" <{address}>" if address else "")]
    if row.source_id and not address:
        parts.append(_("hosted source %(id)s") % {"id": row.source_id})
    details = ", ".join(
        str(value)
        for value in (row.publisher, row.published, row.page and f"p. {row.page}")
        if value
    )
    if details:
        parts.append(details)
    if row.quote:
        parts.append(f"“{row.quote}”")
    return " — ".join(parts)


def _link_words(row, passages: Mapping[int, Passage]) -> str:
    passage = passages.get(row.passage_id)
    relation = (
        str(Relation(row.relation).label) if row.relation in Relation.values else row.relation
    )
    where = (
        _("%(source)s, passage %(order)s (version %(version)s)")
        % {
            "source": passage.document.source.title,
            "order": passage.order,
            "version": passage.document.version,
        }
        if passage is not None
        else _("passage %(id)s (no longer exists)") % {"id": row.passage_id}
    )
    return f"{relation}: {where}" + (f" — {row.note}" if row.note else "")


def _state_at(rows: list, moment: datetime.datetime | None) -> dict[int, Any]:
    """Child rows (history rows ordered by date) alive just before ``moment`` (None:
    now), by their own id."""
    alive: dict[int, Any] = {}
    for row in rows:
        if moment is not None and row.history_date >= moment:
            break
        if row.history_type == "-":
            alive.pop(row.id, None)
        else:
            alive[row.id] = row
    return alive


def _evidence_key(row) -> tuple:
    return tuple(getattr(row, name) for name in EVIDENCE_FIELDS)


def _link_key(row) -> tuple:
    return (row.passage_id, row.relation, row.note)


def _children_changes(before: dict, after: dict, key, words) -> tuple[list[str], list[str]]:
    old = {key(row): row for row in before.values()}
    new = {key(row): row for row in after.values()}
    added = [words(new[k]) for k in new if k not in old]
    removed = [words(old[k]) for k in old if k not in new]
    return added, removed


def example_history(*, example: Example, page: Any = 1) -> HistoryPage:
    """One page of the entry's versions, newest first. Each version has ``changes``
    (FieldChange per editable field or status that differs from the version before) and
    ``extra`` with ``evidence_added``/``evidence_removed``/``passages_added``/
    ``passages_removed`` (readable descriptions). Evidence and links belong to a version
    when they were written after it and before the next one. A fixed number of queries
    (six), whatever the number of versions."""
    slugs, names = _category_maps()

    def diff(older, newer) -> list[FieldChange]:
        return diff_values(
            _values(older, slugs), _values(newer, slugs), fields=HISTORY_FIELDS,
            category_names=names,
        )  # fmt: skip

    result = history_page(example.history.all(), page=page, diff=diff)
    if not result.versions:
        return result
    upper = result.versions[0].newer_date
    evidence_rows = Evidence.history.filter(example_id=example.pk)
    link_rows = PassageLink.history.filter(example_id=example.pk)
    if upper is not None:
        evidence_rows = evidence_rows.filter(history_date__lt=upper)
        link_rows = link_rows.filter(history_date__lt=upper)
    evidence_rows = list(evidence_rows.order_by("history_date", "history_id"))
    link_rows = list(link_rows.order_by("history_date", "history_id"))
    passages = {
        p.pk: p
        for p in Passage.objects.filter(
            pk__in={row.passage_id for row in link_rows}
        ).select_related("document__source")
    }
    for version in result.versions:
        evidence_after = _state_at(evidence_rows, version.newer_date)
        evidence_before = _state_at(evidence_rows, version.date)
        links_after = _state_at(link_rows, version.newer_date)
        links_before = _state_at(link_rows, version.date)
        evidence_added, evidence_removed = _children_changes(
            evidence_before, evidence_after, _evidence_key, _evidence_words
        )
        passages_added, passages_removed = _children_changes(
            links_before, links_after, _link_key, lambda row: _link_words(row, passages)
        )
        version.extra = {
            "evidence_added": evidence_added,
            "evidence_removed": evidence_removed,
            "passages_added": passages_added,
            "passages_removed": passages_removed,
            "status_label": display_value("status", version.row.status),
        }
    return result


def version_for_restore(*, example: Example, history_id: Any):
    """The history row ``history_id`` of ``example``, for the restore page, or a
    ValidationError saying why it cannot be restored (unknown, another entry's)."""
    row = (
        Example.history.select_related("history_user").filter(history_id=history_id).first()
        if str(history_id).isdigit()
        else None
    )
    if row is None:
        raise ValidationError({"version": _("There is no such version.")})
    if row.id != example.pk:
        raise ValidationError(
            {
                "version": _(
                    "This version belongs to another entry (#%(other)s), not to #%(this)s. "
                    "Nothing was changed."
                )
                % {"other": row.id, "this": example.pk}
            }
        )
    if row.history_type == "-":
        raise ValidationError({"version": _("That version records a deletion: choose another.")})
    return row


def _next_row(row):
    return (
        Example.history.filter(id=row.id)
        .filter(history_date__gt=row.history_date)
        .order_by("history_date", "history_id")
        .first()
    )


def children_as_of(row) -> tuple[list, list]:
    """The evidence and passage-link history rows that belonged to history row ``row``."""
    following = _next_row(row)
    moment = following.history_date if following is not None else None
    evidence = _state_at(
        list(Evidence.history.filter(example_id=row.id).order_by("history_date", "history_id")),
        moment,
    )
    links = _state_at(
        list(PassageLink.history.filter(example_id=row.id).order_by("history_date", "history_id")),
        moment,
    )
    return (
        sorted(evidence.values(), key=lambda r: (r.order, r.id)),
        sorted(links.values(), key=lambda r: r.id),
    )


def restore_preview(*, example: Example, row) -> list[FieldChange]:
    """What restoring ``row`` would change in the entry now (fields, evidence, links)."""
    slugs, names = _category_maps()
    now, then = _values(example, slugs), _values(row, slugs)
    changes = diff_values(now, then, fields=EDITABLE_FIELDS, category_names=names)
    old_evidence, old_links = children_as_of(row)
    passage_ids = {r.passage_id for r in old_links} | {
        link.passage_id for link in example.passage_links.all()
    }
    passages = {
        p.pk: p
        for p in Passage.objects.filter(pk__in=passage_ids).select_related("document__source")
    }
    for name, label, current, restored in (
        (
            "evidence",
            _("Evidence"),
            [_evidence_words(r) for r in example.evidence.all()],
            [_evidence_words(r) for r in old_evidence],
        ),
        (
            "passages",
            _("Linked passages"),
            [_link_words(r, passages) for r in example.passage_links.all()],
            [_link_words(r, passages) for r in old_links],
        ),
    ):
        if current != restored:
            changes.append(
                FieldChange(
                    field=name,
                    label=label,
                    before="; ".join(current) or "—",
                    after="; ".join(restored) or "—",
                )
            )
    return changes


def snapshot(example: Example) -> dict:
    """The entry as the audit log records it (before/after a restore or a merge)."""
    slugs = {example.category_id: example.category.slug}
    values = _values(example, slugs)
    return {
        "version": example.version,
        "status": example.status,
        "merged_into": example.merged_into_id,
        **{name: values[name] for name in EDITABLE_FIELDS},
        "evidence": [_evidence_words(row) for row in example.evidence.all()],
        "passages": sorted(link.passage_id for link in example.passage_links.all()),
    }


# --- Restoring a version ----------------------------------------------------------------------


@transaction.atomic
def example_restore_version(
    *,
    actor,
    example: Example,
    history_id: int,
    reason: str,
    expected_version: int | None = None,
) -> Example:
    """Make an earlier version of ``example`` (its history row ``history_id``) current
    again, as a new version: its fields, evidence and passage links (links to passages
    that no longer exist are left out, and the audit row lists them). Status,
    authorship and merge state are not touched.

    Moderators in the entry's country scope only (PermissionDenied); a reason is
    required; a version of another entry, an unknown or current version, or a merged
    entry is a ValidationError; ``expected_version`` (the version the moderator looked at)
    guards against restoring over someone's edit: StaleVersion. Nothing is stored when it
    raises. Writes one audit row (action ``restore``)."""
    from .services import StaleVersion, _published_set_changed

    example = Example.objects.select_for_update().select_related("category").get(pk=example.pk)
    _require_moderator_for(actor, example, _("Only moderators can restore earlier versions."))
    reason = _require_reason(reason)
    row = version_for_restore(example=example, history_id=history_id)
    if example.status == Status.MERGED:
        raise ValidationError(
            {"version": _("This entry was merged into another: undo the merge first.")}
        )
    if expected_version is not None and expected_version != example.version:
        raise StaleVersion(expected_version=expected_version, current_version=example.version)
    if _next_row(row) is None:
        raise ValidationError({"version": _("That is the current version: nothing to restore.")})
    if not Category.objects.filter(pk=row.category_id).exists():
        raise ValidationError(
            {"version": _("The category of that version no longer exists: it cannot be restored.")}
        )
    old_evidence, old_links = children_as_of(row)
    before = snapshot(example)
    for name in RESTORED_FIELDS:
        setattr(example, name, getattr(row, name))
    example.summary_html = render_markdown(example.summary) if example.summary else ""
    example.version += 1
    example.full_clean()
    example._change_reason = _("Restored version %(version)s: %(reason)s") % {
        "version": row.version,
        "reason": reason,
    }
    example._history_user = actor
    example.save()
    for old in list(example.evidence.all()):
        old._history_user = actor
        old.delete()
    for old in list(example.passage_links.all()):
        old._history_user = actor
        old.delete()
    for item in old_evidence:
        evidence = Evidence(example=example, order=item.order, **{
            name: getattr(item, name) for name in EVIDENCE_FIELDS
        })  # fmt: skip
        evidence._history_user = actor
        evidence.save()
    existing = set(
        Passage.objects.filter(pk__in=[r.passage_id for r in old_links]).values_list(
            "pk", flat=True
        )
    )
    skipped = []
    for item in old_links:
        if item.passage_id not in existing:
            skipped.append(item.passage_id)
            continue
        link = PassageLink(
            example=example, passage_id=item.passage_id, relation=item.relation, note=item.note
        )
        link._history_user = actor
        link.save()
    example = Example.objects.select_related("category").get(pk=example.pk)
    after = {
        **snapshot(example),
        "restored_version": row.version,
        "restored_history_id": row.history_id,
    }
    if skipped:
        after["passages_left_out"] = skipped
    audit_record(
        actor=actor,
        action=AuditAction.RESTORE,
        target=example,
        reason=reason,
        before=before,
        after=after,
        country=entry_country(example) or "",
    )
    if example.status == Status.PUBLISHED:
        _published_set_changed()
    return example


# --- Deleted comments -----------------------------------------------------------------------


def deleted_comments(*, example: Example, viewer) -> list[EntryComment]:
    """The entry's deleted comments, for moderators who may give them back (empty for
    anyone else). One query."""
    if not can_moderate_entry(user=viewer, example=example):
        return []
    return list(
        EntryComment.objects.filter(example=example, deleted_at__isnull=False)
        .select_related("author", "deleted_by")
        .order_by("-deleted_at", "-pk")
    )


@transaction.atomic
def comment_restore_deleted(*, actor, comment: EntryComment, reason: str) -> EntryComment:
    """Give back a deleted comment (moderators in the entry's scope; a reason is
    required). A comment that is not deleted is a ValidationError. One audit row."""
    comment = EntryComment.objects.select_for_update().select_related("example").get(pk=comment.pk)
    _require_moderator_for(
        actor, comment.example, _("Only moderators can restore deleted comments.")
    )
    reason = _require_reason(reason)
    if comment.deleted_at is None:
        raise ValidationError({"comment": _("This comment is not deleted.")})
    before = {
        "deleted_at": comment.deleted_at,
        "deleted_by": comment.deleted_by.get_username() if comment.deleted_by_id else None,
    }
    comment.deleted_at = None
    comment.deleted_by = None
    comment.save(update_fields=["deleted_at", "deleted_by", "modified"])
    audit_record(
        actor=actor,
        action=AuditAction.RESTORE,
        target=comment,
        reason=reason,
        before=before,
        after={"deleted_at": None, "entry": comment.example_id},
        country=entry_country(comment.example) or "",
    )
    return comment
