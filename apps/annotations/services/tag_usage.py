"""Keeping ``TagUsage`` (the site-wide vocabulary of public tags) up to date without
recounting every tag after every write: a write recounts only the tags the annotation
had and has (``annotation.*`` events, apps/annotations/subscribers.py); a change to an
author's standing recounts that author's tags; the nightly ``tag_usage_rebuild`` repairs
anything no event announces (a source hidden by moderation, a lost event)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from apps.common import http_cache

from .. import selectors
from ..models import Annotation, TagUsage, tag_key


def _store(counts: dict[str, int], tags: Iterable[str]) -> None:
    rows = [TagUsage(tag=tag, key=tag_key(tag), public_count=counts.get(tag, 0)) for tag in tags]
    if rows:
        TagUsage.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["tag"],
            update_fields=["key", "public_count"],
        )
    # bulk_create sends no signals: the suggestions' cache version by hand.
    http_cache.invalidate(TagUsage)


@transaction.atomic
def tag_usage_refresh(*, tags: Iterable[str]) -> None:
    """Recount ``tags`` over the public annotations (one query) and store the counts;
    a tag no public annotation uses any more drops to 0 and is no longer suggested.
    Called after commit by the event subscribers; safe to repeat."""
    wanted = sorted({tag for tag in tags if tag and len(tag) <= 64})
    if not wanted:
        return
    # Two recounts of one tag must not land out of order (an older count written last
    # could keep offering the tag of a note made private since): each takes the tags'
    # rows first, in one order, and counts only once it holds them, so it sees every
    # write committed before it.
    TagUsage.objects.bulk_create(
        [TagUsage(tag=tag, key=tag_key(tag), public_count=0) for tag in wanted],
        ignore_conflicts=True,
    )
    list(
        TagUsage.objects.select_for_update()
        .filter(tag__in=wanted)
        .order_by("tag")
        .values_list("pk")
    )
    _store(selectors.public_tag_counts(wanted), wanted)


def tag_usage_refresh_for_annotation(*, annotation_id: int, old_tags: str = "") -> None:
    """An annotation was written, hidden, restored, approved or deleted: recount the tags
    it has now and those it had (``old_tags``: comma-separated, as tags hold no comma)."""
    row = Annotation.objects.filter(pk=annotation_id).values_list("tags", flat=True).first()
    tags = set(row or [])
    tags.update(tag for tag in old_tags.split(",") if tag)
    tag_usage_refresh(tags=tags)


def tag_usage_refresh_for_author(*, user_id: int) -> None:
    """An author's standing changed (shadow-hidden or not): recount their tags."""
    tags: set[str] = set()
    for row in Annotation.objects.filter(author_id=user_id).exclude(tags=[]).values_list("tags", flat=True).iterator():  # fmt: skip
        tags.update(row)
    tag_usage_refresh(tags=tags)


@transaction.atomic
def tag_usage_rebuild() -> int:
    """Recount every tag (the nightly repair, and ``manage.py`` after a bulk import).
    Returns how many tags are in public use."""
    counts = selectors.public_tag_counts()
    stale = set(TagUsage.objects.filter(public_count__gt=0).values_list("tag", flat=True))
    _store(counts, sorted(set(counts) | stale))
    return len(counts)
