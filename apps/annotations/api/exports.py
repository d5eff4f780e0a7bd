"""A source's annotations for download: one JSON-LD AnnotationCollection or CSV."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.common import csv_safe
from apps.common.site import absolute_url
from apps.sources import selectors as source_selectors

from .. import selectors
from ..models import Annotation
from ..representation import annotation_collection, annotation_jsonld, annotation_page
from .views import JSONLD_CONTENT_TYPE, AnnotationAPIView, JSONLDRenderer

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
            items = [annotation_jsonld(a, with_context=False) for a in queryset]
            collection_id = absolute_url(request.path)
            response = Response(
                annotation_collection(
                    collection_id=collection_id,
                    label=_("Annotations on %(title)s") % {"title": source.title},
                    total=len(items),
                    first=annotation_page(
                        page_id=collection_id + "#page1", items=items, start_index=0
                    ),
                ),
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
