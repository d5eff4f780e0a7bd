"""Writes for annotations. Each function is the only way its change happens; each checks
permission first, validates everything before storing anything, and runs in one
transaction. Follow-up work (re-anchoring newer versions, emails) is enqueued on commit.

Errors: ValidationError with a message per field (``target``, ``body``, ``tags``,
``motivation``, ``visibility``, ``parent``, ``document``), PermissionDenied when the user
may see the annotation but not do this to it. Callers fetch the annotation through
selectors first, so an invisible one is already a 404.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from apps.common import viewer_cache
from apps.common.markdown import render_markdown
from apps.moderation.selectors import is_premoderated, is_shadow_hidden
from apps.search.services import search_index_annotation
from apps.sources.models import Document, DocumentStatus, Passage, Source

from . import anchoring, selectors
from .models import (
    BODY_MAX_LENGTH,
    CONTEXT_LENGTH,
    USER_MOTIVATIONS,
    AnchorStatus,
    Annotation,
    AnnotationAnchor,
    Motivation,
    Notification,
    NotificationKind,
    Visibility,
)

logger = logging.getLogger(__name__)

MAX_TAGS = 20
MAX_TAG_LENGTH = 64
MAX_QUOTE_LENGTH = 20_000
MAX_MENTIONS = 20
COUNTRY_TAG_PREFIX = "country:"
_TAG_FORBIDDEN = re.compile(r"[\"<>\x00-\x1f,]")
_WHITESPACE = re.compile(r"\s+")
# Usernames may contain letters, digits and @ . + - _ ; a mention ends before trailing dots.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


@dataclass(frozen=True)
class TextQuoteSelector:
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class TextPositionSelector:
    start: int
    end: int


@dataclass(frozen=True)
class ResolvedTarget:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    passage: Passage | None


# --- Validation helpers -------------------------------------------------------------------


def normalize_tags(tags: Iterable[str] | None) -> list[str]:
    """Trimmed, lower-cased, whitespace-collapsed, de-duplicated (first wins) tags.
    ``country:xx`` becomes ``country:XX`` and must be an ISO 3166 code."""
    result: list[str] = []
    for raw in tags or []:
        if not isinstance(raw, str):
            raise ValidationError({"tags": _("Each tag must be text.")})
        tag = _WHITESPACE.sub(" ", raw).strip()
        if not tag:
            continue
        if tag.lower().startswith(COUNTRY_TAG_PREFIX):
            code = tag[len(COUNTRY_TAG_PREFIX) :].strip().upper()
            if len(code) != 2 or code not in countries:
                raise ValidationError(
                    {
                        "tags": _(
                            "“%(tag)s” is not a country tag: write country: and a two-letter "
                            "ISO 3166 code, for example country:DE."
                        )
                        % {"tag": tag}
                    }
                )
            tag = COUNTRY_TAG_PREFIX + code
        else:
            tag = tag.lower()
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                {"tags": _("A tag is at most %(n)d characters.") % {"n": MAX_TAG_LENGTH}}
            )
        if _TAG_FORBIDDEN.search(tag):
            raise ValidationError(
                {"tags": _("Tags cannot contain commas, quotes, < or >: “%(tag)s”.") % {"tag": tag}}
            )
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(n)d tags.") % {"n": MAX_TAGS}})
    return result


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("The comment is at most %(max)s characters; it has %(n)s.")
                % {"max": f"{BODY_MAX_LENGTH:,}", "n": f"{len(body):,}"}
            }
        )
    return body


def _check_choice(value: str, allowed, field: str) -> str:
    values = [str(choice) for choice in allowed]
    if value not in values:
        raise ValidationError(
            {
                field: _("Unknown %(field)s “%(value)s”; use one of: %(allowed)s.")
                % {"field": field, "value": value, "allowed": ", ".join(values)}
            }
        )
    return value


def _check_not_empty(*, body: str, tags: list[str], motivation: str) -> None:
    if not body and not tags and motivation != Motivation.HIGHLIGHTING:
        raise ValidationError(
            {"body": _("Write a comment or add a tag (only a highlight may be empty).")}
        )


def _check_signed_in(user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to annotate."))


def _check_document_ready(document: Document) -> None:
    if document.status != DocumentStatus.READY:
        raise ValidationError(
            {
                "document": _("This version cannot be annotated: it is %(status)s, not ready.")
                % {"status": document.get_status_display().lower()}
            }
        )


def _passage_at(document: Document, start: int) -> Passage | None:
    """The passage holding ``start`` (or the next one if ``start`` is between passages)."""
    return (
        Passage.objects.filter(document=document, end__gt=start)
        .only("id", "start", "end", "document_id")
        .order_by("start")
        .first()
    )


def resolve_target(
    *,
    document: Document,
    quote: TextQuoteSelector | None,
    position: TextPositionSelector | None,
) -> ResolvedTarget:
    """Check the selectors against the version's text and fill in the missing one.

    Either selector may be given alone; with both, the quote must be exactly the text at
    the position. The stored prefix/suffix are always recomputed from the text (32
    characters), so clients cannot store context that is not there.
    """
    text = document.text
    if quote is None and position is None:
        raise ValidationError({"target": _("Send a TextQuoteSelector or a TextPositionSelector.")})
    if quote is not None:
        if not quote.exact or not quote.exact.strip():
            raise ValidationError({"target": _("The quote (exact) is empty.")})
        if len(quote.prefix) > CONTEXT_LENGTH or len(quote.suffix) > CONTEXT_LENGTH:
            raise ValidationError(
                {
                    "target": _("prefix and suffix are at most %(n)d characters.")
                    % {"n": CONTEXT_LENGTH}
                }
            )
    if position is not None:
        start, end = position.start, position.end
        if not (isinstance(start, int) and isinstance(end, int)):
            raise ValidationError({"target": _("start and end must be whole numbers.")})
        if not 0 <= start < end <= len(text):
            raise ValidationError(
                {
                    "target": _(
                        "The position %(start)s–%(end)s is outside the text of this version "
                        "(0–%(length)s, end after start)."
                    )
                    % {"start": start, "end": end, "length": len(text)}
                }
            )
        if quote is not None:
            if text[start:end] != quote.exact:
                raise ValidationError(
                    {
                        "target": _(
                            "The quote does not match the text at %(start)s–%(end)s, "
                            "which reads “%(actual)s”."
                        )
                        % {"start": start, "end": end, "actual": _shorten(text[start:end])}
                    }
                )
            if quote.prefix and not text[:start].endswith(quote.prefix):
                raise ValidationError(
                    {"target": _("The prefix does not match the text before the quote.")}
                )
            if quote.suffix and not text[end:].startswith(quote.suffix):
                raise ValidationError(
                    {"target": _("The suffix does not match the text after the quote.")}
                )
    else:
        start, end = _find_quote(text, quote)
    if end - start > MAX_QUOTE_LENGTH:
        raise ValidationError(
            {
                "target": _("A selection is at most %(n)s characters.")
                % {"n": f"{MAX_QUOTE_LENGTH:,}"}
            }
        )
    if not text[start:end].strip():
        raise ValidationError({"target": _("The selection contains only spaces.")})
    exact, prefix, suffix = anchoring.context_around(text, start, end)
    return ResolvedTarget(start, end, exact, prefix, suffix, _passage_at(document, start))


def _find_quote(text: str, quote: TextQuoteSelector) -> tuple[int, int]:
    """The single occurrence of the quote whose given context matches, or a clear error."""
    positions = []
    position = text.find(quote.exact)
    while position != -1:
        end = position + len(quote.exact)
        if text[:position].endswith(quote.prefix) and text[end:].startswith(quote.suffix):
            positions.append(position)
        position = text.find(quote.exact, position + 1)
    if not positions:
        raise ValidationError(
            {
                "target": _(
                    "The quoted text does not occur in this version (with that prefix and suffix)."
                )
            }
        )
    if len(positions) > 1:
        raise ValidationError(
            {
                "target": _(
                    "The quote occurs %(n)d times; add a prefix and suffix or a "
                    "TextPositionSelector to say which."
                )
                % {"n": len(positions)}
            }
        )
    return positions[0], positions[0] + len(quote.exact)


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- Create, reply, update, delete -------------------------------------------------------


@transaction.atomic
def annotation_create(
    *,
    author,
    document: Document,
    quote: TextQuoteSelector | None = None,
    position: TextPositionSelector | None = None,
    source_note: bool = False,
    body: str = "",
    tags: Iterable[str] = (),
    motivation: str = Motivation.COMMENTING,
    visibility: str = Visibility.PUBLIC,
) -> Annotation:
    """Annotate a span of a ready version (or, with ``source_note=True`` and no
    selectors, the source as a whole). Stores the annotation and its anchor on that
    version; newer versions get anchors from re-anchoring, enqueued on commit."""
    _check_signed_in(author)
    _check_document_ready(document)
    body = _check_body(body)
    motivation = _check_choice(motivation, USER_MOTIVATIONS, "motivation")
    visibility = _check_choice(visibility, Visibility.values, "visibility")
    tags = normalize_tags(tags)
    _check_not_empty(body=body, tags=tags, motivation=motivation)
    if source_note:
        if quote is not None or position is not None:
            raise ValidationError({"target": _("A note on the whole source has no selectors.")})
        target = None
    else:
        target = resolve_target(document=document, quote=quote, position=position)

    annotation = Annotation(
        source_id=document.source_id,
        document=document,
        author=author,
        body=body,
        body_html=render_markdown(body),
        tags=tags,
        motivation=motivation,
        visibility=visibility,
    )
    if target is not None:
        annotation.passage = target.passage
        annotation.exact, annotation.prefix, annotation.suffix = (
            target.exact,
            target.prefix,
            target.suffix,
        )
        annotation.start, annotation.end = target.start, target.end
    # Pre-moderation: a public annotation by a user under it waits for a moderator
    # (private notes are seen by nobody else anyway).
    annotation.awaiting_approval = visibility == Visibility.PUBLIC and is_premoderated(author)
    annotation.full_clean()
    annotation.save()
    if annotation.awaiting_approval:
        _queue_pending(annotation)
    if target is not None:
        AnnotationAnchor.objects.create(
            annotation=annotation,
            document=document,
            status=AnchorStatus.ANCHORED,
            score=1.0,
            start=target.start,
            end=target.end,
            passage=target.passage,
        )
        _reanchor_newer_versions(document)
    search_index_annotation(annotation_id=annotation.pk)
    _notify(annotation)
    return annotation


@transaction.atomic
def annotation_reply(
    *,
    author,
    parent: Annotation,
    body: str,
    tags: Iterable[str] = (),
    visibility: str | None = None,
) -> Annotation:
    """Reply to ``parent`` (any depth). The parent must be visible to the author, not
    deleted and not hidden. A reply in a private thread is private."""
    _check_signed_in(author)
    if not selectors.can_see(viewer=author, annotation=parent, include_deleted=True):
        raise ValidationError({"parent": _("The annotation you reply to does not exist.")})
    if parent.deleted_at is not None:
        raise ValidationError({"parent": _("You cannot reply to a deleted annotation.")})
    if parent.hidden:
        raise ValidationError({"parent": _("You cannot reply to a hidden annotation.")})
    if parent.awaiting_approval and parent.author_id != author.pk:
        raise ValidationError(
            {"parent": _("You cannot reply to an annotation that awaits a moderator.")}
        )
    body = _check_body(body)
    tags = normalize_tags(tags)
    if not body:
        raise ValidationError({"body": _("A reply needs a comment.")})
    if parent.visibility == Visibility.PRIVATE:
        visibility = Visibility.PRIVATE
    visibility = _check_choice(visibility or Visibility.PUBLIC, Visibility.values, "visibility")
    reply = Annotation(
        source_id=parent.source_id,
        document_id=parent.document_id,
        author=author,
        body=body,
        body_html=render_markdown(body),
        tags=tags,
        motivation=Motivation.REPLYING,
        visibility=visibility,
        parent=parent,
        thread_id=parent.thread_id or parent.pk,
    )
    reply.awaiting_approval = visibility == Visibility.PUBLIC and is_premoderated(author)
    reply.full_clean()
    reply.save()
    if reply.awaiting_approval:
        _queue_pending(reply)
    search_index_annotation(annotation_id=reply.pk)
    _notify(reply)
    return reply


def _check_author(annotation: Annotation, user, action: str) -> None:
    _check_signed_in(user)
    if annotation.author_id != user.pk:
        raise PermissionDenied(
            _("Only the author can %(action)s this annotation.") % {"action": action}
        )
    if annotation.deleted_at is not None:
        raise ValidationError({"annotation": _("This annotation was deleted.")})


@transaction.atomic
def annotation_update(
    *,
    annotation: Annotation,
    user,
    body: str | None = None,
    tags: Iterable[str] | None = None,
    motivation: str | None = None,
    visibility: str | None = None,
) -> Annotation:
    """Change body, tags, motivation or visibility (the author only). The target never
    changes here (see ``annotation_reattach``). Marks the annotation edited."""
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    _check_author(annotation, user, _("edit"))
    changed = False
    if body is not None:
        body = _check_body(body)
        changed |= body != annotation.body
        annotation.body, annotation.body_html = body, render_markdown(body)
    if tags is not None:
        tags = normalize_tags(tags)
        changed |= tags != annotation.tags
        annotation.tags = tags
    if motivation is not None and not annotation.is_reply:
        annotation.motivation = _check_choice(motivation, USER_MOTIVATIONS, "motivation")
    becomes_private = False
    if visibility is not None:
        visibility = _check_choice(visibility, Visibility.values, "visibility")
        if visibility == Visibility.PRIVATE and annotation.visibility == Visibility.PUBLIC:
            _check_can_become_private(annotation)
            becomes_private = True
            # Nobody else will see it, so nobody has to approve it; made public again, it
            # waits again if its author is still under pre-moderation.
            annotation.awaiting_approval = False
        if visibility == Visibility.PUBLIC and annotation.parent_id:
            parent_private = Annotation.objects.filter(
                pk=annotation.parent_id, visibility=Visibility.PRIVATE
            ).exists()
            if parent_private:
                raise ValidationError(
                    {"visibility": _("A reply in a private thread stays private.")}
                )
        if (
            visibility == Visibility.PUBLIC
            and annotation.visibility == Visibility.PRIVATE
            and is_premoderated(user)
        ):
            # Going public is publishing: it waits like a new annotation would.
            annotation.awaiting_approval = True
            _queue_pending(annotation)
        annotation.visibility = visibility
    _check_not_empty(body=annotation.body, tags=annotation.tags, motivation=annotation.motivation)
    if annotation.is_reply and not annotation.body:
        raise ValidationError({"body": _("A reply needs a comment.")})
    annotation.edited = annotation.edited or changed
    annotation.full_clean()
    annotation.save()
    if becomes_private:
        _close_review_items_as_private(annotation)
    search_index_annotation(annotation_id=annotation.pk)
    _notify(annotation)
    return annotation


def _close_review_items_as_private(annotation: Annotation) -> None:
    """A private note is its author's alone: its open review items (flags, approval,
    orphan repair) close, and the queue and the log keep no copy of its text."""
    from apps.moderation.services import review_items_close_as_private

    review_items_close_as_private(
        target=annotation,
        reason=_(
            "Its author made it private: nobody else can see it, so nothing is left to review."
        ),
    )


def _check_can_become_private(annotation: Annotation) -> None:
    others_replied = (
        Annotation.objects.filter(thread_id=annotation.thread_id or annotation.pk)
        .exclude(author_id=annotation.author_id)
        .exists()
    )
    if others_replied:
        raise ValidationError(
            {"visibility": _("Others have replied in this thread, so it cannot become private.")}
        )


@transaction.atomic
def annotation_delete(*, annotation: Annotation, user) -> Annotation:
    """Soft-delete (the author only). With replies, the thread keeps it as "[deleted]";
    without, it disappears from every list. Idempotent for the author."""
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    _check_signed_in(user)
    if annotation.author_id != user.pk:
        raise PermissionDenied(_("Only the author can delete this annotation."))
    if annotation.deleted_at is None:
        annotation.deleted_at = timezone.now()
        annotation.save(update_fields=["deleted_at", "modified"])
        search_index_annotation(annotation_id=annotation.pk)
    return annotation


def _check_moderator(user) -> None:
    if not selectors.can_moderate(user):
        raise PermissionDenied(
            _("Only global moderators can act on annotations (they belong to no country).")
            if selectors.is_moderator(user)
            else _("Only moderators can hide or restore annotations.")
        )


@transaction.atomic
def annotation_hide(*, annotation: Annotation, moderator) -> Annotation:
    """Hide from everyone but its author and moderators. History records who and when."""
    _check_moderator(moderator)
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not annotation.hidden:
        annotation.hidden = True
        annotation._history_user = moderator
        annotation.save(update_fields=["hidden", "modified"])
    return annotation


@transaction.atomic
def annotation_restore(*, annotation: Annotation, moderator) -> Annotation:
    """Undo a hide (moderators). Idempotent."""
    _check_moderator(moderator)
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.hidden:
        annotation.hidden = False
        annotation._history_user = moderator
        annotation.save(update_fields=["hidden", "modified"])
    return annotation


@transaction.atomic
def annotation_approve(*, annotation: Annotation, moderator) -> Annotation:
    """Let a pre-moderated annotation be seen (moderators): it leaves "awaiting approval",
    and the people it replies to or mentions are told now. Idempotent."""
    _check_moderator(moderator)
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.awaiting_approval:
        annotation.awaiting_approval = False
        annotation._history_user = moderator
        annotation.save(update_fields=["awaiting_approval", "modified"])
        _notify(annotation)
    return annotation


@transaction.atomic
def annotation_hide_pending_review(*, annotation: Annotation) -> Annotation:
    """Flags reached the moderation threshold: hide until a moderator decides. System
    action, called only by the moderation app's annotation adapter (which audits it)."""
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not annotation.hidden:
        annotation.hidden = True
        annotation.save(update_fields=["hidden", "modified"])
    return annotation


