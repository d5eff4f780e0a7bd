"""REST API for annotations (thin: parse, call one service or selector, shape).

Plain JSON by default. With ``Accept: application/ld+json;
profile="http://www.w3.org/ns/anno.jsonld"`` the same URLs answer in the W3C Web
Annotation Data Model, lists as an AnnotationCollection of AnnotationPages (W3C Web
Annotation Protocol). See docs/annotations.md.
"""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from apps.common import csv_safe
from apps.common.api import ClientIPThrottleMixin, StandardPagination
from apps.common.markdown import render_markdown
from apps.common.site import absolute_url
from apps.sources import selectors as source_selectors
from apps.sources.models import Document

from . import selectors, services
from .models import Annotation, Motivation, Visibility
from .services import TextPositionSelector, TextQuoteSelector

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
JSONLD_CONTENT_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
DELETED_TEXT = "[deleted]"
# A public annotation a moderator hid, shown in place to keep its replies' thread.
HIDDEN_TEXT = "[hidden by a moderator]"


def placeholder_text(obj) -> str | None:
    """What stands in for the content of a deleted or redacted annotation, else None."""
    if obj.is_deleted:
        return DELETED_TEXT
    if getattr(obj, "redacted", False):
        return HIDDEN_TEXT
    return None


class JSONLDRenderer(JSONRenderer):
    """Chosen for ``application/ld+json`` (with or without the anno profile)."""

    media_type = "application/ld+json"
    format = "jsonld"


class AnnotationWriteThrottle(ClientIPThrottleMixin, UserRateThrottle):
    """30 writes a minute per user (POST, PATCH, DELETE); reads are not limited here."""

    scope = "annotation_write"
    rate = "30/min"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


def _wants_jsonld(request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return renderer is not None and renderer.format == "jsonld"


# --- Output ---------------------------------------------------------------------------------


class AuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="public_name")


class AnchorSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["anchored", "fuzzy", "orphaned"])
    score = serializers.FloatField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)


class SelectorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["TextQuoteSelector", "TextPositionSelector"])
    exact = serializers.CharField(required=False)
    prefix = serializers.CharField(required=False, allow_blank=True)
    suffix = serializers.CharField(required=False, allow_blank=True)
    start = serializers.IntegerField(required=False)
    end = serializers.IntegerField(required=False)


class TargetSerializer(serializers.Serializer):
    selector = SelectorSerializer(many=True)


def selectors_json(annotation: Annotation) -> list[dict]:
    return [
        {
            "type": "TextQuoteSelector",
            "exact": annotation.exact,
            "prefix": annotation.prefix,
            "suffix": annotation.suffix,
        },
        {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
    ]


class AnnotationSerializer(serializers.Serializer):
    """The annotation as the API shows it. ``anchor`` describes the version asked for
    with ``version`` (default: the source's current version); null for replies and
    source notes. A deleted annotation kept for its replies shows "[deleted]"."""

    id = serializers.IntegerField()
    source = serializers.CharField(source="source_slug")
    version = serializers.IntegerField(source="document_version")
    target = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    motivation = serializers.CharField()
    visibility = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    thread = serializers.IntegerField(source="thread_id_or_self")
    author = serializers.SerializerMethodField()
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    anchor = serializers.SerializerMethodField()
    edited = serializers.BooleanField()
    hidden = serializers.BooleanField()
    awaiting_approval = serializers.BooleanField(
        help_text="Its author is under pre-moderation: only they and moderators see it."
    )
    deleted = serializers.BooleanField(source="is_deleted")

    def to_representation(self, obj) -> dict:
        # The declared fields document the shape (OpenAPI); building the dict by hand is
        # ~20x faster than DRF's per-field machinery, which matters for the reader page
        # (thousands of annotations embedded) and for large list pages.
        return annotation_json(obj)

    @extend_schema_field(TargetSerializer(allow_null=True))
    def get_target(self, obj) -> dict | None:
        if obj.is_reply:
            return None
        return {"selector": selectors_json(obj) if obj.has_target else []}

    def get_body(self, obj) -> str:
        return placeholder_text(obj) or obj.body

    def get_body_html(self, obj) -> str:
        placeholder = placeholder_text(obj)
        return f"<p>{placeholder}</p>" if placeholder else obj.body_html

    def get_tags(self, obj) -> list[str]:
        return [] if placeholder_text(obj) else list(obj.tags)

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, obj) -> dict | None:
        return None if placeholder_text(obj) else AuthorSerializer(obj.author).data

    @extend_schema_field(AnchorSerializer(allow_null=True))
    def get_anchor(self, obj) -> dict | None:
        status_ = getattr(obj, "anchor_status", None)
        if obj.is_reply or not obj.has_target or status_ is None:
            return None
        return {
            "status": status_,
            "score": obj.anchor_score,
            "start": obj.anchor_start,
            "end": obj.anchor_end,
        }


