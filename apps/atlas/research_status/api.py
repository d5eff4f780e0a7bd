"""POST /api/atlas/countries/<code>/research/: a country's moderators set or clear
"researched, none found" for a category, with a reason (audit-logged)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..permissions import can_mark_research_status
from . import services


class ResearchStatusInputSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=60)
    none_found = serializers.BooleanField(default=True)
    reason = serializers.CharField(max_length=services.REASON_MAX_LENGTH)


class ResearchStatusOutputSerializer(serializers.Serializer):
    country = serializers.CharField()
    category = serializers.CharField()
    none_found = serializers.BooleanField()
    reason = serializers.CharField()
    date = serializers.DateTimeField(allow_null=True)


class ResearchStatusAPI(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ResearchStatusInputSerializer, responses=ResearchStatusOutputSerializer)
    def post(self, request, code: str):
        # Who may, before what: a non-moderator learns nothing from validation messages.
        if not can_mark_research_status(request.user, code.upper()[:3]):
            raise PermissionDenied(
                _("Only moderators of this country can set its research status.")
            )
        data = ResearchStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # PermissionDenied and ValidationError become 403 and 400 in the site's error
        # shape (apps/common/api.py); nothing is stored then.
        row = services.research_status_mark(
            actor=request.user, country=code[:60], category=values["category"],
            none_found=values["none_found"], note=values["reason"], require_reason=True,
        )  # fmt: skip
        return Response(
            {
                "country": code.upper() if row is None else row.country.code,
                "category": values["category"],
                "none_found": row is not None,
                "reason": values["reason"].strip(),
                "date": row.modified if row is not None else None,
            }
        )