def _queue_on_commit(item_type: str, annotation_ids: list[int], summary: str) -> None:
    """Open review items once the write commits; a failure is logged, never raised (the
    annotation's own state still says it needs a moderator). Private annotations never
    open one: nobody but their author may see them, moderators included (an orphaned
    private note is on its author's orphan list in the reader, and nowhere else)."""
    if not annotation_ids:
        return

    def open_items() -> None:
        from apps.moderation.services import review_item_open

        for annotation in Annotation.objects.filter(
            pk__in=annotation_ids, visibility=Visibility.PUBLIC
        ).select_related("source", "author"):
            try:
                review_item_open(item_type=item_type, target=annotation, summary=summary)
            except Exception:  # noqa: BLE001 - a queue hiccup must not undo the write
                logger.exception("Could not queue annotation %s as %s", annotation.pk, item_type)

    transaction.on_commit(open_items)


def _queue_pending(annotation: Annotation) -> None:
    _queue_on_commit(
        "pending_annotation",
        [annotation.pk],
        _("%(user)s is under pre-moderation: approve (publish) or reject this annotation.")
        % {"user": annotation.author.get_username()},
    )


@transaction.atomic
def annotation_reattach(
    *,
    annotation: Annotation,
    user,
    document: Document,
    quote: TextQuoteSelector | None = None,
    position: TextPositionSelector | None = None,
) -> AnnotationAnchor:
    """Place an annotation by hand in a version where re-anchoring lost it (or placed it
    badly): the author or a moderator selects new text (a private note: its author only).
    Re-anchoring never overwrites a hand-placed anchor. Once the annotation is placed in
    its source's current version, its open *orphaned annotation* review item closes as
    kept ("publish"), with an audit row, and its author is told if someone else placed
    it."""
    _check_signed_in(user)
    if annotation.author_id != user.pk and (
        annotation.visibility != Visibility.PUBLIC or not selectors.can_moderate(user)
    ):
        raise PermissionDenied(_("Only the author or a moderator can re-attach this annotation."))
    if annotation.is_reply or not annotation.has_target:
        raise ValidationError(
            {"annotation": _("Only annotations on a passage are placed in the text.")}
        )
    if document.source_id != annotation.source_id:
        raise ValidationError({"document": _("That version belongs to another source.")})
    _check_document_ready(document)
    target = resolve_target(document=document, quote=quote, position=position)
    anchor, _created = AnnotationAnchor.objects.update_or_create(
        annotation=annotation,
        document=document,
        defaults={
            "status": AnchorStatus.ANCHORED,
            "score": 1.0,
            "start": target.start,
            "end": target.end,
            "passage": target.passage,
            "reattached_by": user,
        },
    )
    _settle_orphan_item(annotation, user=user, document=document)
    return anchor


