"""REST API of releases. Thin: parse input, call a selector or a service, shape output.

GET/POST /api/releases/ (POST: global moderators, {"version", "title", "notes"});
GET /api/releases/<version>/; GET /api/releases/<version>/progress/ (while building);
GET /api/releases/<version>/files/<name> (the bytes: ETag = SHA-256, immutable).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponseNotModified, JsonResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.http_cache import public_api
from apps.common.site import absolute_url

from . import citation, selectors, services
from .models import NOTES_MAX_LENGTH, TITLE_MAX_LENGTH
from .views import RELEASES_DEPENDS_ON

# A year: the bytes at a file's URL never change once the release is ready.
IMMUTABLE_SECONDS = 365 * 24 * 3600


class ReleaseInputSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=40, help_text="MAJOR.MINOR.PATCH, e.g. 1.0.0")
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, allow_blank=True, default="", help_text="Markdown."
    )


class ReleaseFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    media_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, file) -> str:
        return absolute_url(file.get_absolute_url())


class ReleaseSerializer(serializers.Serializer):
    version = serializers.CharField()
    title = serializers.CharField()
    notes = serializers.CharField()
    doi = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    frozen_at = serializers.DateTimeField()
    entry_count = serializers.IntegerField()
    previous = serializers.CharField(source="previous.version", default=None)
    url = serializers.SerializerMethodField()

    def get_url(self, release) -> str:
        return absolute_url(release.get_absolute_url())


class ReleaseDetailSerializer(ReleaseSerializer):
    files = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    cite = serializers.SerializerMethodField()

    def get_files(self, release) -> list[dict]:
        return ReleaseFileSerializer(selectors.release_files(release), many=True).data

    def get_counts(self, release) -> dict:
        return selectors.counts(release)

    def get_cite(self, release) -> dict:
        return {
            "apa": citation.apa(release),
            "bibtex": citation.bibtex(release),
            "csl_json": citation.csl_json(release),
        }


@public_api(depends_on=RELEASES_DEPENDS_ON)
class ReleaseListCreateAPI(APIView):
    """Every release, newest first; POST cuts a new one (global moderators)."""

    pagination_class = None

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(responses=ReleaseSerializer(many=True))
    def get(self, request):
        return Response(ReleaseSerializer(selectors.releases(), many=True).data)

    @extend_schema(request=ReleaseInputSerializer, responses={201: ReleaseSerializer})
    def post(self, request):
        if not services.can_cut_release(request.user):  # before the input: 403 whatever it is
            raise exceptions.PermissionDenied(_("Only global moderators can cut a release."))
        data = ReleaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            release = services.release_create(actor=request.user, **data.validated_data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        release.refresh_from_db()
        return Response(ReleaseSerializer(release).data, status=status.HTTP_201_CREATED)


@public_api(depends_on=RELEASES_DEPENDS_ON)
class ReleaseDetailAPI(APIView):
    """One release: notes, files with sizes and SHA-256, counts, how to cite it."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ReleaseDetailSerializer)
    def get(self, request, version: str):
        release = selectors.release_get(version=version)
        return Response(ReleaseDetailSerializer(release).data)


@require_GET
def release_progress(request, version: str):
    """How far the build is, for the page's progress bar (polled; never cached)."""
    release = selectors.release_get(version=version)
    response = JsonResponse(selectors.progress(release))
    patch_cache_control(response, no_store=True)
    return response


@require_GET
def release_file(request, version: str, name: str):
    """A release file's bytes, streamed from its stored chunks. The strong ETag is its
    SHA-256; the URL names bytes that never change, so caches may keep them for good."""
    release = selectors.release_get(version=version)
    file = selectors.release_file(release=release, name=name)
    etag = f'"{file.sha256}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = StreamingHttpResponse(selectors.file_chunks(file), content_type=file.media_type)
        response["Content-Length"] = str(file.size)
        response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=IMMUTABLE_SECONDS, immutable=True)
    return response