_DATETIME = serializers.DateTimeField()

# The columns ``annotation_json_from_row`` reads, for ``QuerySet.values()`` (the reader page
# builds its payload from rows, skipping model instances: 2,000 of them cost ~0.2 s).
ROW_FIELDS = (
    "id", "source_slug", "document_version", "parent_id", "thread_id", "start", "end",
    "exact", "prefix", "suffix", "deleted_at", "body", "body_html", "tags", "motivation",
    "visibility", "author__username", "author__display_name", "created", "modified",
    "anchor_status", "anchor_score", "anchor_start", "anchor_end", "edited", "hidden",
    "awaiting_approval", "redacted",
)  # fmt: skip


def annotation_json(obj: Annotation) -> dict:
    """One annotation in the API's JSON shape (see ``AnnotationSerializer``). ``obj`` comes
    from a selector (``source_slug``, ``document_version`` and ``anchor_*`` annotated)."""
    row = {field: getattr(obj, field, None) for field in ROW_FIELDS if "__" not in field}
    row["id"] = obj.pk
    row["author__username"] = obj.author.username
    row["author__display_name"] = obj.author.display_name
    return annotation_json_from_row(row)


def annotation_json_from_row(row: dict) -> dict:
    """The same shape from a ``values(*ROW_FIELDS)`` row of a selector's queryset."""
    deleted = row["deleted_at"] is not None
    placeholder = DELETED_TEXT if deleted else (HIDDEN_TEXT if row.get("redacted") else None)
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
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": row["exact"],
                    "prefix": row["prefix"],
                    "suffix": row["suffix"],
                },
                {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
            ]
            if has_target
            else []
        },  # fmt: skip
        "body": placeholder or row["body"],
        "body_html": f"<p>{placeholder}</p>" if placeholder else row["body_html"],
        "tags": [] if placeholder else list(row["tags"]),
        "motivation": row["motivation"],
        "visibility": row["visibility"],
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


# --- W3C Web Annotation JSON-LD ---------------------------------------------------------


def annotation_url(request, annotation_id: int) -> str:
    return absolute_url(reverse("api-annotation-detail", args=[annotation_id]))


def annotation_jsonld(annotation: Annotation, request, *, with_context: bool = True) -> dict:
    """One annotation in the W3C Web Annotation Data Model."""
    data: dict = {}
    if with_context:
        data["@context"] = ANNO_CONTEXT
    data.update(
        {
            "id": annotation_url(request, annotation.pk),
            "type": "Annotation",
            "motivation": annotation.motivation,
            "created": annotation.created.isoformat(),
            "modified": annotation.modified.isoformat(),
        }
    )
    bodies = []
    placeholder = placeholder_text(annotation)
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
    source_url = absolute_url(reverse("sources:reader", kwargs={"slug": annotation.source_slug}))
    if annotation.is_reply:
        data["target"] = annotation_url(request, annotation.parent_id)
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
            "selector": selectors_json(annotation),
        }
    else:
        data["target"] = source_url
    return data


def _page_url(request, page_number: int | None) -> str:
    query = request.query_params.copy()
    query.pop("page", None)
    if page_number is not None:
        query["page"] = str(page_number)
    base = absolute_url(request.path)
    return f"{base}?{query.urlencode()}" if query else base


