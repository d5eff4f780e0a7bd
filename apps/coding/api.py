"""REST API of the coding app. Thin: parse input, call one service or selector.

GET/PUT  /api/examples/<id>/citations/            an entry's value citations
POST/GET /api/examples/<id>/coding-requests/      ask for blind double coding (moderators)
POST     /api/coding-requests/batch/              "double-code 20 % of new entries in my countries"
GET/PUT  /api/examples/<id>/codings/mine/         an assigned coder's own coding
GET      /api/codings/<id>/                       one coding: 404 to others until reconciled
POST     /api/examples/<id>/reconcile/            moderators: per-field choices with reasons
GET      /api/atlas/agreement/                    Krippendorff's alpha per field (?country=)
GET/POST /api/codebook/versions/                  codebook versions; a change (global moderators)
GET      /api/codings/agreement/mine/             a coder's own agreement (private)
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.atlas.entries.api import conflict_response
from apps.atlas.entries.selectors import example_get
from apps.atlas.entries.services import StaleVersion
from apps.common.http_cache import public_api
from apps.common.throttles import write_throttle
from apps.common.validators import as_id

from . import representation, selectors, services
from .models import Coding
from .services.citations import CitationData

AGREEMENT_DEPENDS_ON = (
    "coding.Coding",
    "coding.CodingRequest",
    "coding.CodebookVersion",
    "atlas.Example",
)
CODEBOOK_DEPENDS_ON = ("coding.CodebookVersion", "accounts.User")


class PassageRefSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=120)
    version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    anchor = serializers.CharField(max_length=24)


class PositionSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=0)


class CitationInputSerializer(serializers.Serializer):
    field = serializers.CharField(max_length=40)
    evidence = serializers.IntegerField(required=False, allow_null=True, default=None)
    passage = PassageRefSerializer(required=False, allow_null=True, default=None)
    quote = serializers.CharField(required=False, allow_blank=True, default="",
                                  trim_whitespace=False, max_length=20_000)  # fmt: skip
    prefix = serializers.CharField(required=False, allow_blank=True, default="",
                                   trim_whitespace=False, max_length=200)  # fmt: skip
    suffix = serializers.CharField(required=False, allow_blank=True, default="",
                                   trim_whitespace=False, max_length=200)  # fmt: skip
    position = PositionSerializer(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class CitationOutputSerializer(serializers.Serializer):
    field = serializers.CharField()
    evidence = serializers.IntegerField(allow_null=True)
    evidence_title = serializers.CharField()
    passage = PassageRefSerializer(allow_null=True)
    quote = serializers.CharField()
    note = serializers.CharField()
    since_version = serializers.IntegerField()
    status = serializers.CharField(help_text="anchored, fuzzy or orphaned")


def citation_data(items) -> list[CitationData]:
    result = []
    for item in items:
        passage, position = item.get("passage"), item.get("position")
        result.append(
            CitationData(
                field=item["field"],
                evidence=item.get("evidence"),
                source=passage["source"] if passage else None,
                version=passage.get("version") if passage else None,
                anchor=passage["anchor"] if passage else None,
                quote=item.get("quote", ""),
                prefix=item.get("prefix", ""),
                suffix=item.get("suffix", ""),
                start=position["start"] if position else None,
                end=position["end"] if position else None,
                note=item.get("note", ""),
            )
        )
    return result


class CitationsInputSerializer(serializers.Serializer):
    citations = CitationInputSerializer(many=True)


class CitationsAPI(APIView):
    """An entry's value citations. GET: the current ones (with the orphans, for its
    author and moderators). PUT replaces them all (nothing is stored if one is wrong)."""

    def get_throttles(self):
        return [write_throttle("entry")()] if self.request.method == "PUT" else []

    @extend_schema(responses=CitationOutputSerializer(many=True))
    def get(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        citations = selectors.public_citations(example) + selectors.orphaned_citations(
            viewer=request.user, example=example
        )
        return Response({"citations": [representation.citation_json(c) for c in citations]})

    @extend_schema(request=CitationsInputSerializer, responses=CitationOutputSerializer(many=True))
    def put(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        serializer = CitationsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.citations_replace(
            actor=request.user,
            example=example,
            citations=citation_data(serializer.validated_data["citations"]),
        )
        return self.get(request, pk)


# --- Double coding --------------------------------------------------------------------------


class CodingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    request = serializers.IntegerField()
    coder = serializers.CharField(help_text="Public name.")
    values = serializers.DictField()
    submitted = serializers.DateTimeField(allow_null=True)
    citations = CitationOutputSerializer(many=True)


class RequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    example = serializers.IntegerField()
    status = serializers.CharField()
    deadline = serializers.DateTimeField(allow_null=True)
    codebook_version = serializers.IntegerField()
    coders = serializers.ListField(child=serializers.CharField())
    codings = CodingOutputSerializer(many=True, help_text="Only those you may see (blind).")
    choices = serializers.DictField()
    entry_version = serializers.IntegerField(allow_null=True)


class RequestListSerializer(serializers.Serializer):
    requests = RequestOutputSerializer(many=True)


def _current_citations(coding: Coding) -> list:
    if hasattr(coding, "current_citations"):  # prefetched (selectors.coding_requests_for)
        return coding.current_citations
    return list(coding.citations.filter(replaced_at=None).select_related("document__source"))


def coding_json(coding: Coding) -> dict:
    return {
        "id": coding.pk,
        "request": coding.request_id,
        "coder": coding.coder.public_name,
        "values": coding.values,
        "submitted": coding.submitted_at,
        "citations": [representation.citation_json(c) for c in _current_citations(coding)],
    }


def request_json(coding_request, codings) -> dict:
    return {
        "id": coding_request.pk,
        "example": coding_request.example_id,
        "status": coding_request.status,
        "deadline": coding_request.deadline,
        "codebook_version": coding_request.codebook.number,
        "coders": [c.coder.public_name for c in codings],
        "codings": [coding_json(c) for c in codings],
        "choices": coding_request.choices,
        "entry_version": coding_request.entry_version,
    }


class CodingRequestInputSerializer(serializers.Serializer):
    coders = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, default=list, max_length=10
    )
    count = serializers.IntegerField(required=False, default=2, min_value=2, max_value=10)
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CodingRequestsAPI(APIView):
    """POST: ask for blind coding of the entry (moderators of its country), by named
    coders (usernames) or ``count`` volunteers. GET: its requests; a request's codings
    are listed only as selectors.codings_visible_to allows."""

    @extend_schema(responses=RequestListSerializer)
    def get(self, request, pk: int):
        example = selectors.example_for_coder(viewer=request.user, example_id=pk)
        result = []
        for coding_request in selectors.coding_requests_for(example):
            codings = selectors.codings_visible_to(viewer=request.user, request=coding_request)
            result.append(request_json(coding_request, codings))
        return Response({"requests": result})

    @extend_schema(request=CodingRequestInputSerializer, responses={201: RequestOutputSerializer})
    def post(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        serializer = CodingRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        coders = None
        if data["coders"]:
            users = {
                u.username: u
                for u in get_user_model().objects.filter(
                    username__in=data["coders"], is_active=True
                )
            }
            missing = [name[:40] for name in data["coders"] if name not in users]
            if missing:
                raise serializers.ValidationError(
                    {"coders": [_("No such users: %(names)s.") % {"names": ", ".join(missing)}]}
                )
            coders = [users[name] for name in data["coders"]]
        coding_request = services.coding_request_create(
            actor=request.user,
            example=example,
            coders=coders,
            count=data["count"],
            deadline=data["deadline"],
        )
        codings = list(coding_request.codings.select_related("coder"))
        return Response(request_json(coding_request, codings), status=status.HTTP_201_CREATED)


class BatchInputSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=1, max_value=100, default=20)
    days = serializers.IntegerField(min_value=1, max_value=3660, default=30)
    count = serializers.IntegerField(min_value=2, max_value=10, default=2)


class CodingRequestBatchAPI(APIView):
    """Double-code ``percent`` % of the entries created in the last ``days`` days in
    your countries (moderators)."""

    @extend_schema(request=BatchInputSerializer, responses={201: RequestListSerializer})
    def post(self, request):
        serializer = BatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        requests = services.coding_request_batch(actor=request.user, **serializer.validated_data)
        return Response(
            {"requests": [{"id": r.pk, "example": r.example_id} for r in requests]},
            status=status.HTTP_201_CREATED,
        )


class MyCodingInputSerializer(serializers.Serializer):
    values = serializers.DictField(help_text="{field: value}; omit a field to leave it missing.")
    citations = CitationInputSerializer(many=True, required=False, allow_null=True, default=None)
    submit = serializers.BooleanField(default=False)


class MyCodingAPI(APIView):
    """The viewer's own blind coding of the entry. 404 for anyone not assigned."""

    def get_throttles(self):
        return [write_throttle("entry")()] if self.request.method == "PUT" else []

    @extend_schema(responses=CodingOutputSerializer)
    def get(self, request, pk: int):
        example = selectors.example_for_coder(viewer=request.user, example_id=pk)
        coding = selectors.my_coding(viewer=request.user, example=example)
        return Response(coding_json(coding))

    @extend_schema(request=MyCodingInputSerializer, responses=CodingOutputSerializer)
    def put(self, request, pk: int):
        example = selectors.example_for_coder(viewer=request.user, example_id=pk)
        selectors.my_coding(viewer=request.user, example=example)  # 404 when not a coder
        serializer = MyCodingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            coding = services.coding_save_mine(
                actor=request.user,
                example=example,
                values=data["values"],
                citations=citation_data(data["citations"])
                if data["citations"] is not None
                else None,
                submit=data["submit"],
            )
        except PermissionDenied as exc:
            # Assigned once, but the request is closed: say so rather than 404.
            raise PermissionDenied(_("This coding is closed: it was reconciled.")) from exc
        return Response(coding_json(coding))


