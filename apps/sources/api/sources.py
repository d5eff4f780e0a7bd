"""Sources and their versions: reading them, uploading a new source or version (202 with
the import's status URL), and the import's status."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import CitationFormatsMixin
from apps.common.client_ip import client_ip
from apps.common.csl import BIBTEX_MEDIA_TYPE, CSL_JSON_MEDIA_TYPE, RIS_MEDIA_TYPE
from apps.common.http_cache import public_api
from apps.common.site import absolute_url

from .. import citation, selectors, services, translation_selectors
from ..forms import NewVersionForm, SourceEditForm, SourceUploadForm
from ..models import Document, Passage, Source, SourceType


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


# A plain string (the values of models.DocumentStatus) keeps the schema's enum names
# free of collisions with the other "status" fields.
STATUS_HELP = "pending, processing, ready (published), failed, proposed, rejected or withdrawn"


class DocumentSerializer(serializers.ModelSerializer):
    passages = PassageSerializer(many=True, read_only=True)
    status = serializers.CharField(help_text=STATUS_HELP)

    class Meta:
        model = Document
        fields = [
            "version", "status", "import_format", "content_hash", "created", "text", "passages",
        ]  # fmt: skip


class SourceListSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-source-detail", lookup_field="slug")
    reader_url = serializers.SerializerMethodField()
    current_version = serializers.IntegerField(source="current_document.version", allow_null=True)

    class Meta:
        model = Source
        fields = [
            "slug", "url", "reader_url", "title", "authors", "year", "published_on", "venue",
            "volume", "issue", "pages", "publisher", "doi", "source_type", "language", "licence", "licence_url",
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
    translations = serializers.SerializerMethodField()

    class Meta(SourceListSerializer.Meta):
        fields = [
            *SourceListSerializer.Meta.fields,
            "source_url",
            "abstract",
            "citation",
            "versions",
            "current",
            "translations",
        ]

    def get_translations(self, obj) -> list[dict]:
        """Each readable translation: its language, kind, the original's version it
        translates and the URL of its aligned passages (ADR 0019)."""
        return [
            {
                "language": t.language,
                "kind": t.kind,
                "version": t.original.version,
                "translator": t.translator,
                "licence": t.licence,
                "url": absolute_url(
                    reverse(
                        "api-source-translation",
                        kwargs={"slug": obj.slug, "language": t.language},
                    )
                ),
                "reader_url": absolute_url(t.get_absolute_url()),
            }
            for t in self.context.get("translations", [])
        ]

    def get_versions(self, obj) -> list[dict]:
        context = {**self.context, "source": obj}
        return VersionSummarySerializer(self.context["versions"], many=True, context=context).data

    def get_current(self, obj) -> dict | None:
        document = self.context.get("document")
        return DocumentSerializer(document).data if document else None

    def get_citation(self, obj) -> dict:
        # The original publication; ask for CSL-JSON, RIS or BibTeX with Accept.
        return {"apa": citation.apa(obj), "bibtex": citation.bibtex(obj)}


class SourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Title or author contains")
    type = django_filters.ChoiceFilter(field_name="source_type", choices=SourceType.choices)
    year = django_filters.NumberFilter(field_name="year")

    class Meta:
        model = Source
        fields = ["q", "type", "year"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(selectors.source_matches(value))


UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]


class UploadAcceptedSerializer(serializers.Serializer):
    document = serializers.IntegerField(help_text="The uploaded version's id.")
    source = serializers.CharField(help_text="The source's slug.")
    status = serializers.CharField(
        help_text="“proposed” when the uploader may not publish on this source: the "
        "version waits for a maintainer or moderator.",
    )
    proposed = serializers.BooleanField()
    import_status = serializers.CharField(help_text="The import's own status: “pending”.")
    status_url = serializers.URLField(help_text="GET it for the import's progress.")


def _form_data(request) -> dict:
    """The request body as the page's form reads it (several ``authors`` values, or a
    JSON list, become one per line)."""
    data = request.data
    if hasattr(data, "getlist"):
        values = {key: data.get(key) for key in data}
        authors = data.getlist("authors")
    else:
        values = dict(data) if isinstance(data, dict) else {}
        authors = values.get("authors")
    if isinstance(authors, list | tuple):
        values["authors"] = "\n".join(str(a) for a in authors)
    values.pop("file", None)
    return values


def _upload_file(request, form_class):
    """Validate with the page's form: the same size cap, file checks and messages."""
    form = form_class(_form_data(request), request.FILES)
    if not form.is_valid():
        raise exceptions.ValidationError(
            {
                field: [error["message"] for error in errors]
                for field, errors in form.errors.get_json_data().items()
            }
        )
    return form