def _settle_orphan_item(annotation: Annotation, *, user, document: Document) -> None:
    """Close the annotation's open orphan item once it is placed in the current version
    (re-attached there, or everywhere it was lost)."""
    from apps.moderation.models import Decision, ReviewItemType
    from apps.moderation.services import review_items_settle

    current_id = (
        Source.objects.filter(pk=annotation.source_id)
        .values_list("current_document_id", flat=True)
        .first()
    )
    still_lost = AnnotationAnchor.objects.filter(
        annotation=annotation, document_id=current_id, status=AnchorStatus.ORPHANED
    ).exists()
    if still_lost:
        return
    review_items_settle(
        target=annotation,
        item_types=[ReviewItemType.ORPHANED_ANNOTATION],
        actor=user,
        decision=Decision.PUBLISH,
        reason=_("Re-attached to the text of version %(version)s by %(user)s.")
        % {"version": document.version, "user": user.get_username()},
    )


# --- Re-anchoring ---------------------------------------------------------------------------


def _reanchor_newer_versions(document: Document) -> None:
    newer = list(
        Document.objects.filter(
            source_id=document.source_id,
            status=DocumentStatus.READY,
            version__gt=document.version or 0,
        ).values_list("pk", flat=True)
    )
    for document_id in newer:
        enqueue_reanchor(document_id)