def collection_jsonld(request, queryset, paginator: PageNumberPagination, label: str) -> dict:
    """AnnotationCollection (no ``page`` asked) or AnnotationPage (``page`` asked), per the
    W3C Web Annotation Protocol: ``first``/``last`` on the collection, ``next``/``prev``/
    ``partOf``/``startIndex`` on pages."""
    page = paginator.paginate_queryset(queryset, request)
    django_page = paginator.page
    total = django_page.paginator.count
    collection_id = _page_url(request, None)
    page_json: dict = {
        "id": _page_url(request, django_page.number),
        "type": "AnnotationPage",
        "startIndex": django_page.start_index() - 1 if total else 0,
        "items": [annotation_jsonld(a, request, with_context=False) for a in page],
    }
    if django_page.has_next():
        page_json["next"] = _page_url(request, django_page.next_page_number())
    if django_page.has_previous():
        page_json["prev"] = _page_url(request, django_page.previous_page_number())
    if paginator.page_query_param in request.query_params:
        return {
            "@context": ANNO_CONTEXT,
            **page_json,
            "partOf": {"id": collection_id, "type": "AnnotationCollection", "total": total},
        }
    return {
        "@context": [ANNO_CONTEXT, LDP_CONTEXT],
        "id": collection_id,
        "type": ["BasicContainer", "AnnotationCollection"],
        "label": label,
        "total": total,
        "first": page_json,
        "last": _page_url(request, django_page.paginator.num_pages),
    }


# --- Input ----------------------------------------------------------------------------------


def parse_target(value) -> tuple[TextQuoteSelector | None, TextPositionSelector | None]:
    """{"selector": [...]} (or one selector object) -> the two selector dataclasses."""
    if not isinstance(value, dict) or "selector" not in value:
        raise APIValidationError({"target": _('target must be an object with a "selector" list.')})
    items = value["selector"]
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise APIValidationError({"target": _("target.selector must be a non-empty list.")})
    quote = position = None
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "TextQuoteSelector":
            exact, prefix, suffix = (item.get(k, "") for k in ("exact", "prefix", "suffix"))
            if quote is not None or not all(isinstance(v, str) for v in (exact, prefix, suffix)):
                raise APIValidationError(
                    {"target": _("Send one TextQuoteSelector with text exact, prefix and suffix.")}
                )
            quote = TextQuoteSelector(exact, prefix, suffix)
        elif kind == "TextPositionSelector":
            start, end = item.get("start"), item.get("end")
            valid = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end))
            if position is not None or not valid:
                raise APIValidationError(
                    {"target": _("Send one TextPositionSelector with whole-number start and end.")}
                )
            position = TextPositionSelector(start, end)
        else:
            raise APIValidationError(
                {
                    "target": _(
                        "Unknown selector type %(type)s; use TextQuoteSelector or "
                        "TextPositionSelector."
                    )
                    % {"type": repr(kind)}
                }
            )
    return quote, position


class TagListField(serializers.ListField):
    child = serializers.CharField(allow_blank=True, trim_whitespace=False)


class AnnotationCreateSerializer(serializers.Serializer):
    """POST body. A reply sends ``parent`` (and no source/target); a source note sends
    ``source`` and no target."""

    source = serializers.SlugField(required=False)
    version = serializers.IntegerField(required=False, min_value=1)
    target = TargetSerializer(required=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    tags = TagListField(required=False)
    motivation = serializers.CharField(required=False)
    visibility = serializers.CharField(required=False)
    parent = serializers.IntegerField(required=False)

    def to_internal_value(self, data):
        # The target is validated by parse_target (clearer messages than nested fields),
        # and body/motivation/visibility by the service, so errors read the same everywhere.
        target = data.get("target") if hasattr(data, "get") else None
        data = {k: v for k, v in data.items() if k != "target"} if hasattr(data, "items") else data
        validated = super().to_internal_value(data)
        if target is not None:
            validated["target"] = parse_target(target)
        return validated


class AnnotationUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    tags = TagListField(required=False)
    motivation = serializers.CharField(required=False)
    visibility = serializers.CharField(required=False)


class ReattachSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    target = TargetSerializer()

    def to_internal_value(self, data):
        target = data.get("target") if hasattr(data, "get") else None
        validated = super().to_internal_value(
            {k: v for k, v in data.items() if k != "target"} | {"target": {"selector": []}}
        )
        validated["target"] = parse_target(target)
        return validated


class AnnotationFilterSerializer(serializers.Serializer):
    source = serializers.SlugField(required=False, help_text="Source slug.")
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text="Version number (needs source): annotations placed on it, anchors there.",
    )  # fmt: skip
    passage = serializers.IntegerField(required=False, help_text="Passage id.")
    tag = serializers.CharField(required=False)
    author = serializers.CharField(required=False, help_text="Username.")
    visibility = serializers.ChoiceField(required=False, choices=Visibility.choices)
    thread = serializers.IntegerField(required=False, help_text="Thread root id: root + replies.")

    def validate(self, attrs):
        if "version" in attrs and "source" not in attrs:
            raise serializers.ValidationError({"version": _("Filtering by version needs source.")})
        return attrs


