"""Restoring an earlier version of an entry. Moderators (in the entry's country scope,
apps/atlas/permissions.py) restore any earlier version: the restore is a new version,
never a rewrite of the history, and writes one audit-log row. See
docs/moderation.md#history-and-restore.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.markdown import render_markdown
from apps.moderation.models import AuditAction
from apps.moderation.services import audit_record
from apps.sources.models import Passage

from ..aggregates.services import published_set_changed
from ..entries.data import EDITABLE_FIELDS, editable_values
from ..entries.services import check_version
from ..entries.validation import require_reason
from ..models import PASSAGE_LINK_QUOTE_FIELDS, Category, Evidence, Example, PassageLink, Status
from ..permissions import example_country, require_moderator_of
from .diff import EVIDENCE_FIELDS, evidence_words
from .selectors import children_as_of, next_version, version_for_restore

# Model fields a restore copies back from a historical row (status, author, publication
# and merge state are not content: moderators change those through their own actions).
RESTORED_FIELDS = (
    "title", "slug", "summary", "country", "scope", "region", "category_id", "operator",
    "scored", "data_sources", "consequences", "transparency", "contestable", "legal_basis",
    "legal_note", "lifecycle", "start_year", "end_year", "confidence",
)  # fmt: skip


def audit_snapshot(example: Example) -> dict:
    """The entry as the audit log records it (before/after a restore or a merge)."""
    values = editable_values(example)
    return {
        "version": example.version,
        "status": example.status,
        "merged_into": example.merged_into_id,
        **{name: values[name] for name in EDITABLE_FIELDS},
        "evidence": [evidence_words(row) for row in example.evidence.all()],
        "passages": sorted(link.passage_id for link in example.passage_links.all()),
    }


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
    example = Example.objects.select_for_update().select_related("category").get(pk=example.pk)
    require_moderator_of(actor, example, message=_("Only moderators can restore earlier versions."))
    reason = require_reason(reason)
    row = version_for_restore(example=example, history_id=history_id)
    if example.status == Status.MERGED:
        raise ValidationError(
            {"version": _("This entry was merged into another: undo the merge first.")}
        )
    check_version(example, expected_version)
    if next_version(row) is None:
        raise ValidationError({"version": _("That is the current version: nothing to restore.")})
    if not Category.objects.filter(pk=row.category_id).exists():
        raise ValidationError(
            {"version": _("The category of that version no longer exists: it cannot be restored.")}
        )
    old_evidence, old_links = children_as_of(row)
    before = audit_snapshot(example)
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
            example=example,
            passage_id=item.passage_id,
            relation=item.relation,
            note=item.note,
            **{name: getattr(item, name) for name in PASSAGE_LINK_QUOTE_FIELDS},
        )
        link._history_user = actor
        link.save()
    example = Example.objects.select_related("category").get(pk=example.pk)
    after = {
        **audit_snapshot(example),
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
        country=example_country(example) or "",
    )
    if example.status == Status.PUBLISHED:
        published_set_changed()
    return example
