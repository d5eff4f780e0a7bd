"""REST API for suggested edits to an entry. Thin: the rules are the services' and
selectors' (the same as the entry page's and the moderation queue's).

GET/POST /api/examples/<id>/suggestions/, POST /api/suggestions/<id>/decide/.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.throttles import check_request_rate

from ..entries.api import conflict_response
from ..entries.selectors import example_get
from ..entries.services import StaleVersion
from ..permissions import can_decide_suggestion
from . import selectors, services


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class SuggestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    proposer = serializers.CharField(allow_null=True, help_text="Username.")
    changes = serializers.DictField(help_text="The proposed values, by entry field name.")
    comment = serializers.CharField()
    base_version = serializers.IntegerField(help_text="The entry version it was made on.")
    created = serializers.DateTimeField()
    diff = FieldChangeSerializer(many=True, help_text="Field by field against the entry now.")
    can_decide = serializers.BooleanField(help_text="Whether you may accept or decline it.")


class SuggestionInputSerializer(serializers.Serializer):
    changes = serializers.DictField(
        help_text="New values for some of the entry's fields (the names and formats of "
        "POST /api/examples/); only values that differ are kept."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    version = serializers.IntegerField(
        required=False,
        help_text="accept: the entry version you were shown (default: the version the "
        "suggestion was made on); 409 with what changed if the entry moved since.",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="reject: read by the proposer."
    )


def suggestion_json(suggestion, *, viewer) -> dict:
    return {
        "id": suggestion.pk,
        "proposer": suggestion.proposer.username if suggestion.proposer else None,
        "changes": suggestion.changes,
        "comment": suggestion.comment,
        "base_version": suggestion.base_version,
        "created": suggestion.created,
        "diff": [
            {"field": c.field, "label": str(c.label), "before": c.before, "after": c.after}
            for c in getattr(suggestion, "diff", [])
        ],
        "can_decide": can_decide_suggestion(user=viewer, suggestion=suggestion),
    }


class SuggestionListCreateAPI(APIView):
    """Open suggestions on an entry: all of them for its author and moderators, your own
    for a proposer, none for anyone else (an empty list)."""

    @extend_schema(responses=SuggestionOutputSerializer(many=True))
    def get(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        suggestions = selectors.suggestions_for_example(example=example, viewer=request.user)
        for suggestion in suggestions:
            suggestion.example = example  # loaded already: no query per suggestion
        rows = [suggestion_json(s, viewer=request.user) for s in suggestions]
        return Response(SuggestionOutputSerializer(rows, many=True).data)

    @extend_schema(request=SuggestionInputSerializer, responses={201: SuggestionOutputSerializer})
    def post(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        serializer = SuggestionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if request.user.is_authenticated:  # the service answers 403 for anonymous writes
            check_request_rate(request, "suggestion")  # RateLimited: 429 + Retry-After
        suggestion = services.suggestion_create(
            proposer=request.user,
            example=example,
            changes=serializer.validated_data["changes"],
            comment=serializer.validated_data["comment"],
        )
        suggestion = next(
            s
            for s in selectors.suggestions_for_example(example=example, viewer=request.user)
            if s.pk == suggestion.pk
        )
        return Response(
            SuggestionOutputSerializer(suggestion_json(suggestion, viewer=request.user)).data,
            status=status.HTTP_201_CREATED,
        )


class SuggestionDecideAPI(APIView):
    @extend_schema(request=DecisionInputSerializer, responses={200: None, 409: None})
    def post(self, request, pk: int):
        """Accept (applied to the entry as a new version) or decline with a reason. The
        entry's author decides on others' suggestions; moderators of its country on all."""
        suggestion = selectors.suggestion_get(viewer=request.user, suggestion_id=pk)
        serializer = DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["decision"] == "accept":
            try:
                decided = services.suggestion_accept(
                    actor=request.user, suggestion=suggestion, expected_version=data.get("version")
                )
            except StaleVersion as exc:
                return conflict_response(request, suggestion.example, exc)
        else:
            decided = services.suggestion_reject(
                actor=request.user, suggestion=suggestion, reason=data["reason"]
            )
        return Response(
            {
                "id": decided.pk,
                "status": decided.status,
                "applied_version": decided.applied_version,
                "reason": decided.reason,
            }
        )
