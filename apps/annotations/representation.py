"""An annotation's JSON, built in one place.

Two shapes, one builder each:

- the app's own (``annotation_json_from_row``; ``annotation_json`` feeds it an
  instance): the REST API's list and detail, and the reader's threads and personal
  annotations, which build it from ``values(*ROW_FIELDS)`` rows, skipping model
  instances (2,000 of them cost ~0.2 s). ``api.serializers.AnnotationSerializer``
  declares this shape for the OpenAPI schema and calls the builder.
- the W3C Web Annotation Data Model (``annotation_jsonld``): the API's JSON-LD answers,
  pages and collections (``annotation_collection``), and the source's JSON-LD export.

A deleted annotation kept for its replies, and a hidden one shown in place to keep its
replies' thread (``redacted``), say so instead of their content, in both shapes.
"""

from __future__ import annotations

from django.urls import reverse
from rest_framework.fields import DateTimeField

from apps.common.site import absolute_url

from .models import Annotation

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
DELETED_TEXT = "[deleted]"
# A public annotation a moderator hid, shown in place to keep its replies' thread.
HIDDEN_TEXT = "[hidden by a moderator]"

# The columns ``annotation_json_from_row`` reads, for ``QuerySet.values()`` on a
# selector's queryset (``source_slug``, ``document_version``, ``anchor_*`` and
# ``redacted`` are annotated there).
ROW_FIELDS = (
    "id", "source_slug", "document_version", "parent_id", "thread_id", "start", "end",
    "exact", "prefix", "suffix", "deleted_at", "body", "body_html", "tags", "motivation",
    "visibility", "author__username", "author__display_name", "created", "modified",
    "anchor_status", "anchor_score", "anchor_start", "anchor_end", "edited", "hidden",
    "awaiting_approval", "redacted", "group_slug",
)  # fmt: skip

_DATETIME = DateTimeField()


def _placeholder(*, deleted: bool, redacted: bool) -> str | None:
    """What stands in for the content of a deleted or redacted annotation, else None."""
    if deleted:
        return DELETED_TEXT
    if redacted:
        return HIDDEN_TEXT
    return None


