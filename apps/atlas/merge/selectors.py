"""Reads for merges: where a merged entry leads now (its page and API address answer 301
there), the live merges a moderator may undo, the entries one could be merged into, and
the preview of a merge (the form's comparison, the API's GET)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.common.validators import as_id

from ..models import Example, ExampleMerge, Status
from ..permissions import can_merge, require_moderator_of
from .comparison import MergePlan, check_pair, plan_merge, target_id_from

# A chain of merges (B into A, later A into C) is followed this far; merging into a
# merged entry is refused, so real chains are short.
MAX_CHAIN = 20
CANDIDATE_LIMIT = 50


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
    if as_id(example_id) is None:
        return None
    example = Example.objects.filter(pk=example_id, status=Status.MERGED).first()
    if example is None or example.merged_into_id is None:
        return None
    return merge_destination(example)


def merges_for(*, example: Example, viewer) -> list[ExampleMerge]:
    """Live merges into or out of ``example`` that ``viewer`` may undo (moderators in
    scope); empty for anyone else."""
    if not can_merge(user=viewer, example=example):
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
        if can_merge(user=viewer, example=example)
    ]


SEARCH_LIMIT = 20


def merge_search(*, source: Example, viewer, query: str) -> list[Example]:
    """Entries whose title contains ``query`` that ``source`` could be merged into (the
    form's search box, for a duplicate filed under another country or scope): not merged
    or rejected, in the viewer's scope; by title, at most SEARCH_LIMIT."""
    query = query.strip()
    if not query:
        return []
    qs = (
        Example.objects.exclude(pk=source.pk)
        .exclude(status__in=(Status.MERGED, Status.REJECTED))
        .filter(title__icontains=query)
    )
    return [
        example
        for example in qs.select_related("category").order_by("title", "pk")[:SEARCH_LIMIT]
        if can_merge(user=viewer, example=example)
    ]


def merge_preview(*, actor, source: Example, target_id: Any) -> MergePlan:
    """What merging ``source`` into entry ``target_id`` would do (the form's comparison
    and the API's ``GET``): the same checks as example_merge, without a reason or
    choices, and nothing written."""
    message = _("Only moderators can merge entries or undo a merge.")
    require_moderator_of(actor, message=message)
    into = target_id_from(target_id)
    if into == source.pk:
        raise ValidationError({"into": _("An entry cannot be merged into itself.")})
    pair = {
        row.pk: row
        for row in Example.objects.filter(pk__in=[source.pk, into]).select_related(
            "category", "author"
        )
    }
    if into not in pair:
        raise ValidationError({"into": _("There is no entry #%(id)s.") % {"id": into}})
    source, target = pair[source.pk], pair[into]
    require_moderator_of(actor, source, target, message=message)
    check_pair(source, target)
    return plan_merge(source, target)