def _accepted(request, document: Document) -> Response:
    status_url = absolute_url(
        reverse("api-source-import-status", kwargs={"document_id": document.pk})
    )
    body = {
        "document": document.pk,
        "source": document.source.slug,
        "status": "proposed" if document.is_proposal else str(document.status),
        "proposed": document.is_proposal,
        "import_status": str(document.status),
        "status_url": status_url,
    }
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": status_url})


@public_api(
    depends_on=(
        "sources.Source",
        "sources.Document",
        "sources.Translation",
        "accounts.User",
        "moderation.HiddenContent",
        "moderation.UserModerationState",
        "contenttypes.ContentType",
    )
)
class SourceListAPI(generics.ListAPIView):
    """Sources with at least one readable version. POST (multipart: ``file`` plus the
    metadata fields of the page's form) adds a source: 202 with the import's status URL;
    429 with Retry-After past the upload rate (as the page)."""

    serializer_class = SourceListSerializer
    filterset_class = SourceFilter
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = UPLOAD_PARSERS

    def get_queryset(self):
        return selectors.source_list(originals_only=True)

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={202: UploadAcceptedSerializer},
    )
    def post(self, request):
        form = _upload_file(request, SourceUploadForm)
        upload = form.cleaned_data["file"]
        source = services.source_create(
            user=request.user,
            metadata=form.metadata(),
            data=upload.content_bytes,
            filename=upload.name,
            client_ip=client_ip(request),
        )
        return _accepted(request, source.documents.order_by("-created").first())


def _document_with_passages(source: Source, version: int | None) -> Document:
    document = selectors.document_for_reader(source=source, version=version)
    document._prefetched_objects_cache = {
        "passages": selectors.passages_for_document(document=document)
    }
    return document


