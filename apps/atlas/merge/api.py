"""REST API for merging duplicate entries and undoing a merge. Thin: parse input, call
merge/selectors.py or merge/services.py, shape output.

GET /api/examples/<id>/merge/?into=<id> (the two entries field by field);
POST /api/examples/<id>/merge/ {"into", "reason", "fields"}. POST /api/merges/<id>/undo/
{"reason"}.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..entries.services import StaleVersion
from ..lifecycle.services import event_json
from ..models import Example, ExampleMerge
from . import selectors, services


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
    lifecycle_events_added = serializers.SerializerMethodField(
        help_text="The duplicate's dated lifecycle changes the kept entry gains."
    )
    credited = serializers.ListField(child=serializers.CharField())
    credited_by_name = serializers.SerializerMethodField(
        help_text="Name-only credits (from an imported file) the kept entry gains."
    )

    def get_credited_by_name(self, plan) -> list[dict]:
        return [{"name": c["name"], "orcid": c["orcid"]} for c in plan.recorded_credited]

    def get_choices_needed(self, plan) -> list[str]:
        return [row.key for row in plan.differing if row.default is None]

    def get_evidence_added(self, plan) -> list[str]:
        return [evidence.title for evidence in plan.new_evidence]

    def get_passages_added(self, plan) -> list[int]:
        return [link.passage_id for link in plan.new_links]

    def get_lifecycle_events_added(self, plan) -> list[dict]:
        return [event_json(event) for event in plan.new_events]


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
            "added_passages", "added_credits", "added_lifecycle_events", "moved_comments", "field_choices", "field_changes",
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
        plan = selectors.merge_preview(
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
            merge = services.example_merge(
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
        merge = services.example_unmerge(
            actor=request.user, merge=merge, reason=serializer.validated_data["reason"]
        )
        return Response(MergeOutputSerializer(merge).data)