def enqueue_reanchor(document_id: int) -> None:
    """Send the re-anchoring job after commit; a broker outage is logged, not raised
    (the user's write has succeeded; running the task again later is safe)."""

    def send() -> None:
        from .tasks import reanchor_document

        try:
            reanchor_document.delay(document_id)
        except Exception:  # noqa: BLE001 - broker down must not fail the write
            logger.exception("Could not enqueue re-anchoring of document %s", document_id)

    transaction.on_commit(send)


# A version that became ready this recently still has its own re-anchoring job coming.
REANCHOR_SETTLE = timedelta(minutes=5)


def reanchor_sweep(*, now=None) -> list[int]:
    """Re-enqueue re-anchoring for ready versions whose annotations lack anchors there
    (the periodic repair for jobs lost while the broker was down). Returns the document
    ids sent. Safe to run any time: re-anchoring only fills in what is missing."""
    now = now or timezone.now()
    document_ids = selectors.documents_missing_anchors(settled_before=now - REANCHOR_SETTLE)
    for document_id in document_ids:
        enqueue_reanchor(document_id)
    return document_ids


def document_reanchor(*, document_id: int) -> dict[str, int]:
    """Place every root annotation of the source that has no anchor on this version yet.

    The starting point for each is its anchor on the newest earlier version where it was
    placed (so a chain of revisions is followed step by step), with positions mapped
    through a diff of the two texts. Idempotent: existing anchors (including hand-placed
    ones) are kept; a second run finds nothing to do. Returns counts per status.
    """
    document = (
        Document.objects.filter(pk=document_id, status=DocumentStatus.READY)
        .select_related("source")
        .only("id", "version", "text", "source_id", "source__current_document_id")
        .first()
    )
    if document is None:
        return {}
    # The current version takes every annotation of the source, also those made on a
    # version that came after it and was withdrawn (or that it was accepted over): the
    # sources app calls on_document_ready whenever the current version changes. An older
    # version only takes annotations made before it.
    is_current = document.source.current_document_id == document.pk
    made_elsewhere = (
        ~Q(document_id=document.pk) if is_current else Q(document__version__lt=document.version)
    )
    pending = list(
        Annotation.objects.filter(
            made_elsewhere,
            source_id=document.source_id,
            parent__isnull=True,
            start__isnull=False,
        )
        .exclude(anchors__document=document)
        .values_list("pk", flat=True)
    )
    if not pending:
        return {}
    # Newest placed anchor on another version (before this one, unless this one is
    # current), per annotation: (document id, start, end).
    # Tuples, not model instances: 10,000 instances cost half a second.
    base: dict[int, tuple[int, int, int]] = {}
    placed_elsewhere = (
        ~Q(document_id=document.pk) if is_current else Q(document__version__lt=document.version)
    )
    earlier = (
        AnnotationAnchor.objects.filter(placed_elsewhere, annotation_id__in=pending)
        .exclude(status=AnchorStatus.ORPHANED)
        .order_by("annotation_id", "-document__version")
        .values_list("annotation_id", "document_id", "start", "end")
    )
    for annotation_id, base_document_id, start, end in earlier:
        base.setdefault(annotation_id, (base_document_id, start, end))
    originals = {
        row["pk"]: row
        for row in Annotation.objects.filter(pk__in=pending).values(
            "pk", "document_id", "start", "end", "exact", "prefix", "suffix"
        )
    }
    by_base_document: dict[int, list[int]] = defaultdict(list)
    for annotation_id in pending:
        anchor = base.get(annotation_id)
        by_base_document[anchor[0] if anchor else originals[annotation_id]["document_id"]].append(
            annotation_id
        )

    passages = list(
        Passage.objects.filter(document=document)
        .order_by("start")
        .values_list("pk", "start", "end")
    )
    passage_ends = [end for _pk, _start, end in passages]

    def passage_for(start: int) -> int | None:
        index = bisect.bisect_right(passage_ends, start)
        return passages[index][0] if index < len(passages) else None

    new_text = document.text
    rows = []
    counts: dict[str, int] = defaultdict(int)
    base_texts = dict(
        Document.objects.filter(pk__in=list(by_base_document)).values_list("pk", "text")
    )
    for base_document_id, annotation_ids in by_base_document.items():
        old_text = base_texts[base_document_id]
        position_map = anchoring.PositionMap(old_text, new_text)
        for annotation_id in annotation_ids:
            anchor = base.get(annotation_id)
            if anchor is not None:
                _base_document_id, start, end = anchor
                exact, prefix, suffix = anchoring.context_around(old_text, start, end)
            else:
                original = originals[annotation_id]
                start, end = original["start"], original["end"]
                exact, prefix, suffix = original["exact"], original["prefix"], original["suffix"]
            result = anchoring.anchor_quote(
                new_text,
                exact=exact,
                prefix=prefix,
                suffix=suffix,
                start=start,
                hint=position_map(start),
                hint_end=position_map(end),
            )
            counts[result.status] += 1
            rows.append(
                AnnotationAnchor(
                    annotation_id=annotation_id,
                    document=document,
                    status=result.status,
                    score=result.score,
                    start=result.start,
                    end=result.end,
                    passage_id=passage_for(result.start) if result.start is not None else None,
                )
            )
    # ignore_conflicts: a concurrent or redelivered run may have written some already.
    # bulk_create writes all its batches in one transaction: a worker killed while writing
    # leaves no half-placed version behind, and the redelivered task starts over.
    AnnotationAnchor.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    orphaned = [row.annotation_id for row in rows if row.status == AnchorStatus.ORPHANED]
    _queue_on_commit(
        "orphaned_annotation",
        orphaned,
        _("Could not be placed in version %(version)s: re-attach it to the new text.")
        % {"version": document.version},
    )
    return dict(counts)