def _document_for(source, version: int | None) -> Document:
    try:
        return source_selectors.document_for_reader(source=source, version=version)
    except Http404 as exc:
        raise APIValidationError(
            {"version": _("This source has no ready version %(v)s.") % {"v": version or ""}}
        ) from exc


def _source_for(slug: str):
    try:
        return source_selectors.source_get(slug=slug)
    except Http404 as exc:
        raise APIValidationError({"source": _("No source with this slug.")}) from exc


# --- Views ----------------------------------------------------------------------------------


class AnnotationAPIView(APIView):
    renderer_classes = [JSONRenderer, JSONLDRenderer]
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_classes = [AnnotationWriteThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if _wants_jsonld(request) and isinstance(response, Response):
            response.content_type = JSONLD_CONTENT_TYPE
        patch_vary_headers(response, ["Accept"])
        return response

    def _out(self, request, annotation: Annotation, status_code=status.HTTP_200_OK) -> Response:
        if _wants_jsonld(request):
            return Response(annotation_jsonld(annotation, request), status=status_code)
        return Response(AnnotationSerializer(annotation).data, status=status_code)


class AnnotationListAPI(AnnotationAPIView):
    """Annotations you may see (public ones and your own private ones)."""

    pagination_class = StandardPagination

    @extend_schema(
        parameters=[AnnotationFilterSerializer],
        responses={
            (200, "application/json"): AnnotationSerializer(many=True),
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
        },
        description="Paginated ({count, next, previous, results}); with the W3C Accept header "
        "(or ?format=jsonld) an AnnotationCollection / AnnotationPage.",
    )
    def get(self, request):
        filters = AnnotationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        source = document = None
        if "source" in params:
            source = _source_for(params["source"])
            if "version" in params:
                document = _document_for(source, params["version"])
        queryset = selectors.annotation_list(
            viewer=request.user,
            source=source,
            document=document,
            passage_id=params.get("passage"),
            tag=params.get("tag", ""),
            author_username=params.get("author", ""),
            visibility=params.get("visibility", ""),
            thread_id=params.get("thread"),
            hidden_placeholders=True,  # blanked by annotation_json / annotation_jsonld
        )
        paginator = self.pagination_class()
        if _wants_jsonld(request):
            return Response(collection_jsonld(request, queryset, paginator, _("Annotations")))
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(AnnotationSerializer(page, many=True).data)

    @extend_schema(request=AnnotationCreateSerializer, responses={201: AnnotationSerializer})
    def post(self, request):
        data = AnnotationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        common = {
            "body": values.get("body", ""),
            "tags": values.get("tags", []),
        }
        if "parent" in values:
            parent = Annotation.objects.filter(pk=values["parent"]).first()
            if parent is None:
                raise APIValidationError(
                    {"parent": _("The annotation you reply to does not exist.")}
                )
            annotation = services.annotation_reply(
                author=request.user, parent=parent, visibility=values.get("visibility"), **common
            )
        else:
            if "source" not in values:
                raise APIValidationError({"source": _("Say which source (its slug).")})
            source = _source_for(values["source"])
            document = _document_for(source, values.get("version"))
            quote, position = values.get("target", (None, None))
            annotation = services.annotation_create(
                author=request.user,
                document=document,
                quote=quote,
                position=position,
                source_note="target" not in values,
                motivation=values.get("motivation", Motivation.COMMENTING),
                visibility=values.get("visibility", Visibility.PUBLIC),
                **common,
            )
        annotation = selectors.annotation_get(viewer=request.user, annotation_id=annotation.pk)
        return self._out(request, annotation, status.HTTP_201_CREATED)


class PreviewSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=10_000)


class PreviewOutputSerializer(serializers.Serializer):
    body_html = serializers.CharField()


