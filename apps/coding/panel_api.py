"""The entry form's citation panel (templates/coding/_form_citations.html,
static/js/value-citations.js) asks two things of the server before the form is saved:

POST /api/examples/<id>/citations/check/   is this citation right? (checked, not stored)
GET  /api/citations/passages/?q=           passages whose text contains these words

Thin: the check is ``services.citation_check`` (the same checks ``citations_replace``
makes when the form is saved); the search is the atlas form's own passage finder."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.atlas.entries.selectors import example_get, passage_search
from apps.common.throttles import write_throttle

from . import representation, services
from .api import CitationInputSerializer, citation_data

PASSAGE_TEXT_LIMIT = 4000  # a passage is a paragraph; this only bounds a freak one


class CheckedCitationSerializer(serializers.Serializer):
    citation = serializers.DictField(help_text="The citation as the form sends it back.")
    label = serializers.CharField(help_text="What the chip says.")


class CitationCheckAPI(APIView):
    """Check one value citation of an entry as saving would, without storing it: 200
    with the citation as the form must send it (the quote's exact place filled in) and
    its chip's label; 400 naming the problem; 403 for anyone who may not cite."""

    permission_classes = [IsAuthenticated]

    def get_throttles(self):
        return [write_throttle("citation_check")()]

    @extend_schema(request=CitationInputSerializer, responses=CheckedCitationSerializer)
    def post(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        if not services.may_cite(actor=request.user, example=example):
            # Before reading the input: a 400 would tell a refused user what to fix.
            raise PermissionDenied(_("You may not change the citations of this entry."))
        serializer = CitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        (item,) = citation_data([serializer.validated_data])
        citation = services.citation_check(actor=request.user, example=example, item=item)
        return Response(
            {
                "citation": representation.citation_form_json(citation),
                "label": representation.citation_label(citation),
            }
        )


class PassageResultSerializer(serializers.Serializer):
    source = serializers.CharField()
    source_title = serializers.CharField()
    version = serializers.IntegerField()
    anchor = serializers.CharField()
    text = serializers.CharField()


class PassageListSerializer(serializers.Serializer):
    passages = PassageResultSerializer(many=True)


class PassageSearchAPI(APIView):
    """Passages of the sources' current versions that contain ``q`` (3 characters or
    more), at most 10, for the panel's passage picker. Signed-in users (the form is)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Words of the passage")],
        responses=PassageListSerializer,
    )
    def get(self, request):
        query = request.query_params.get("q") or ""
        if "\x00" in query or len(query) > 200:
            raise serializers.ValidationError({"q": [_("Search for at most 200 characters.")]})
        passages = passage_search(viewer=request.user, query=query)
        return Response(
            {
                "passages": [
                    {
                        "source": passage.document.source.slug,
                        "source_title": passage.document.source.title,
                        "version": passage.document.version,
                        "anchor": passage.anchor,
                        "text": passage.text[:PASSAGE_TEXT_LIMIT],
                    }
                    for passage in passages
                ]
            }
        )
