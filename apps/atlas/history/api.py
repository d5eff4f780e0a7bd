"""REST API for an entry's history and restoring a version. Thin: parse input, call
history/selectors.py or history/services.py, shape output.

GET /api/examples/<id>/history/ (?page=): versions newest first, with their changes.
POST /api/examples/<id>/restore/ {"history_id", "reason"} (If-Match or "version": the
version you looked at; stale is a 409).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..entries.api import ExampleOutputSerializer, conflict_response, etag, if_match_version
from ..entries.selectors import with_details
from ..entries.services import StaleVersion
from ..models import Example
from . import selectors, services


def _entry_response(request, example_id: int) -> Response:
    example = with_details(Example.objects.all()).get(pk=example_id)
    response = Response(ExampleOutputSerializer(example, context={"request": request}).data)
    response["ETag"] = etag(example.version)
    return response


class ChangeOutputSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class VersionOutputSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    version = serializers.IntegerField(source="row.version")
    status = serializers.CharField(source="row.status")
    date = serializers.DateTimeField()
    user = serializers.SerializerMethodField()
    reason = serializers.CharField()
    kind = serializers.CharField()
    changes = ChangeOutputSerializer(many=True)
    evidence_added = serializers.ListField(
        child=serializers.CharField(), source="extra.evidence_added"
    )
    evidence_removed = serializers.ListField(
        child=serializers.CharField(), source="extra.evidence_removed"
    )
    passages_added = serializers.ListField(
        child=serializers.CharField(), source="extra.passages_added"
    )
    passages_removed = serializers.ListField(
        child=serializers.CharField(), source="extra.passages_removed"
    )

    def get_user(self, version) -> str | None:
        return version.user.public_name if version.user is not None else None


class ExampleHistoryAPI(APIView):
    """Every version of an entry, newest first, 20 a page (``?page=``). Public for
    published entries; others for their author and moderators (404 otherwise)."""

    @extend_schema(responses=VersionOutputSerializer(many=True))
    def get(self, request, pk: int):
        example = selectors.example_for_history(viewer=request.user, example_id=pk)
        page = selectors.example_history(example=example, page=request.query_params.get("page", 1))
        return Response(
            {
                "count": page.total,
                "page": page.number,
                "num_pages": page.num_pages,
                "results": VersionOutputSerializer(page.versions, many=True).data,
            }
        )


class RestoreInputSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class ExampleRestoreAPI(APIView):
    """Restore an earlier version as a new one (moderators in the entry's scope). 400: no
    reason, a version of another entry, the current version; 409: the entry changed since
    the version you send (If-Match or ``version``)."""

    @extend_schema(request=RestoreInputSerializer, responses=ExampleOutputSerializer)
    def post(self, request, pk: int):
        example = selectors.example_for_history(viewer=request.user, example_id=pk)
        serializer = RestoreInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = if_match_version(request)
        if expected is None:
            expected = data.get("version")
        try:
            services.example_restore_version(
                actor=request.user,
                example=example,
                history_id=data["history_id"],
                reason=data["reason"],
                expected_version=expected,
            )
        except StaleVersion as exc:
            return conflict_response(request, example, exc)
        return _entry_response(request, example.pk)
