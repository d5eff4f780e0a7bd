"""REST API for the aggregates: published entries per country, and one country's
counts, research status and entries. Filters as in entries/api.py."""

from __future__ import annotations

from django.http import Http404
from django_countries import countries
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.http_cache import public_api

from .. import as_of
from ..dimensions import Scope
from ..entries.api import FILTER_PARAMETERS, ExampleOutputSerializer, filters_from_request
from ..entries.filters import parse_filters
from ..entries.selectors import example_export_list
from ..research_status.selectors import research_statuses
from . import selectors
from .views import AGGREGATES_DEPENDS_ON


class CountryRowSerializer(serializers.Serializer):
    country = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    categories = serializers.DictField(child=serializers.IntegerField())


class CountryDetailSerializer(CountryRowSerializer):
    supranational = serializers.BooleanField()
    researched_none_found = serializers.ListField(child=serializers.CharField())
    examples = ExampleOutputSerializer(many=True)


@public_api(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
class CountryListAPI(APIView):
    """Published entries per country with a category breakdown (filters honoured)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=CountryRowSerializer(many=True),
        operation_id="atlas_countries_list",
    )
    def get(self, request):
        release = as_of.requested(request)
        filters = filters_from_request(request)
        if release is not None:
            return Response(release.aggregates(filters)["countries"])
        return Response(selectors.atlas_aggregates(filters=filters)["countries"])


@public_api(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
class CountryDetailAPI(APIView):
    """One country (or supranational scope): counts, research status and its entries."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=CountryDetailSerializer)
    def get(self, request, code: str):
        code = code.upper()
        if code not in Scope.values and (len(code) > 3 or not countries.alpha2(code)):
            raise Http404(f"Unknown country code “{code[:10]}”.")
        filters = parse_filters({**request.query_params.dict(), "country": code})
        release = as_of.requested(request)
        if release is not None:
            return Response(self._as_of(release, code, filters))
        row = selectors.country_aggregate(code=code, filters=filters)
        examples = example_export_list(filters=filters)
        research = research_statuses(country=code) if code not in Scope.values else []
        return Response(
            {
                **row,
                "supranational": code in Scope.values,
                "researched_none_found": [r.category.slug for r in research],
                "examples": ExampleOutputSerializer(
                    examples, many=True, context={"request": request}
                ).data,
            }
        )

    def _as_of(self, release, code: str, filters) -> dict:
        """The country as frozen in ``release``: its counts and its entries' records."""
        data = release.aggregates(filters)
        rows = [r for r in (*data["countries"], *data["supranational"]) if r["country"] == code]
        row = rows[0] if rows else {"country": code, "count": 0, "categories": {}}
        row.setdefault(
            "name", str(Scope(code).label if code in Scope.values else countries.name(code))
        )
        return {
            **row,
            "supranational": code in Scope.values,
            "researched_none_found": [],
            "release": release.version,
            "examples": list(release.records(filters)),
        }
