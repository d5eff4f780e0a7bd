"""REST API for the exports: published entries (filters honoured) as CSV, GeoJSON and
JSON-LD, each with its licence (CC BY 4.0) and how to cite it."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.common.api import download_renderer
from apps.common.http_cache import public_api
from apps.common.site import absolute_url

from ..aggregates.views import AGGREGATES_DEPENDS_ON
from ..citation import LICENCE_NAME, LICENCE_URL, dataset_citation
from ..entries.api import FILTER_PARAMETERS, filters_from_request
from ..entries.selectors import example_export_list
from . import formats


class _ExportAPI(APIView):
    """A file of published entries. ``renderer_classes`` say which ``Accept`` values the
    file satisfies (its own media type and ``*/*``; anything else is a 406)."""

    permission_classes = [AllowAny]
    content_type = ""
    extension = ""

    def get(self, request):
        examples = example_export_list(filters=filters_from_request(request))
        dataset_url = absolute_url(reverse("api-example-list"))
        body = self.render(examples, absolute_url, dataset_url)
        response = HttpResponse(body, content_type=self.content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="creditscape-atlas.{self.extension}"'
        )
        response["Link"] = f'<{LICENCE_URL}>; rel="license"'
        response["X-Licence"] = LICENCE_NAME
        response["X-Citation"] = dataset_citation(dataset_url).encode("ascii", "replace").decode()
        return response


@public_api(depends_on=AGGREGATES_DEPENDS_ON)
class ExportCsvAPI(_ExportAPI):
    """CSV of published entries; each row carries its licence and how to cite it."""

    content_type = "text/csv; charset=utf-8"
    extension = "csv"
    renderer_classes = [download_renderer("text/csv", "csv")]

    @extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): str})
    def get(self, request):
        return super().get(request)

    def render(self, examples, absolute, dataset_url):
        return formats.to_csv(examples, absolute)


@public_api(depends_on=AGGREGATES_DEPENDS_ON)
class ExportGeoJsonAPI(_ExportAPI):
    """GeoJSON FeatureCollection: one point per entry at its country's centroid."""

    content_type = "application/geo+json"
    extension = "geojson"
    renderer_classes = [
        download_renderer("application/geo+json", "geojson"),
        download_renderer("application/json", "json"),  # GeoJSON is JSON
    ]

    @extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "application/geo+json"): str})
    def get(self, request):
        return super().get(request)

    def render(self, examples, absolute, dataset_url):
        return json.dumps(formats.to_geojson(examples, absolute, dataset_url), ensure_ascii=False)


@public_api(depends_on=AGGREGATES_DEPENDS_ON)
class ExportJsonLdAPI(_ExportAPI):
    """schema.org Dataset in JSON-LD."""

    content_type = "application/ld+json"
    extension = "jsonld"
    renderer_classes = [
        download_renderer("application/ld+json", "jsonld"),
        download_renderer("application/json", "json"),  # JSON-LD is JSON
    ]

    @extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "application/ld+json"): str})
    def get(self, request):
        return super().get(request)

    def render(self, examples, absolute, dataset_url):
        return json.dumps(formats.to_jsonld(examples, absolute, dataset_url), ensure_ascii=False)
