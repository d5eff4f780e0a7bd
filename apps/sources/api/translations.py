"""A source's translation as aligned pairs of passages (ADR 0019)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.http_cache import public_api
from apps.common.site import absolute_url

from .. import selectors, translation_selectors

TRANSLATION_DEPENDS_ON = (
    "sources.Source",
    "sources.Document",
    "sources.Passage",
    "sources.Translation",
    "sources.AlignedPair",
    "accounts.User",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "contenttypes.ContentType",
)

_SIDE = inline_serializer(
    name="AlignedSide",
    fields={
        "anchor": serializers.CharField(),
        "anchors": serializers.ListField(child=serializers.CharField()),
        "text": serializers.CharField(),
    },
    allow_null=True,
)


def _side(passages) -> dict | None:
    """One side of a pair: its first passage's anchor (the permalink), every anchor of a
    merged side, and the text (merged passages joined by a blank line). None when the
    row has nothing on this side (a 1–0 or 0–1 pair)."""
    if not passages:
        return None
    return {
        "anchor": passages[0].anchor,
        "anchors": [p.anchor for p in passages],
        "text": "\n\n".join(p.text for p in passages),
    }


@public_api(depends_on=TRANSLATION_DEPENDS_ON)
class TranslationAlignmentAPI(APIView):
    """The translation of a source into ``language``: who translated it, under which
    licence, which versions are aligned, and the aligned pairs in order,
    ``[{"original": {anchor, anchors, text}, "translation": {…}}]``. 404 for a language
    the source has no readable translation in."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            name="TranslationAlignment",
            fields={
                "language": serializers.CharField(),
                "kind": serializers.CharField(),
                "translator": serializers.CharField(),
                "note": serializers.CharField(),
                "licence": serializers.CharField(),
                "licence_url": serializers.CharField(),
                "original_version": serializers.IntegerField(),
                "translation_version": serializers.IntegerField(),
                "reader_url": serializers.CharField(),
                "pairs": serializers.ListField(
                    child=inline_serializer(
                        name="AlignedPair", fields={"original": _SIDE, "translation": _SIDE}
                    )
                ),
            },
        )
    )
    def get(self, request, slug: str, language: str):
        source = selectors.source_get(slug=slug, viewer=request.user)
        translation = translation_selectors.translation_get(source=source, language=language)
        rows = translation_selectors.aligned_rows(translation=translation)
        return Response(
            {
                "language": translation.language,
                "kind": translation.kind,
                "translator": translation.translator,
                "note": translation.note,
                "licence": translation.licence,
                "licence_url": translation.licence_url,
                "original_version": translation.original.version,
                "translation_version": translation.document.version,
                "reader_url": absolute_url(translation.get_absolute_url()),
                "pairs": [
                    {"original": _side(row.original), "translation": _side(row.translation)}
                    for row in rows
                ],
            }
        )
