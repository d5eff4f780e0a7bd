"""REST API for entry history, restore and duplicate merges. Thin: parse input, call
apps/atlas/history.py or merging.py, shape output.

GET /api/examples/<id>/history/ (?page=): versions newest first, with their changes.
POST /api/examples/<id>/restore/ {"history_id", "reason"} (If-Match or "version": the
version you looked at; stale is a 409). GET /api/examples/<id>/merge/?into=<id> (the two
entries field by field); POST /api/examples/<id>/merge/ {"into", "reason", "fields"}.
POST /api/merges/<id>/undo/ {"reason"}.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import history, merging
from .api import ExampleOutputSerializer, _conflict_response, _etag, _if_match_version
from .models import Example, ExampleMerge
from .selectors import _with_details
from .services import StaleVersion


def _entry_response(request, example_id: int) -> Response:
    example = _with_details(Example.objects.all()).get(pk=example_id)
    response = Response(ExampleOutputSerializer(example, context={"request": request}).data)
    response["ETag"] = _etag(example.version)
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
        example = history.example_for_history(viewer=request.user, example_id=pk)
        page = history.example_history(example=example, page=request.query_params.get("page", 1))
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
        example = history.example_for_history(viewer=request.user, example_id=pk)
        serializer = RestoreInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = _if_match_version(request)
        if expected is None:
            expected = data.get("version")
        try:
            history.example_restore_version(
                actor=request.user,
                example=example,
                history_id=data["history_id"],
                reason=data["reason"],
                expected_version=expected,
            )
        except StaleVersion as exc:
            return _conflict_response(request, example, exc)
        return _entry_response(request, example.pk)


class MergeInputSerializer(serializers.Serializer):
    into = serializers.CharField()
    reason = serializers.CharField(allow_blank=True, default="")
    fields = serializers.JSONField(
        required=False,
        default=dict,
        help_text=(
            'Which value the kept entry takes where the two differ: {"legal_basis": '
            '"source"|"target", ...}. Fields where one says "unknown" default to the known '
            "value; identical fields need no choice."
        ),
    )
    source_version = serializers.IntegerField(
        required=False, help_text="The version of this entry you compared (409 if it moved)."
    )
    target_version = serializers.IntegerField(
        required=False, help_text="The version of the other entry you compared (409 if it moved)."
    )


class FieldComparisonSerializer(serializers.Serializer):
    field = serializers.CharField(source="key")
    label = serializers.CharField()
    source = serializers.CharField(source="source_display")
    target = serializers.CharField(source="target_display")
    differs = serializers.BooleanField()
    default = serializers.CharField(allow_null=True)


class MergePreviewSerializer(serializers.Serializer):
    source = serializers.IntegerField(source="source.pk")
    target = serializers.IntegerField(source="target.pk")
    source_version = serializers.IntegerField(source="source.version")
    target_version = serializers.IntegerField(source="target.version")
    fields = FieldComparisonSerializer(many=True)
    choices_needed = serializers.SerializerMethodField()
    evidence_added = serializers.SerializerMethodField()
    passages_added = serializers.SerializerMethodField()
    credited = serializers.ListField(child=serializers.CharField())

    def get_choices_needed(self, plan) -> list[str]:
        return [row.key for row in plan.differing if row.default is None]

    def get_evidence_added(self, plan) -> list[str]:
        return [evidence.title for evidence in plan.new_evidence]

    def get_passages_added(self, plan) -> list[int]:
        return [link.passage_id for link in plan.new_links]


class UndoInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="")


class MergeOutputSerializer(serializers.ModelSerializer):
    source = serializers.IntegerField(source="source_id")
    target = serializers.IntegerField(source="target_id")
    undo_url = serializers.SerializerMethodField()

    class Meta:
        model = ExampleMerge
        fields = [
            "id", "source", "target", "reason", "created", "source_status", "added_evidence",
            "added_passages", "moved_comments", "field_choices", "field_changes",
            "moved_suggestions", "declined_suggestions", "undone_at", "undo_reason", "undo_url",
        ]  # fmt: skip

    def get_undo_url(self, merge) -> str:
        return reverse("api-merge-undo", kwargs={"pk": merge.pk})


class ExampleMergeAPI(APIView):
    """Merge this entry (a duplicate) into ``into`` (moderators of both entries'
    countries). GET ``?into=<id>``: the two entries field by field (``fields``, with the
    default side and ``choices_needed``: the fields that differ with no default) and what
    else would move. POST: 201 with the merge record. 403 for non-moderators and
    moderators of other countries; 400 for no reason, the entry itself, a merged or
    unknown target, or a differing field without a choice (``errors`` names each as
    ``fields.<name>``); 409 if ``source_version``/``target_version`` moved since."""

    @extend_schema(
        parameters=[OpenApiParameter("into", str, required=True)],
        responses=MergePreviewSerializer,
    )
    def get(self, request, pk: int):
        source = get_object_or_404(Example, pk=pk)
        plan = merging.merge_preview(
            actor=request.user, source=source, target_id=request.query_params.get("into", "")
        )
        return Response(MergePreviewSerializer(plan).data)

    @extend_schema(request=MergeInputSerializer, responses={201: MergeOutputSerializer})
    def post(self, request, pk: int):
        source = get_object_or_404(Example, pk=pk)
        serializer = MergeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            merge = merging.example_merge(
                actor=request.user,
                source=source,
                target_id=data["into"],
                reason=data["reason"],
                fields=data["fields"],
                source_version=data.get("source_version"),
                target_version=data.get("target_version"),
            )
        except StaleVersion as exc:
            return Response(
                {"detail": exc.messages[0], "errors": {"version": exc.messages}},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(MergeOutputSerializer(merge).data, status=status.HTTP_201_CREATED)


class MergeUndoAPI(APIView):
    """Undo a merge: the duplicate is its own entry again, with its own evidence, links
    and comments."""

    @extend_schema(request=UndoInputSerializer, responses=MergeOutputSerializer)
    def post(self, request, pk: int):
        merge = get_object_or_404(ExampleMerge, pk=pk)
        serializer = UndoInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merge = merging.example_unmerge(
            actor=request.user, merge=merge, reason=serializer.validated_data["reason"]
        )
        return Response(MergeOutputSerializer(merge).data)
