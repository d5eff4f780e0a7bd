"""The annotation endpoints (thin: parse, call one service or selector, shape): list and
create, detail, edit and delete, preview, hide and restore, re-attach.

Plain JSON by default. With ``Accept: application/ld+json;
profile="http://www.w3.org/ns/anno.jsonld"`` the same URLs answer in the W3C Web
Annotation Data Model, lists as an AnnotationCollection of AnnotationPages (W3C Web
Annotation Protocol). See docs/annotations.md.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import StandardPagination
from apps.common.http_cache import public_api
from apps.common.markdown import render_markdown
from apps.common.site import absolute_url
from apps.common.throttles import write_throttle
from apps.sources import selectors as source_selectors
from apps.sources.models import Document

from .. import group_selectors, selectors, services
from ..models import Annotation, Motivation, Visibility
from ..representation import (
    ANNO_CONTEXT,
    annotation_collection,
    annotation_jsonld,
    annotation_page,
)
from .serializers import (
    AnnotationCreateSerializer,
    AnnotationFilterSerializer,
    AnnotationSerializer,
    AnnotationUpdateSerializer,
    PreviewOutputSerializer,
    PreviewSerializer,
    ReattachSerializer,
)

JSONLD_CONTENT_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'


class JSONLDRenderer(JSONRenderer):
    """Chosen for ``application/ld+json`` (with or without the anno profile)."""

    media_type = "application/ld+json"
    format = "jsonld"


def _wants_jsonld(request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return renderer is not None and renderer.format == "jsonld"


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
    page_json = annotation_page(
        page_id=_page_url(request, django_page.number),
        items=[annotation_jsonld(a, with_context=False) for a in page],
        start_index=django_page.start_index() - 1 if total else 0,
        next_url=_page_url(request, django_page.next_page_number())
        if django_page.has_next()
        else None,
        prev_url=_page_url(request, django_page.previous_page_number())
        if django_page.has_previous()
        else None,
    )
    if paginator.page_query_param in request.query_params:
        return {
            "@context": ANNO_CONTEXT,
            **page_json,
            "partOf": {"id": collection_id, "type": "AnnotationCollection", "total": total},
        }
    return annotation_collection(
        collection_id=collection_id,
        label=label,
        total=total,
        first=page_json,
        last=_page_url(request, django_page.paginator.num_pages),
    )


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
    # Writes (POST, PATCH, DELETE) only: apps/common/throttles.py, kind "annotation".
    throttle_classes = [write_throttle("annotation")]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if _wants_jsonld(request) and isinstance(response, Response):
            response.content_type = JSONLD_CONTENT_TYPE
        patch_vary_headers(response, ["Accept"])
        return response

    def _out(self, request, annotation: Annotation, status_code=status.HTTP_200_OK) -> Response:
        if _wants_jsonld(request):
            return Response(annotation_jsonld(annotation), status=status_code)
        return Response(AnnotationSerializer(annotation).data, status=status_code)


# What the public annotation list reads: annotations, where they sit, in which source and
# version, by whom, and what moderation hides.
ANNOTATION_LIST_DEPENDS_ON = (
    "annotations.Annotation",
    "annotations.AnnotationAnchor",
    "sources.Source",
    "sources.Document",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
    "contenttypes.ContentType",
)


@public_api(depends_on=ANNOTATION_LIST_DEPENDS_ON)
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
            group_slug=params.get("group", ""),
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
            group = None
            if values.get("group"):
                group = group_selectors.group_for_member(user=request.user, slug=values["group"])
                if group is None:
                    raise APIValidationError({"group": _("Choose one of your reading groups.")})
            annotation = services.annotation_create(
                group=group,
                author=request.user,
                document=document,
                quote=quote,
                position=position,
                source_note="target" not in values,
                motivation=values.get("motivation", Motivation.COMMENTING),
                visibility=values.get("visibility", Visibility.PUBLIC),
                **common,
            )
            annotation = selectors.annotation_as_written(
                viewer=request.user, annotation=annotation, source=source
            )
            return self._out(request, annotation, status.HTTP_201_CREATED)
        annotation = selectors.annotation_get(viewer=request.user, annotation_id=annotation.pk)
        return self._out(request, annotation, status.HTTP_201_CREATED)


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
    """Moderators hide or restore an annotation; in a reading group, its owners and
    moderators do (site moderators never reach a group's note here: it is a 404 to
    them unless they are members)."""

    permission_classes = [IsAuthenticated]
    moderation_action = "hide"

    @extend_schema(request=None, responses={200: AnnotationSerializer})
    def post(self, request, pk: int):
        annotation = selectors.annotation_get(viewer=request.user, annotation_id=pk)
        hide = self.moderation_action == "hide"
        if annotation.visibility == Visibility.GROUP:
            service = services.group_annotation_hide if hide else services.group_annotation_restore
            service(annotation=annotation, actor=request.user)
        else:
            service = services.annotation_hide if hide else services.annotation_restore
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
