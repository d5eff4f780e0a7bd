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

from .. import as_of
from ..aggregates.views import AGGREGATES_DEPENDS_ON
from ..citation import DATASET_TITLE, LICENCE_NAME, LICENCE_URL, dataset_citation
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
        release = as_of.requested(request)
        filters = filters_from_request(request)
        dataset_url = absolute_url(reverse("api-example-list"))
        if release is not None:
            # The entries as frozen in the release: the same writer's output, then.
            body = self.render_release(release, filters)
            cite = release.citation
            filename = f"creditscape-atlas-{release.version}.{self.extension}"
        else:
            body = self.render(example_export_list(filters=filters), absolute_url, dataset_url)
            latest = as_of.latest_citation()
            cite = latest.text if latest else dataset_citation(dataset_url)
            filename = f"creditscape-atlas.{self.extension}"
        response = HttpResponse(body, content_type=self.content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Link"] = f'<{LICENCE_URL}>; rel="license"'
        response["X-Licence"] = LICENCE_NAME
        # "Cite this dataset": the latest release (or the one asked for).
        response["X-Citation"] = cite.encode("ascii", "replace").decode()
        return response

    def _json_envelope(self, release, filters, head: dict, key: str, kind: str) -> str:
        parts = ",\n".join(release.export_parts(kind, filters))
        return json.dumps(head, ensure_ascii=False)[:-1] + f', "{key}": [\n{parts}\n]}}\n'


@public_api(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
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

    def render_release(self, release, filters):
        return release.csv_header + "".join(release.export_parts("csv", filters))


@public_api(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
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

    def render_release(self, release, filters):
        head = {
            "type": "FeatureCollection",
            "name": DATASET_TITLE,
            "version": release.version,
            "licence": LICENCE_NAME,
            "licence_url": LICENCE_URL,
            "citation": release.citation,
        }
        return self._json_envelope(release, filters, head, "features", "geojson")


@public_api(depends_on=(*AGGREGATES_DEPENDS_ON, *as_of.RELEASE_MODELS))
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

    def render_release(self, release, filters):
        head = {
            "@context": "https://schema.org/",
            "@type": "Dataset",
            "@id": absolute_url(release.url),
            "name": DATASET_TITLE,
            "version": release.version,
            "license": LICENCE_URL,
            "creditText": release.citation,
        }
        return self._json_envelope(release, filters, head, "hasPart", "jsonld")