# --- Notifications --------------------------------------------------------------------------


def _mentioned_usernames(body: str) -> list[str]:
    names = []
    for match in MENTION.finditer(body or ""):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names[:MAX_MENTIONS]


def _notify(annotation: Annotation) -> None:
    """Tell the parent's author about a reply and mentioned users about a mention, once
    per person per annotation; never the actor; never someone who cannot see it. Nothing
    while it awaits approval (approval notifies), nor for a shadow-hidden author."""
    if annotation.deleted_at is not None or annotation.hidden or annotation.awaiting_approval:
        return
    if is_shadow_hidden(annotation.author):
        return
    recipients: dict[int, tuple[object, str]] = {}
    if annotation.parent_id:
        parent_author = annotation.parent.author
        recipients[parent_author.pk] = (parent_author, NotificationKind.REPLY)
    usernames = _mentioned_usernames(annotation.body)
    if usernames:
        for user in get_user_model().objects.filter(username__in=usernames, is_active=True):
            recipients.setdefault(user.pk, (user, NotificationKind.MENTION))
    for recipient_id, (recipient, kind) in recipients.items():
        if recipient_id == annotation.author_id:
            continue
        if not selectors.can_see(viewer=recipient, annotation=annotation):
            continue
        wants_email = bool(recipient.email_notifications and recipient.email)
        notification, created = Notification.objects.get_or_create(
            recipient=recipient,
            annotation=annotation,
            defaults={
                "kind": kind,
                "actor_id": annotation.author_id,
                "email_pending": wants_email,
            },
        )
        if created and wants_email:
            _enqueue_email(notification.pk)


