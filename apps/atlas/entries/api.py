"""REST API for entries. Thin: parse input, call one service or selector, shape output.

GET/POST /api/examples/, GET/PATCH /api/examples/<id>/,
POST /api/examples/<id>/transition/. Filters on lists (and the aggregates and exports,
which share them): country, category, operator, consequence, lifecycle, year,
year_from, year_to, has_passage, q (and status for lists); an unknown value is a 400,
never an empty 200. The aggregates are in aggregates/api.py, the exports in
exports/api.py, history and merges in history/api.py and merge/api.py.
"""

from __future__ import annotations

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import CitationFormatsMixin, StandardPagination
from apps.common.csl import BIBTEX_MEDIA_TYPE, CSL_JSON_MEDIA_TYPE, RIS_MEDIA_TYPE
from apps.common.http_cache import public_api
from apps.common.site import absolute_url
from apps.common.throttles import check_request_rate
from apps.common.validators import as_id

from .. import citation, extensions
from ..contributors import credits
from ..history.selectors import example_changes_since
from ..merge.selectors import merged_destination_for
from ..models import Evidence, Example
from ..permissions import can_edit, can_moderate_example
from ..review import edits
from . import selectors, services, transitions
from .data import EvidenceData, ExampleData
from .filters import parse_filters
from .passage_api import (
    PassageLinkInputSerializer,
    PassageLinkOutputSerializer,
    links_from_input,
)
from .views import ENTRY_DEPENDS_ON

FILTER_PARAMETERS = [
    OpenApiParameter(name, str, description=description)
    for name, description in (
        ("country", "ISO 3166-1 alpha-2 code, or EU, COE, UN, GLOBAL"),
        ("category", "Category slug, e.g. tenant-screening"),
        ("operator", "state, private, platform, public_private, unknown"),
        ("consequence", "rewards, sanctions, access_restrictions, public_naming, ..."),
        ("lifecycle", "proposed, pilot, active, discontinued, unknown"),
        ("year", "Entries active in this year"),
        ("year_from", "Entries active in or after this year"),
        ("year_to", "Entries active in or before this year"),
        ("has_passage", "true: linked to a passage; false: not linked"),
        (
            "unknown_years",
            "With a year filter: true (default) keeps entries whose years are unknown; "
            "false leaves them out",
        ),
        ("q", "Title or summary contains"),
    )
]


# --- Output ---------------------------------------------------------------------------------


class EvidenceOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "title",
            "url",
            "doi",
            "publisher",
            "published",
            "accessed",
            "page",
            "quote",
        ]

    def get_url(self, obj) -> str:
        if obj.url or not obj.source_id:
            return obj.url
        return absolute_url(obj.source.get_absolute_url())


class ContributorOutputSerializer(serializers.Serializer):
    """One person credited on an entry (apps/atlas/contributors.py): public name only."""

    name = serializers.CharField()
    role = serializers.CharField()
    since = serializers.DateTimeField()
    orcid = serializers.CharField(help_text="ORCID iD, or empty")
    orcid_verified = serializers.BooleanField(help_text="The iD came from an ORCID sign-in")


class ExampleOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    country = serializers.CharField(source="place_code")
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    evidence = EvidenceOutputSerializer(many=True, read_only=True)
    passages = PassageLinkOutputSerializer(source="passage_links", many=True, read_only=True)
    author = serializers.SerializerMethodField()
    contributors = serializers.SerializerMethodField()

    class Meta:
        model = Example
        fields = [
            "id", "url", "title", "slug", "summary", "summary_html", "country", "region",
            "category", "operator", "scored", "data_sources", "consequences", "transparency",
            "contestable", "legal_basis", "legal_note", "lifecycle", "start_year", "end_year",
            "confidence", "status", "evidence", "passages", "author", "contributors",
            "created", "modified", "version",
        ]  # fmt: skip

    def get_url(self, obj) -> str:
        return absolute_url(reverse("api-example-detail", kwargs={"pk": obj.pk}))

    def to_representation(self, instance):
        # Keys other apps add (apps/atlas/extensions.py): e.g. "citations" (apps/coding).
        return {**super().to_representation(instance), **extensions.api_representation(instance)}

    def get_author(self, obj) -> str | None:
        return obj.author.public_name if obj.author_id else None

    @extend_schema_field(ContributorOutputSerializer(many=True))
    def get_contributors(self, obj) -> list[dict]:
        return ContributorOutputSerializer(credits(obj), many=True).data


