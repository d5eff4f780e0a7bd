"""What changed between two versions of a source, passage by passage and word by word."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.site import absolute_url

from .. import selectors


def diff_payload(result, request) -> dict:
    """The diff as JSON: the two versions, the counts and every passage in the new
    version's order (removed ones where they were); ``ops`` are [op, text] pairs."""

    def version(document) -> dict:
        return {
            "version": document.version,
            "status": str(document.status),
            "url": absolute_url(document.get_absolute_url()),
        }

    return {
        "source": result.to_document.source.slug,
        "from": version(result.from_document),
        "to": version(result.to_document),
        "counts": result.counts,
        "passages": [
            {
                "status": entry.status,
                "changed": entry.changed,
                "from": entry.old,
                "to": entry.new,
                "ops": [[op, text] for op, text in entry.ops],
            }
            for entry in result.entries
        ],
    }


class SourceDiffAPI(APIView):
    """``?from=1&to=2``: what changed between two versions, passage by passage and word by
    word (``to`` defaults to the current version, ``from`` to the version it was proposed
    against or the published one before it). 400 for a malformed number, 404 for a
    version that does not exist or that the caller may not read."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, OpenApiParameter.QUERY, required=False),
            OpenApiParameter("to", int, OpenApiParameter.QUERY, required=False),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, slug: str):
        source = selectors.source_get(slug=slug, viewer=request.user)
        try:
            result = selectors.version_diff(
                source=source,
                from_version=request.query_params.get("from"),
                to_version=request.query_params.get("to"),
                viewer=request.user,
            )
        except selectors.DiffInputError as exc:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
        return Response(diff_payload(result, request))