def _enqueue_email(notification_id: int) -> None:
    def send() -> None:
        from .tasks import send_notification_email

        try:
            send_notification_email.delay(notification_id)
        except Exception:  # noqa: BLE001 - broker down must not fail the write
            logger.exception(
                "Could not enqueue email for notification %s; the sweep will.", notification_id
            )

    transaction.on_commit(send)


# An e-mail normally leaves within seconds; one still owed after this lost its job (broker
# down when the reply was written, or the mail server down longer than the task's retries).
NOTIFICATION_EMAIL_SWEEP_AFTER = timedelta(minutes=5)
# After a long outage, mail about a reply days old is noise: the in-app notification has
# long been there. A weekend's outage is still caught up; older e-mails are dropped.
NOTIFICATION_EMAIL_MAX_AGE = timedelta(days=3)
NOTIFICATION_EMAIL_SWEEP_BATCH = 500


def notifications_sweep_unsent(*, now=None) -> list[int]:
    """Re-send notification e-mails whose job was lost. Returns the notification ids sent.

    Picks notifications whose e-mail is still owed (``email_pending``), older than
    ``NOTIFICATION_EMAIL_SWEEP_AFTER`` and unread; e-mails older than
    ``NOTIFICATION_EMAIL_MAX_AGE``, or about a notification already read in the app, are
    given up (no longer pending). Safe to run any time and to overlap a job still on its
    way: the task sends at most once per notification."""
    from .tasks import send_notification_email

    now = now or timezone.now()
    given_up = (
        Notification.objects.filter(email_pending=True)
        .filter(Q(created__lt=now - NOTIFICATION_EMAIL_MAX_AGE) | Q(read_at__isnull=False))
        .update(email_pending=False)
    )
    if given_up:
        logger.warning("Gave up %s notification e-mails (too old, or read in the app)", given_up)
    notification_ids = list(
        Notification.objects.filter(
            email_pending=True,
            read_at__isnull=True,
            created__lt=now - NOTIFICATION_EMAIL_SWEEP_AFTER,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:NOTIFICATION_EMAIL_SWEEP_BATCH]
    )
    sent = []
    for notification_id in notification_ids:
        try:
            send_notification_email.delay(notification_id)
        except Exception:  # noqa: BLE001 - broker still down: the next sweep tries again
            logger.exception("Sweep could not enqueue email for notification %s", notification_id)
            break
        sent.append(notification_id)
    return sent