# --- Input ----------------------------------------------------------------------------------


class EvidenceInputSerializer(serializers.Serializer):
    # Strings, not URLField: the service gives the message a contributor can act on.
    title = serializers.CharField(allow_blank=True, default="")
    url = serializers.CharField(allow_blank=True, default="")
    doi = serializers.CharField(allow_blank=True, default="")
    publisher = serializers.CharField(allow_blank=True, default="")
    published = serializers.DateField(allow_null=True, default=None)
    accessed = serializers.DateField(allow_null=True, default=None)
    page = serializers.CharField(allow_blank=True, default="")
    quote = serializers.CharField(allow_blank=True, default="")


class ExampleInputSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(allow_blank=True)
    country = serializers.CharField(allow_blank=True)
    category = serializers.CharField(allow_blank=True)
    region = serializers.CharField(allow_blank=True, default="")
    operator = serializers.CharField(default="unknown")
    scored = serializers.CharField(default="unknown")
    data_sources = serializers.ListField(child=serializers.CharField(), default=list)
    consequences = serializers.ListField(child=serializers.CharField(), default=list)
    transparency = serializers.CharField(default="unknown")
    contestable = serializers.CharField(default="unknown")
    legal_basis = serializers.CharField(default="unknown")
    legal_note = serializers.CharField(allow_blank=True, default="")
    lifecycle = serializers.CharField(default="unknown")
    start_year = serializers.IntegerField(allow_null=True, default=None)
    end_year = serializers.IntegerField(allow_null=True, default=None)
    confidence = serializers.CharField(default="medium")
    evidence = EvidenceInputSerializer(many=True, default=list)
    passages = PassageLinkInputSerializer(many=True, default=list)
    submit = serializers.BooleanField(default=False, help_text="Submit for review at once.")
    confirm_distinct = serializers.BooleanField(
        default=False,
        help_text="You checked the similar entries the last 409 listed: yours is different.",
    )
    version = serializers.IntegerField(
        required=False, help_text="PATCH: the version you edited; a stale edit is refused."
    )


def _evidence(items) -> list[EvidenceData]:
    return [EvidenceData(**item) for item in items]


def filters_from_request(request, *, allow_status: bool = False):
    params = request.query_params
    if not allow_status and params.get("status"):
        params = params.copy()
        params.pop("status")
    return parse_filters(params)


def etag(version: int) -> str:
    return f'"{version}"'


def _example_response(request, example_id: int, code=status.HTTP_200_OK) -> Response:
    example = selectors.example_get(viewer=request.user, example_id=example_id)
    # Orphaned quotes (passage_api.py) are shown to those who can fix them.
    sees_orphans = can_edit(user=request.user, example=example) or can_moderate_example(
        request.user, example
    )
    context = {"request": request, "sees_orphans": sees_orphans}
    response = Response(ExampleOutputSerializer(example, context=context).data, status=code)
    # The entry's version is its entity tag: send it back in If-Match to edit safely.
    response["ETag"] = etag(example.version)
    return response