class CodingDetailAPI(APIView):
    """One coding: its coder and the entry's moderators see it; others get 404 until
    the request is reconciled (blind)."""

    @extend_schema(responses=CodingOutputSerializer)
    def get(self, request, pk: int):
        coding = (
            Coding.objects.select_related("request__example", "request__codebook", "coder")
            .filter(pk=as_id(str(pk)))
            .first()
        )
        if coding is None:
            raise Http404(_("No such coding."))
        selectors.example_for_coder(viewer=request.user, example_id=coding.request.example_id)
        visible = selectors.codings_visible_to(viewer=request.user, request=coding.request)
        if coding not in visible:
            raise Http404(_("No such coding."))
        return Response(coding_json(coding))


class ChoiceSerializer(serializers.Serializer):
    coding = serializers.IntegerField(required=False)
    value = serializers.JSONField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ReconcileInputSerializer(serializers.Serializer):
    choices = serializers.DictField(child=ChoiceSerializer(), default=dict)
    version = serializers.IntegerField(required=False, help_text="The entry version you read.")


class ReconcileAPI(APIView):
    """Moderators: close the entry's open request with a choice (and reason) per field
    the coders disagree on. One new entry version; every coding stays."""

    throttle_classes = [write_throttle("entry")]

    @extend_schema(request=ReconcileInputSerializer, responses=RequestOutputSerializer)
    def post(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        serializer = ReconcileInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            coding_request = services.reconcile(
                actor=request.user,
                example=example,
                choices=serializer.validated_data["choices"],
                expected_version=serializer.validated_data.get("version"),
            )
        except StaleVersion as exc:
            return conflict_response(request, example, exc)
        codings = list(coding_request.codings.select_related("coder"))
        return Response(request_json(coding_request, codings))


# --- Agreement and the codebook -------------------------------------------------------------


class AgreementOutputSerializer(serializers.Serializer):
    field = serializers.CharField()
    alpha = serializers.FloatField(allow_null=True)
    n_units = serializers.IntegerField()
    n_coders = serializers.IntegerField()
    n_values = serializers.IntegerField()
    ci = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    level = serializers.CharField()


@public_api(depends_on=AGREEMENT_DEPENDS_ON)
class AgreementAPI(APIView):
    """Krippendorff's alpha per coded field over every double-coded entry (units with
    two or more handed-in codings), N and a bootstrap 95 % interval. ``?country=DE``."""

    @extend_schema(
        parameters=[OpenApiParameter("country", str, description="ISO 3166-1 alpha-2 or scope")],
        responses=AgreementOutputSerializer(many=True),
    )
    def get(self, request):
        country = (request.query_params.get("country") or "").strip().upper()
        try:
            rows = selectors.agreement_for(country=country or None)
        except ValueError as exc:
            raise serializers.ValidationError({"country": [str(exc)]}) from exc
        return Response([row.as_json() for row in rows])


class CodebookChangeSerializer(serializers.Serializer):
    # Optional here so the service answers first who may change the codebook (403).
    reason = serializers.CharField(allow_blank=True, default="", max_length=5000)
    required_citations = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, allow_null=True,
        default=None, max_length=20,
    )  # fmt: skip
    definitions = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(max_length=5000)),
        required=False, allow_null=True, default=None,
    )  # fmt: skip
    allowed = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=40)),
        required=False, allow_null=True, default=None,
    )  # fmt: skip


class CodebookVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created = serializers.DateTimeField()
    changed_by = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    required_citations = serializers.ListField(child=serializers.CharField())
    dimensions = serializers.ListField(child=serializers.DictField())


class ShareSerializer(serializers.Serializer):
    agreed = serializers.IntegerField()
    compared = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class MyAgreementSerializer(serializers.Serializer):
    fields = serializers.DictField(child=ShareSerializer())
    months = serializers.DictField(child=ShareSerializer())


def codebook_json(version) -> dict:
    return {
        "number": version.number,
        "created": version.created,
        "changed_by": version.created_by.public_name if version.created_by_id else None,
        "reason": version.reason,
        "required_citations": version.required_citations,
        "dimensions": version.dimensions,
    }


@public_api(depends_on=CODEBOOK_DEPENDS_ON)
class CodebookVersionsAPI(APIView):
    """Every codebook version, newest first. POST (global moderators): a new version
    with a reason (required citations, definitions, allowed values)."""

    @extend_schema(responses=CodebookVersionSerializer(many=True))
    def get(self, request):
        return Response([codebook_json(v) for v in selectors.codebook_versions()])

    @extend_schema(request=CodebookChangeSerializer, responses={201: CodebookVersionSerializer})
    def post(self, request):
        serializer = CodebookChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.codebook_change(actor=request.user, **serializer.validated_data)
        return Response(codebook_json(version), status=status.HTTP_201_CREATED)


class MyAgreementAPI(APIView):
    """The viewer's agreement with the reconciled values, per field and over time
    (private: their own only)."""

    @extend_schema(responses=MyAgreementSerializer)
    def get(self, request):
        if not request.user.is_authenticated:
            raise PermissionDenied(_("Sign in to see your agreement."))
        return Response(selectors.coder_agreement_for(coder_id=request.user.pk))
