"""Writes of an entry's values: create, update, and the trusted import path. Each service
checks permission first (apps/atlas/permissions.py), validates everything
(entries/validation.py: every problem in one ValidationError keyed by field, with
messages a contributor can act on), and only then writes, inside one transaction: a
refused call stores nothing. Status changes: entries/transitions.py; an edit that waits
for a moderator: review/edits.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import events

from .. import contributors, extensions
from ..aggregates.services import published_set_changed
from ..models import Evidence, Example, PassageLink, Status
from ..permissions import (
    can_edit,
    can_moderate_example,
    moderation_denied_message,
    needs_review,
    require_signed_in,
    skips_premoderation,
)
from ..review.queue import (
    after_first_publication,
    queue_on_commit,
    queue_submission,
    refresh_review_items,
)
from .data import EXAMPLE_FIELDS, EvidenceData, ExampleData, PassageLinkData, ValueCitationData
from .selectors import similar_examples
from .validation import Errors, clean_evidence, clean_example, clean_passage_links


def save_children(example: Example, evidence: list[Evidence], links: list[PassageLink]) -> None:
    # Saved one by one (not bulk_create) so simple_history records every row.
    for item in evidence:
        item.example = example
        item.full_clean()
        item.save()
    for link in links:
        link.example = example
        link.full_clean()
        link.save()


EVIDENCE_VALUES = ("order", "title", "url", "doi", "source_id", "publisher", "published",
                   "accessed", "page", "quote")  # fmt: skip


def replace_evidence(example: Example, rows: list[Evidence]) -> None:
    """The entry's evidence becomes ``rows``. A current item equal to a new one (same
    values, same place) is kept, id and all: what cites it (value citations, ADR 0011)
    still does after an edit that did not change it, such as any save of the entry
    form, which sends every item again. The rest are deleted and the new ones saved."""

    def values(item: Evidence) -> tuple:
        return tuple(getattr(item, name) for name in EVIDENCE_VALUES)

    current: dict[tuple, list[Evidence]] = {}
    for item in example.evidence.all():
        current.setdefault(values(item), []).append(item)
    new_rows = []
    for row in rows:
        alike = current.get(values(row))
        if alike:
            alike.pop()  # kept as it is
        else:
            new_rows.append(row)
    for old in (item for items in current.values() for item in items):
        old.delete()
    save_children(example, new_rows, [])


class SimilarEntries(ValidationError):
    """Entries like this one already exist in the same country (or scope): the caller must
    look at them and say theirs is different (``confirm_distinct``). A ValidationError
    keyed by ``confirm_distinct``, so callers that only know ValidationError refuse the
    write; the form shows the entries with an "I checked" box and the API answers 409
    with them (``similar``: the entries the author can see). Nothing is stored."""

    def __init__(self, similar: list[Example]):
        self.similar = similar
        super().__init__(
            {
                "confirm_distinct": _(
                    "Similar entries exist in this country. Check them, then confirm yours "
                    "is different."
                )
            }
        )


def text_changed(example_id: int) -> None:
    """Inside a transaction that changed what an entry's text search reads (title,
    summary, country, evidence titles): the search index follows on commit
    (``entry.text_changed``, atlas/subscribers.py)."""
    events.publish("entry.text_changed", example_id=example_id)


def check_similar(
    *, viewer, title: str, place: str, exclude_id: int | None, confirm_distinct: bool
) -> None:
    """The duplicate check for new entries and for edits that change the title or place."""
    if confirm_distinct:
        return
    similar = similar_examples(viewer=viewer, title=title, country=place, exclude_id=exclude_id)
    if similar:
        raise SimilarEntries(similar)


def keep_quote_status(example: Example, rows: Sequence[PassageLink]) -> None:
    """A link kept through an edit keeps what re-anchoring found of its quote (an
    orphaned quote still checks against its old version's text, so stays orphaned)."""
    status = {
        (link.passage_id, link.quote, link.quote_start): link.quote_status
        for link in example.passage_links.all()
    }
    for row in rows:
        row.quote_status = status.get(
            (row.passage_id, row.quote, row.quote_start), row.quote_status
        )


@transaction.atomic
def example_create(
    *,
    author,
    data: ExampleData,
    evidence: Sequence[EvidenceData],
    passages: Sequence[PassageLinkData] = (),
    submit: bool = False,
    confirm_distinct: bool = False,
    draft_if_unpublishable: bool = False,
) -> Example:
    """Create a draft example with its evidence and passage links. ``submit=True``
    submits it: a contributor who is not trusted gets ``submitted`` (not public; a
    ``submitted_entry`` item enters the moderation queue on commit), a trusted
    contributor ``published`` at once (pre-moderation is skipped) if it passes the
    publish checks (extensions.check_publishable: e.g. required value citations, which a
    new entry cannot have yet). If it does not, the create is refused (ValidationError
    by field), or, with ``draft_if_unpublishable`` (the form, which then sends its author
    to cite), stored as a draft carrying the reasons in ``publish_blockers``. Raises
    PermissionDenied for anonymous users and ValidationError (nothing stored) for any
    invalid input, with every problem listed by field; then SimilarEntries if entries
    with a similar title in the same country exist that the author can see, unless
    ``confirm_distinct`` says they checked them."""
    require_signed_in(author)
    errors = Errors()
    values = clean_example(data, errors)
    evidence_rows = clean_evidence(evidence, errors)
    link_rows = clean_passage_links(passages, author, errors)
    errors.raise_if_any()
    check_similar(
        viewer=author,
        title=values["title"],
        place=values["country"] or values["scope"],
        exclude_id=None,
        confirm_distinct=confirm_distinct,
    )
    status = Status.DRAFT
    if submit:
        status = Status.PUBLISHED if skips_premoderation(author) else Status.SUBMITTED
    example = Example(**values, author=author, status=status)
    blockers: list[str] = []
    if status == Status.PUBLISHED and draft_if_unpublishable:
        try:
            extensions.check_publishable(example)  # unsaved: it has no citations yet
        except ValidationError as exc:
            blockers = exc.messages
            status = example.status = Status.DRAFT
    if status == Status.PUBLISHED:
        example.published_at = timezone.now()
    example.full_clean()
    example.save()
    save_children(example, evidence_rows, link_rows)
    if status == Status.PUBLISHED:
        extensions.check_publishable(example)  # e.g. required value citations (ADR 0011)
    contributors.credit_author(example)
    text_changed(example.pk)
    if status == Status.SUBMITTED:
        queue_submission(example)
    elif status == Status.PUBLISHED:
        after_first_publication(example)
        published_set_changed()
    example.publish_blockers = blockers
    events.publish("entry.created", example_id=example.pk, status=status)
    if status == Status.PUBLISHED:
        events.publish("entry.published", example_id=example.pk)
    return example


class StaleVersion(ValidationError):
    """The entry changed since the caller read it (its ``version`` moved on). A
    ValidationError keyed by ``version``, so callers that only know ValidationError still
    refuse the write; views and the API catch it to answer with a conflict (HTTP 409)
    that shows what changed."""

    def __init__(self, *, expected_version: int, current_version: int):
        self.expected_version = expected_version
        self.current_version = current_version
        super().__init__(
            {
                "version": _(
                    "Someone else changed this entry since you opened it (you edited version "
                    "%(yours)s, it is now version %(current)s). Reload it and apply your change "
                    "again."
                )
                % {"yours": expected_version, "current": current_version}
            }
        )


def check_version(example: Example, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != example.version:
        raise StaleVersion(expected_version=expected_version, current_version=example.version)


@transaction.atomic
def example_update(
    *,
    actor,
    example: Example,
    changes: Mapping[str, Any] | None = None,
    evidence: Sequence[EvidenceData] | None = None,
    passages: Sequence[PassageLinkData] | None = None,
    expected_version: int | None = None,
    change_reason: str = "",
) -> Example:
    """Change some fields of an example (keys of ``changes`` are ExampleData field names);
    ``evidence`` / ``passages``, when given, replace the current lists.

    The author may edit their own entry unless it was rejected or archived; moderators
    may edit any entry that is not archived (see can_edit). ``expected_version`` guards
    against overwriting someone else's edit: a stale one raises StaleVersion. Bumps
    ``version``. ``change_reason`` goes into the history row. Raises PermissionDenied or
    ValidationError (nothing stored)."""
    example = Example.objects.select_for_update().select_related("category").get(pk=example.pk)
    if not can_edit(user=actor, example=example):
        raise PermissionDenied(
            moderation_denied_message(actor, example, _("You may not edit this entry."))
        )
    if needs_review(user=actor, example=example):
        # example_edit turns such an edit into a suggested edit for moderators.
        raise PermissionDenied(_("Your edits to this published entry go to the moderators first."))
    check_version(example, expected_version)
    changes = dict(changes or {})
    unknown = sorted(set(changes) - EXAMPLE_FIELDS)
    if unknown:
        raise ValidationError(
            {
                name: _("“%(name)s” is not a field you can change.") % {"name": name}
                for name in unknown
            }
        )
    data = replace(ExampleData.from_example(example), **changes)
    errors = Errors()
    values = clean_example(data, errors)
    evidence_rows = clean_evidence(evidence, errors) if evidence is not None else None
    link_rows = clean_passage_links(passages, actor, errors) if passages is not None else None
    errors.raise_if_any()
    for name, value in values.items():
        setattr(example, name, value)
    example.version += 1
    example.full_clean()
    if change_reason:
        example._change_reason = change_reason  # recorded in the history row
    example.save()
    if evidence_rows is not None:
        replace_evidence(example, evidence_rows)
    if link_rows is not None:
        keep_quote_status(example, link_rows)
        for old in example.passage_links.all():
            old.delete()
        save_children(example, [], link_rows)
    text_changed(example.pk)
    refresh_review_items(example)
    if example.status == Status.PUBLISHED:
        published_set_changed()
        if not can_moderate_example(actor, example):
            # A trusted contributor's edit is live already; a moderator looks afterwards.
            queue_on_commit(
                "post_review_edit",
                "entry",
                example.pk,
                _("%(user)s edited this published entry (now version %(version)s).")
                % {"user": actor.get_username(), "version": example.version},
            )
    events.publish("entry.updated", example_id=example.pk, version=example.version)
    return example


@transaction.atomic
def example_import_published(
    *,
    data: ExampleData,
    evidence: Sequence[EvidenceData],
    passages: Sequence[PassageLinkData] = (),
    citations: Sequence[ValueCitationData] = (),
) -> Example:
    """Trusted path for starter data and imports run by operators (no user): validates
    exactly as example_create, then stores the entry as published with ``citations``.

    Trusted with the values, not past the rules of a published entry: the publish checks
    run as for a moderator's "publish" (the codebook's required value citations, ADR
    0011), so an entry without them raises ValidationError keyed by the uncited fields,
    and nothing is stored."""
    errors = Errors()
    values = clean_example(data, errors)
    evidence_rows = clean_evidence(evidence, errors)
    link_rows = clean_passage_links(passages, None, errors)
    errors.raise_if_any()
    example = Example(**values, status=Status.PUBLISHED, published_at=timezone.now())
    example.full_clean()
    example.save()
    save_children(example, evidence_rows, link_rows)
    extensions.cite_imported(example, list(citations), evidence_rows, link_rows)
    extensions.check_publishable(example)
    text_changed(example.pk)
    published_set_changed()
    # As example_create's: the coding app records the codebook the entry was coded under.
    events.publish("entry.created", example_id=example.pk, status=example.status)
    events.publish("entry.published", example_id=example.pk)
    return example