@transaction.atomic
def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all, or the given ids). Returns how many."""
    _check_signed_in(user)
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    viewer_cache.bump_viewers_on_commit([user.pk])  # the header's unread count
    return qs.update(read_at=timezone.now())


def notification_email_subject(notification: Notification) -> str:
    """Plain text on one line; the other person's display name quoted and cut short."""
    from django.conf import settings

    from apps.common.email import quoted, subject_line

    values = {"site": settings.SITE_NAME, "name": quoted(notification.actor.public_name)}
    if notification.kind == "reply":
        return subject_line(_("[%(site)s] %(name)s replied to your annotation") % values)
    return subject_line(_("[%(site)s] %(name)s mentioned you") % values)


def notification_send_email(*, notification_id: int) -> bool:
    """Email one notification if its recipient wants email and can still see the
    annotation. Returns whether it sent. Idempotent: the row is locked, and once sent (or
    found no longer wanted) it is no longer ``email_pending``, so a redelivered or
    re-swept job sends nothing twice."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "actor", "annotation", "annotation__source")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or not notification.email_pending:
            return False
        recipient = notification.recipient
        if not (
            recipient.email_notifications
            and recipient.email
            and recipient.is_active
            and selectors.can_see(viewer=recipient, annotation=notification.annotation)
        ):
            # Not wanted any more: settled, so the sweep does not try again.
            notification.email_pending = False
            notification.save(update_fields=["email_pending"])
            return False
        from apps.common.site import site_url

        context = {
            "notification": notification,
            "site_name": settings.SITE_NAME,
            "base_url": site_url(),
        }
        subject = notification_email_subject(notification)
        message = render_to_string("annotations/email/notification.txt", context)
        send_mail(subject, message, None, [recipient.email])
        notification.emailed_at = timezone.now()
        notification.email_pending = False
        notification.save(update_fields=["emailed_at", "email_pending"])
    return True