def _selectors(*, exact: str, prefix: str, suffix: str, start: int, end: int) -> list[dict]:
    return [
        {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
        {"type": "TextPositionSelector", "start": start, "end": end},
    ]


# --- The app's shape ----------------------------------------------------------------------


def annotation_json(obj: Annotation) -> dict:
    """One annotation in the API's JSON shape. ``obj`` comes from a selector
    (``source_slug``, ``document_version`` and ``anchor_*`` annotated)."""
    row = {field: getattr(obj, field, None) for field in ROW_FIELDS if "__" not in field}
    row["id"] = obj.pk
    row["author__username"] = obj.author.username
    row["author__display_name"] = obj.author.display_name
    if row["group_slug"] is None and obj.group_id is not None:
        row["group_slug"] = obj.group.slug
    return annotation_json_from_row(row)


def annotation_json_from_row(row: dict) -> dict:
    """One annotation in the API's JSON shape, from a ``values(*ROW_FIELDS)`` row.

    ``target`` is null for a reply and has no selectors for a note on the whole source;
    ``anchor`` describes the version asked for (null for replies, source notes, or no
    anchor there); a deleted or redacted annotation has no author, tags or text."""
    deleted = row["deleted_at"] is not None
    placeholder = _placeholder(deleted=deleted, redacted=bool(row.get("redacted")))
    is_reply = row["parent_id"] is not None
    has_target = row["start"] is not None
    anchor_status = row["anchor_status"]
    return {
        "id": row["id"],
        "source": row["source_slug"],
        "version": row["document_version"],
        "target": None
        if is_reply
        else {
            "selector": _selectors(
                exact=row["exact"],
                prefix=row["prefix"],
                suffix=row["suffix"],
                start=row["start"],
                end=row["end"],
            )
            if has_target
            else []
        },  # fmt: skip
        "body": placeholder or row["body"],
        "body_html": f"<p>{placeholder}</p>" if placeholder else row["body_html"],
        "tags": [] if placeholder else list(row["tags"]),
        "motivation": row["motivation"],
        "visibility": row["visibility"],
        # The reading group's slug when ``visibility`` is "group", else null.
        "group": row.get("group_slug"),
        "parent": row["parent_id"],
        "thread": row["thread_id"] or row["id"],
        "author": None
        if placeholder
        else {
            "username": row["author__username"],
            # The same rule as User.public_name.
            "name": row["author__display_name"] or row["author__username"],
        },
        "created": _DATETIME.to_representation(row["created"]),
        "modified": _DATETIME.to_representation(row["modified"]),
        "anchor": None
        if is_reply or not has_target or anchor_status is None
        else {
            "status": anchor_status,
            "score": row["anchor_score"],
            "start": row["anchor_start"],
            "end": row["anchor_end"],
        },
        "edited": row["edited"],
        "hidden": row["hidden"],
        "awaiting_approval": row["awaiting_approval"],
        "deleted": deleted,
    }


# --- W3C Web Annotation Data Model --------------------------------------------------------


def annotation_url(annotation_id: int) -> str:
    """The annotation's IRI: its API detail URL on SITE_URL."""
    return absolute_url(reverse("api-annotation-detail", args=[annotation_id]))


def annotation_jsonld(annotation: Annotation, *, with_context: bool = True) -> dict:
    """One annotation in the W3C Web Annotation Data Model. ``annotation`` comes from a
    selector, as for ``annotation_json``."""
    data: dict = {}
    if with_context:
        data["@context"] = ANNO_CONTEXT
    data.update(
        {
            "id": annotation_url(annotation.pk),
            "type": "Annotation",
            "motivation": annotation.motivation,
            "created": annotation.created.isoformat(),
            "modified": annotation.modified.isoformat(),
        }
    )
    bodies = []
    placeholder = _placeholder(
        deleted=annotation.is_deleted, redacted=bool(getattr(annotation, "redacted", False))
    )
    if placeholder:
        bodies.append({"type": "TextualBody", "value": placeholder, "format": "text/plain"})
    else:
        data["creator"] = {
            "type": "Person",
            "name": annotation.author.public_name,
            "nickname": annotation.author.username,
        }
        if annotation.body:
            bodies.append(
                {
                    "type": "TextualBody",
                    "value": annotation.body,
                    "format": "text/markdown",
                    "purpose": annotation.motivation,
                }
            )
        bodies.extend(
            {"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in annotation.tags
        )
    if bodies:
        data["body"] = bodies if len(bodies) > 1 else bodies[0]
    audience = _audience(annotation)
    if audience:
        data["audience"] = audience
    source_url = absolute_url(reverse("sources:reader", kwargs={"slug": annotation.source_slug}))
    if annotation.is_reply:
        data["target"] = annotation_url(annotation.parent_id)
    elif annotation.has_target:
        data["target"] = {
            "type": "SpecificResource",
            # The selectors refer to this version's text; ``scope`` is the source itself.
            "source": absolute_url(
                reverse(
                    "sources:reader_version",
                    kwargs={"slug": annotation.source_slug, "version": annotation.document_version},
                )
            ),
            "scope": source_url,
            "selector": _selectors(
                exact=annotation.exact,
                prefix=annotation.prefix,
                suffix=annotation.suffix,
                start=annotation.start,
                end=annotation.end,
            ),  # fmt: skip
        }
    else:
        data["target"] = source_url
    return data


def _audience(annotation: Annotation) -> dict | None:
    """A group note's intended audience (W3C Web Annotation ``audience``, a
    ``schema:Audience``): its reading group, by the group page's URL. Only members ever
    receive a group note, so naming the group tells nobody anything new."""
    if annotation.visibility != "group" or annotation.group_id is None:
        return None
    slug = getattr(annotation, "group_slug", None) or annotation.group.slug
    return {
        "id": absolute_url(reverse("annotations:group_detail", kwargs={"slug": slug})),
        "type": "schema:Audience",
        "schema:audienceType": "reading group",
    }


def annotation_page(
    *, page_id: str, items: list[dict], start_index: int, next_url=None, prev_url=None
) -> dict:
    """An AnnotationPage (W3C Web Annotation Protocol) of ``annotation_jsonld`` items
    built without their own ``@context``."""
    page: dict = {
        "id": page_id,
        "type": "AnnotationPage",
        "startIndex": start_index,
        "items": items,
    }
    if next_url:
        page["next"] = next_url
    if prev_url:
        page["prev"] = prev_url
    return page


def annotation_collection(
    *, collection_id: str, label: str, total: int, first: dict, last: str | None = None
) -> dict:
    """An AnnotationCollection (an LDP BasicContainer) whose first page is embedded."""
    collection = {
        "@context": [ANNO_CONTEXT, LDP_CONTEXT],
        "id": collection_id,
        "type": ["BasicContainer", "AnnotationCollection"],
        "label": label,
        "total": total,
        "first": first,
    }
    if last is not None:
        collection["last"] = last
    return collection
