"""Read-only REST API for sources. Thin: selectors fetch, serializers shape."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.common.site import absolute_url

from . import citation, selectors
from .models import Document, Passage, Source, SourceType


class PassageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Passage
        fields = ["id", "order", "kind", "section", "text", "start", "end", "anchor"]


class VersionSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["version", "import_format", "created", "url"]

    def get_url(self, obj) -> str:
        return absolute_url(f"/api/sources/{self.context['source'].slug}/versions/{obj.version}/")


class DocumentSerializer(serializers.ModelSerializer):
    passages = PassageSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = ["version", "import_format", "content_hash", "created", "text", "passages"]


class SourceListSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-source-detail", lookup_field="slug")
    reader_url = serializers.SerializerMethodField()
    current_version = serializers.IntegerField(source="current_document.version", allow_null=True)

    class Meta:
        model = Source
        fields = [
            "slug", "url", "reader_url", "title", "authors", "year", "venue", "volume", "issue",
            "pages", "publisher", "doi", "source_type", "language", "licence", "licence_url",
            "current_version",
        ]  # fmt: skip

    def get_reader_url(self, obj) -> str:
        return absolute_url(obj.get_absolute_url())


class SourceDetailSerializer(SourceListSerializer):
    abstract = serializers.CharField()
    source_url = serializers.URLField(source="url")
    versions = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField()
    citation = serializers.SerializerMethodField()

    class Meta(SourceListSerializer.Meta):
        fields = [
            *SourceListSerializer.Meta.fields,
            "source_url",
            "abstract",
            "citation",
            "versions",
            "current",
        ]

    def get_versions(self, obj) -> list[dict]:
        context = {**self.context, "source": obj}
        return VersionSummarySerializer(self.context["versions"], many=True, context=context).data

    def get_current(self, obj) -> dict | None:
        document = self.context.get("document")
        return DocumentSerializer(document).data if document else None

    def get_citation(self, obj) -> dict:
        url = absolute_url(obj.get_absolute_url())
        return {"apa": citation.apa(obj, url), "bibtex": citation.bibtex(obj, url)}


class SourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Title or author contains")
    type = django_filters.ChoiceFilter(field_name="source_type", choices=SourceType.choices)
    year = django_filters.NumberFilter(field_name="year")

    class Meta:
        model = Source
        fields = ["q", "type", "year"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(selectors.source_matches(value))


class SourceListAPI(generics.ListAPIView):
    """Sources with at least one readable version."""

    serializer_class = SourceListSerializer
    filterset_class = SourceFilter
    permission_classes = [AllowAny]

    def get_queryset(self):
        return selectors.source_list()


def _document_with_passages(source: Source, version: int | None) -> Document:
    document = selectors.document_for_reader(source=source, version=version)
    document._prefetched_objects_cache = {
        "passages": selectors.passages_for_document(document=document)
    }
    return document


class SourceDetailAPI(generics.RetrieveAPIView):
    """A source's metadata, its versions and the current version's passages."""

    serializer_class = SourceDetailSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"

    def get_object(self):
        return selectors.source_get(slug=self.kwargs["slug"])

    def retrieve(self, request, *args, **kwargs):
        source = self.get_object()
        context = self.get_serializer_context()
        context["versions"] = list(selectors.source_versions(source=source))
        context["document"] = (
            _document_with_passages(source, None) if source.current_document_id else None
        )
        return Response(SourceDetailSerializer(source, context=context).data)


class SourceVersionAPI(generics.RetrieveAPIView):
    """One version of a source's text with its passages."""

    serializer_class = DocumentSerializer
    permission_classes = [AllowAny]

    @extend_schema(responses=DocumentSerializer)
    def get(self, request, slug: str, version: int):
        source = selectors.source_get(slug=slug)
        document = _document_with_passages(source, version)
        return Response(DocumentSerializer(document).data)