class SourceDetailAPI(CitationFormatsMixin, generics.RetrieveAPIView):
    """A source's metadata, its published versions and the current version's passages.
    ``Accept: application/vnd.citationstyles.csl+json`` (or ``application/x-research-
    info-systems``, ``application/x-bibtex``; or ``?format=csl-json|ris|bibtex``) answers
    the original publication's citation instead, as DOI resolvers do."""

    serializer_class = SourceDetailSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"

    def get_object(self):
        return selectors.source_get(slug=self.kwargs["slug"], viewer=self.request.user)

    @extend_schema(
        responses={
            (200, "application/json"): SourceDetailSerializer,
            (200, CSL_JSON_MEDIA_TYPE): OpenApiTypes.OBJECT,
            (200, RIS_MEDIA_TYPE): OpenApiTypes.STR,
            (200, BIBTEX_MEDIA_TYPE): OpenApiTypes.STR,
        }
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: SourceDetailSerializer},
        description=(
            "Correct the record (the source's stewards; 403 for anyone else, 401 without "
            "credentials). Any of: title, authors (a list), year, published_on, "
            "source_type, venue, volume, issue, pages, publisher, doi, url, licence, "
            "licence_url, abstract; and a reason for the history. slug and language "
            "cannot be changed (400). 400 names each refused field; nothing is saved then."
        ),
    )
    def patch(self, request, *args, **kwargs):
        source = self.get_object()
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"detail": "Send a JSON object of fields."})
        fixed = sorted({"slug", "language"} & set(request.data))
        unknown = sorted(set(request.data) - set(SourceEditForm.base_fields))
        if fixed or unknown:
            errors = {name: ["This cannot be changed."] for name in fixed}
            errors.update({name: ["Unknown field."] for name in unknown if name not in fixed})
            raise exceptions.ValidationError(errors)
        data = SourceEditForm.initial_for(source)
        data.update(request.data)
        if isinstance(data.get("authors"), list):
            data["authors"] = "\n".join(str(author) for author in data["authors"])
        form = SourceEditForm({k: "" if v is None else v for k, v in data.items()})
        if not form.is_valid():
            raise exceptions.ValidationError(
                {
                    field: [error["message"] for error in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        services.source_details_update(
            actor=request.user,
            source=source,
            metadata=form.metadata(),
            reason=form.cleaned_data["reason"],
        )
        return self.retrieve(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        source = self.get_object()
        if self.wants_citation(request):
            return self.citation_response(citation.for_source(source))
        context = self.get_serializer_context()
        context["versions"] = list(selectors.source_versions(source=source))
        context["translations"] = translation_selectors.translations_for_source(source=source)
        context["document"] = (
            _document_with_passages(source, None) if source.current_document_id else None
        )
        return Response(SourceDetailSerializer(source, context=context).data)


class SourceVersionAPI(generics.RetrieveAPIView):
    """One version of a source's text with its passages (a proposal or a withdrawn
    version only for those who may read it: 404 for anyone else)."""

    serializer_class = DocumentSerializer
    permission_classes = [AllowAny]

    @extend_schema(responses=DocumentSerializer)
    def get(self, request, slug: str, version: int):
        source = selectors.source_get(slug=slug, viewer=request.user)
        document = selectors.document_for_reader(
            source=source, version=version, viewer=request.user
        )
        document._prefetched_objects_cache = {
            "passages": selectors.passages_for_document(document=document)
        }
        return Response(DocumentSerializer(document).data)


class VersionListItemSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text=STATUS_HELP)
    url = serializers.SerializerMethodField()
    uploaded_by = serializers.CharField(source="created_by.username", default=None)
    proposed = serializers.BooleanField(source="is_proposal")
    proposed_against = serializers.IntegerField(source="base_document.version", default=None)
    diff_url = serializers.SerializerMethodField()
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = Document
        fields = [
            "version", "status", "proposed", "proposed_against", "import_format", "created",
            "published_at", "uploaded_by", "decided_by", "decided_at", "decision_reason",
            "url", "diff_url",
        ]  # fmt: skip

    def get_url(self, obj) -> str:
        return absolute_url(
            reverse(
                "api-source-version",
                kwargs={"slug": self.context["source"].slug, "version": obj.version},
            )
        )

    def get_diff_url(self, obj) -> str | None:
        if not (obj.base_document_id or obj.version > 1):
            return None
        obj.source = self.context["source"]
        return absolute_url(services.diff_url(obj).replace("/sources/", "/api/sources/", 1))


class SourceVersionListAPI(APIView):
    """GET: the versions the caller may read (everyone: the published ones; a proposal's
    author: also theirs; maintainers and moderators: every version, with its status).
    POST (multipart: ``file``): upload a new version, 202 with the import's status URL;
    ``"status": "proposed"`` when the caller may not publish on this source."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = UPLOAD_PARSERS

    @extend_schema(responses=VersionListItemSerializer(many=True))
    def get(self, request, slug: str):
        source = selectors.source_get(slug=slug, viewer=request.user)
        versions = selectors.source_versions_for(source=source, viewer=request.user)
        context = {"request": request, "source": source}
        return Response(VersionListItemSerializer(versions, many=True, context=context).data)

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={202: UploadAcceptedSerializer},
    )
    def post(self, request, slug: str):
        source = selectors.source_get(slug=slug, viewer=request.user)
        form = _upload_file(request, NewVersionForm)
        upload = form.cleaned_data["file"]
        document = services.document_upload(
            user=request.user,
            source=source,
            data=upload.content_bytes,
            filename=upload.name,
            client_ip=client_ip(request),
        )
        document.source = source
        return _accepted(request, document)


class ImportStatusSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text=STATUS_HELP)
    document = serializers.IntegerField(source="pk")
    source = serializers.CharField(source="source.slug")
    proposed = serializers.BooleanField(source="is_proposal")
    reader_url = serializers.SerializerMethodField()
    version_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "document", "source", "status", "proposed", "version", "error", "original_filename",
            "created", "import_finished", "reader_url", "version_url",
        ]  # fmt: skip

    def get_reader_url(self, obj) -> str | None:
        if not obj.is_imported:
            return None
        return absolute_url(obj.get_absolute_url())

    def get_version_url(self, obj) -> str | None:
        if not obj.is_imported:
            return None
        return absolute_url(
            reverse("api-source-version", kwargs={"slug": obj.source.slug, "version": obj.version})
        )


class ImportStatusAPI(APIView):
    """An upload's import status, for the uploader and the source's maintainers and
    moderators (404 for anyone else)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ImportStatusSerializer)
    def get(self, request, document_id: int):
        document = selectors.document_status_for_user(document_id=document_id, user=request.user)
        return Response(ImportStatusSerializer(document, context={"request": request}).data)
