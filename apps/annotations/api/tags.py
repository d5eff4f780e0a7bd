"""``GET /api/annotations/tags/?q=``: tags in public use across the site that start with
what was typed, most used first (the reader's tags field; static/js/annotations/tags.js).
Public and the same for everyone: cached like any public payload until ``TagUsage``
changes; the answer itself is one indexed prefix query (apps/annotations/tag_selectors.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.http_cache import public_api

from ..tag_selectors import MAX_SUGGESTIONS, tag_suggestions

MAX_TYPED = 64


@public_api(depends_on=("annotations.TagUsage",))
class TagSuggestAPI(APIView):
    permission_classes = [AllowAny]

    class TagSerializer(serializers.Serializer):
        tag = serializers.CharField()
        count = serializers.IntegerField(help_text="Public annotations carrying it")

    class TagListSerializer(serializers.Serializer):
        tags = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        summary="Tags in public use that start with what was typed, most used first",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="At most 64 characters; "
                             "any case; ':' may be typed as '-'."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1–20, default 8"),
        ],
        responses=TagListSerializer,
    )  # fmt: skip
    def get(self, request):
        typed = request.query_params.get("q", "")
        if len(typed) > MAX_TYPED:
            raise exceptions.ValidationError(
                {"q": [_("Type at most %(max)s characters.") % {"max": MAX_TYPED}]}
            )
        try:
            limit = int(request.query_params.get("limit", 8))
        except ValueError:
            raise exceptions.ValidationError({"limit": [_("A whole number.")]}) from None
        if not 1 <= limit <= MAX_SUGGESTIONS:
            raise exceptions.ValidationError(
                {"limit": [_("Between 1 and %(max)s.") % {"max": MAX_SUGGESTIONS}]}
            )
        found = tag_suggestions(typed=typed, limit=limit)
        return Response({"tags": [{"tag": tag, "count": count} for tag, count in found]})
