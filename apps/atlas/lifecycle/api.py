"""REST API of an entry's dated lifecycle changes.

GET /api/examples/<id>/lifecycle/: the changes, oldest first (whoever may see the entry).
POST the same address {"state", "date", "evidence_title", "evidence_url",
"evidence_publisher"?, "evidence_published"?, "note"?}: record one (the entry's editors).
PATCH /api/examples/<id>/lifecycle/<event_id>/ (the same keys, all optional): correct
one; DELETE the same address: remove one (the entry's editors). POST, PATCH and DELETE
take an optional "reason" for the moderation log. The latest change sets the entry's
coded lifecycle (services.py).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from ..entries.selectors import example_get
from . import services


class LifecycleEventInputSerializer(serializers.Serializer):
    state = serializers.CharField(max_length=20)
    date = serializers.CharField(max_length=10)
    evidence_title = serializers.CharField(max_length=500)
    evidence_url = serializers.CharField(max_length=1000)
    evidence_publisher = serializers.CharField(max_length=300, required=False, allow_blank=True)
    evidence_published = serializers.CharField(max_length=10, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


def _data(validated: dict) -> tuple[services.LifecycleEventData, str]:
    values = dict(validated)
    reason = values.pop("reason", "")
    return services.LifecycleEventData(**values), reason


class LifecycleEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    date = serializers.CharField()
    precision = serializers.CharField()
    evidence_title = serializers.CharField()
    evidence_url = serializers.CharField()
    evidence_publisher = serializers.CharField()
    evidence_published = serializers.CharField()
    note = serializers.CharField()


def _out(event) -> dict:
    return {"id": event.pk, "precision": event.precision, **services.event_json(event)}


class LifecycleEventListAPI(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=LifecycleEventOutputSerializer(many=True))
    def get(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        return Response([_out(event) for event in example.lifecycle_events.all()])

    @extend_schema(request=LifecycleEventInputSerializer, responses=LifecycleEventOutputSerializer)
    def post(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        # Who may, before what: the services check again, before reading the input.
        services.require_editor(request.user, example)
        data = LifecycleEventInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event_data, reason = _data(data.validated_data)
        event = services.lifecycle_event_add(
            actor=request.user, example=example, data=event_data, reason=reason
        )
        return Response(_out(event), status=201)


class LifecycleEventDetailAPI(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    def _event(self, request, pk: int, event_id: int):
        example = example_get(viewer=request.user, example_id=pk)
        event = example.lifecycle_events.filter(pk=event_id).first()
        if event is None:
            raise Http404(_("No such change of this entry."))
        return example, event

    @extend_schema(
        summary="Correct one dated lifecycle change (the entry's editors)",
        request=LifecycleEventInputSerializer(partial=True),
        responses=LifecycleEventOutputSerializer,
    )
    def patch(self, request, pk: int, event_id: int):
        example, event = self._event(request, pk, event_id)
        services.require_editor(request.user, example)
        data = LifecycleEventInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        # Keys left out keep their value.
        event_data, reason = _data({**services.event_json(event), **data.validated_data})
        event = services.lifecycle_event_update(
            actor=request.user, event=event, data=event_data, reason=reason
        )
        return Response(_out(event))

    @extend_schema(
        summary="Remove one dated lifecycle change (the entry's editors)", responses={204: None}
    )
    def delete(self, request, pk: int, event_id: int):
        _example, event = self._event(request, pk, event_id)
        reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
        services.lifecycle_event_delete(actor=request.user, event=event, reason=str(reason)[:1000])
        return Response(status=204)