def if_match_version(request) -> int | None:
    """The version named by an ``If-Match`` header (``"3"``, ``W/"3"`` or ``3``), None
    when there is none or it is ``*``. A header that names no version is a 400: it could
    never match, and silently ignoring it would defeat its purpose."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header or header == "*":
        return None
    tag = header.split(",")[0].strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    version = as_id(tag)
    if version is None:
        raise serializers.ValidationError(
            {
                "If-Match": [
                    f'“{header[:50]}” is not an entity tag of this entry (expected e.g. "3").'
                ]
            }
        )
    return version


def conflict_response(request, example: Example, exc: services.StaleVersion) -> Response:
    changes = example_changes_since(example=example, version=exc.expected_version)
    response = Response(
        {
            "detail": exc.messages[0],
            "errors": {"version": exc.messages},
            "current_version": exc.current_version,
            "version": exc.current_version,
            "changes": [
                {"field": c.field, "label": c.label, "before": c.before, "after": c.after}
                for c in changes
            ],
        },
        status=status.HTTP_409_CONFLICT,
    )
    response["ETag"] = etag(exc.current_version)
    return response


class SimilarEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The entry in the API.")
    page = serializers.CharField(help_text="The entry's page.")
    country = serializers.CharField(help_text="Country code or supranational scope.")
    status = serializers.CharField()


class SimilarEntriesSerializer(serializers.Serializer):
    detail = serializers.CharField()
    similar = SimilarEntrySerializer(many=True)


def _similar_response(request, exc: services.SimilarEntries) -> Response:
    """409: entries like this one exist; send ``"confirm_distinct": true`` once checked."""
    return Response(
        {
            "detail": exc.messages[0],
            "errors": {"confirm_distinct": exc.messages},
            "similar": [
                {
                    "id": example.pk,
                    "title": example.title,
                    "url": request.build_absolute_uri(
                        reverse("api-example-detail", kwargs={"pk": example.pk})
                    ),
                    "page": request.build_absolute_uri(example.get_absolute_url()),
                    "country": example.place_code,
                    "status": example.status,
                }
                for example in exc.similar
            ],
        },
        status=status.HTTP_409_CONFLICT,
    )


# --- Views ----------------------------------------------------------------------------------


def _check_rate(request) -> None:
    """Entry writes are throttled per account and per address (apps/common/throttles.py):
    RateLimited, which the API answers with 429 and Retry-After."""
    if not request.user.is_authenticated:
        return  # the service answers 403 for anonymous writes
    check_request_rate(request, "entry")


@public_api(depends_on=ENTRY_DEPENDS_ON)
class ExampleListCreateAPI(APIView):
    """Entries you may see (published, your own, all for moderators), newest first."""

    # Declared so the schema describes the paginated envelope the view returns.
    pagination_class = StandardPagination

    @extend_schema(parameters=FILTER_PARAMETERS, responses=ExampleOutputSerializer(many=True))
    def get(self, request):
        examples = selectors.example_list(
            viewer=request.user, filters=filters_from_request(request, allow_status=True)
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(examples, request, view=self)
        data = ExampleOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request=ExampleInputSerializer,
        responses={201: ExampleOutputSerializer, 409: SimilarEntriesSerializer},
    )
    def post(self, request):
        """Create an entry. 409 with ``similar`` (id, title, url, country) when entries
        with a similar title exist in the same country: look at them, then send the
        same request with ``"confirm_distinct": true`` if yours is different."""
        _check_rate(request)
        serializer = ExampleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        evidence, passages = data.pop("evidence"), data.pop("passages")
        submit = data.pop("submit")
        confirm_distinct = data.pop("confirm_distinct")
        data.pop("version", None)
        try:
            example = services.example_create(
                author=request.user,
                data=ExampleData(**data),
                evidence=_evidence(evidence),
                passages=links_from_input(passages),
                submit=submit,
                confirm_distinct=confirm_distinct,
            )
        except services.SimilarEntries as exc:
            return _similar_response(request, exc)
        return _example_response(request, example.pk, status.HTTP_201_CREATED)


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    version = serializers.IntegerField(help_text="The same: the version to send next.")
    changes = ChangeSerializer(many=True)


class ExampleDetailAPI(CitationFormatsMixin, APIView):  # ETag: the version (If-Match on edits)
    """One entry, with its version as ``ETag``; ``Accept: application/vnd.citationstyles.
    csl+json`` (or ``application/x-research-info-systems``, ``application/x-bibtex``;
    or ``?format=csl-json|ris|bibtex``) answers its citation instead. PATCH changes the fields given
    (evidence/passages, if given, replace the lists); send ``If-Match`` with the ETag you
    read (or ``version`` in the body): a stale one is a 409 listing what changed. The
    author of a published entry who is not yet trusted gets 202: the change waits for a
    moderator as a suggested edit (``{"detail", "suggestion", "entry"}``)."""

    @extend_schema(
        responses={
            (200, "application/json"): ExampleOutputSerializer,
            (200, CSL_JSON_MEDIA_TYPE): OpenApiTypes.OBJECT,
            (200, RIS_MEDIA_TYPE): OpenApiTypes.STR,
            (200, BIBTEX_MEDIA_TYPE): OpenApiTypes.STR,
        }
    )
    def get(self, request, pk: int):
        try:
            if self.wants_citation(request):
                example = selectors.example_get(viewer=request.user, example_id=pk)
                url = absolute_url(example.get_absolute_url())
                return self.citation_response(citation.for_example(example, url))
            return _example_response(request, pk)
        except Http404:
            # A merged duplicate leads to the entry it was merged into, for good.
            destination = merged_destination_for(pk)
            if destination is None:
                raise
            return HttpResponsePermanentRedirect(
                reverse("api-example-detail", kwargs={"pk": destination.pk})
            )

    @extend_schema(
        request=ExampleInputSerializer,
        responses={200: ExampleOutputSerializer, 409: ConflictSerializer},
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                location=OpenApiParameter.HEADER,
                description='The ETag you read (e.g. "3"); a stale one is a 409 with what changed.',
            )
        ],
    )
    def patch(self, request, pk: int):
        example = selectors.example_get(viewer=request.user, example_id=pk)
        _check_rate(request)
        if_match = if_match_version(request)
        serializer = ExampleInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        changes.pop("submit", None)
        confirm_distinct = changes.pop("confirm_distinct", False)
        evidence = changes.pop("evidence", None)
        passages = changes.pop("passages", None)
        body_version = changes.pop("version", None)
        if if_match is not None and body_version is not None and if_match != body_version:
            raise serializers.ValidationError(
                {"version": ["The If-Match header and the version field name different versions."]}
            )
        try:
            outcome = edits.example_edit(
                actor=request.user,
                example=example,
                changes=changes,
                evidence=_evidence(evidence) if evidence is not None else None,
                passages=(
                    links_from_input(passages, current=example.passage_links.all())
                    if passages is not None
                    else None
                ),
                expected_version=if_match if if_match is not None else body_version,
                confirm_distinct=confirm_distinct,
            )
        except services.StaleVersion as exc:
            return conflict_response(request, example, exc)
        except services.SimilarEntries as exc:
            return _similar_response(request, exc)
        if outcome.awaits_review:
            # Not applied yet: 202, and the entry as it stands (its ETag unchanged).
            response = _example_response(request, pk, status.HTTP_202_ACCEPTED)
            response.data = {
                "detail": "Your changes were sent to the moderators; the published entry "
                "stays as it is until one of them accepts them.",
                "suggestion": outcome.suggestion.pk,
                "entry": response.data,
            }
            return response
        return _example_response(request, pk)


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.CharField()
    reason = serializers.CharField(allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False, help_text="The version you read; 409 with what changed if it moved."
    )


class ExampleTransitionAPI(APIView):
    """Change an entry's status: {"to": "submitted" | "published" | ..., "reason": "...",
    "version": n}. With ``version`` (or ``If-Match``), a change of an entry that moved
    since is a 409 listing what changed, and nothing happens."""

    @extend_schema(
        request=TransitionInputSerializer,
        responses={200: ExampleOutputSerializer, 409: ConflictSerializer},
    )
    def post(self, request, pk: int):
        example = selectors.example_get(viewer=request.user, example_id=pk)
        if_match = if_match_version(request)
        serializer = TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        try:
            transitions.example_transition(
                actor=request.user,
                example=example,
                expected_version=version if version is not None else if_match,
                **data,
            )
        except services.StaleVersion as exc:
            return conflict_response(request, example, exc)
        return _example_response(request, pk)