class AnnotationPreviewAPI(APIView):
    """Render a comment's Markdown as it would be stored (sanitised); stores nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=PreviewSerializer, responses={200: PreviewOutputSerializer})
    def post(self, request):
        data = PreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"body_html": render_markdown(data.validated_data["body"])})


class AnnotationDetailAPI(AnnotationAPIView):
    """One annotation. Someone else's private annotation is a 404."""

    @extend_schema(responses={200: AnnotationSerializer})
    def get(self, request, pk: int):
        return self._out(request, selectors.annotation_get(viewer=request.user, annotation_id=pk))

    @extend_schema(request=AnnotationUpdateSerializer, responses={200: AnnotationSerializer})
    def patch(self, request, pk: int):
        annotation = selectors.annotation_get(viewer=request.user, annotation_id=pk)
        data = AnnotationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.annotation_update(annotation=annotation, user=request.user, **data.validated_data)
        return self._out(request, selectors.annotation_get(viewer=request.user, annotation_id=pk))

    @extend_schema(responses={204: OpenApiResponse(description="Deleted.")})
    def delete(self, request, pk: int):
        annotation = selectors.annotation_get(viewer=request.user, annotation_id=pk)
        services.annotation_delete(annotation=annotation, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnnotationModerateAPI(AnnotationAPIView):
    """Moderators hide or restore an annotation."""

    permission_classes = [IsAuthenticated]
    moderation_action = "hide"

    @extend_schema(request=None, responses={200: AnnotationSerializer})
    def post(self, request, pk: int):
        annotation = selectors.annotation_get(viewer=request.user, annotation_id=pk)
        service = (
            services.annotation_hide
            if self.moderation_action == "hide"
            else services.annotation_restore
        )
        service(annotation=annotation, moderator=request.user)
        return self._out(request, selectors.annotation_get(viewer=request.user, annotation_id=pk))


class AnnotationReattachAPI(AnnotationAPIView):
    """Place an annotation by hand in a version (orphan repair): author or moderator."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReattachSerializer, responses={200: AnnotationSerializer})
    def post(self, request, pk: int):
        annotation = selectors.annotation_get(viewer=request.user, annotation_id=pk)
        data = ReattachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = source_selectors.source_get(slug=annotation.source_slug)
        document = _document_for(source, data.validated_data["version"])
        quote, position = data.validated_data["target"]
        services.annotation_reattach(
            annotation=annotation, user=request.user, document=document, quote=quote,
            position=position,
        )  # fmt: skip
        refreshed = selectors.with_anchor(
            selectors.annotations_visible(viewer=request.user), document_id=document.pk
        ).get(pk=pk)
        return self._out(request, refreshed)


# --- Export ---------------------------------------------------------------------------------

CSV_COLUMNS = [
    "id", "thread", "parent", "version", "author", "created", "modified", "motivation",
    "visibility", "tags", "exact", "start", "end", "current_anchor_status", "body",
]  # fmt: skip


class SourceAnnotationExportAPI(AnnotationAPIView):
    """All annotations of a source that you may see, as one JSON-LD AnnotationCollection
    (``.jsonld``) or CSV (``.csv``), for download."""

    export_format = "jsonld"

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, slug: str):
        source = source_selectors.source_get(slug=slug)
        queryset = selectors.annotations_for_export(viewer=request.user, source=source)
        filename = f"{source.slug}-annotations.{self.export_format}"
        if self.export_format == "csv":
            writer = csv_safe.writer(csv_safe.Echo())  # formulas defused
            rows = (writer.writerow(self._csv_row(a)) for a in queryset.iterator(chunk_size=500))
            response = StreamingHttpResponse(
                _with_header(writer.writerow(CSV_COLUMNS), rows),
                content_type="text/csv; charset=utf-8",
            )
        else:
            items = [annotation_jsonld(a, request, with_context=False) for a in queryset]
            collection_id = absolute_url(request.path)
            response = Response(
                {
                    "@context": [ANNO_CONTEXT, LDP_CONTEXT],
                    "id": collection_id,
                    "type": ["BasicContainer", "AnnotationCollection"],
                    "label": _("Annotations on %(title)s") % {"title": source.title},
                    "total": len(items),
                    "first": {
                        "id": collection_id + "#page1",
                        "type": "AnnotationPage",
                        "startIndex": 0,
                        "items": items,
                    },
                },
                content_type=JSONLD_CONTENT_TYPE,
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def perform_content_negotiation(self, request, force=False):
        # Downloads ignore Accept: the URL says the format.
        renderer = JSONLDRenderer()
        return renderer, renderer.media_type

    @staticmethod
    def _csv_row(a: Annotation) -> list:
        return [
            a.pk, a.thread_id_or_self, a.parent_id, a.document_version, a.author.username,
            a.created.isoformat(), a.modified.isoformat(), a.motivation, a.visibility,
            "; ".join(a.tags), a.exact, a.start, a.end, getattr(a, "anchor_status", None) or "",
            a.body,
        ]  # fmt: skip


def _with_header(header, rows):
    yield header
    yield from rows
