"""GET /api/search/: the search page's results as JSON."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.http_cache import public_api
from apps.common.site import absolute_url

from . import selectors, suggest
from .contract import COUNT_CAP
from .providers import SearchInputError
from .sampling import PHRASE_SAMPLE_FACTOR
from .views import SEARCH_DEPENDS_ON


class AlignedSerializer(serializers.Serializer):
    language = serializers.CharField()
    text = serializers.CharField()
    url = serializers.CharField()


@public_api(depends_on=SEARCH_DEPENDS_ON)
class SearchAPI(APIView):
    permission_classes = [AllowAny]

    class HitSerializer(serializers.Serializer):
        kind = serializers.CharField()
        id = serializers.IntegerField()
        title = serializers.CharField()
        snippet = serializers.CharField(help_text="HTML: escaped text, matches in <mark>.")
        url = serializers.CharField()
        score = serializers.FloatField()
        language = serializers.CharField(help_text="The text's language; empty when unknown.")
        aligned = AlignedSerializer(
            allow_null=True,
            help_text="For a passage of a translation: the aligned passage(s) of the "
            "original (plain text), else null.",
        )

    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField(
            help_text=f"Exact when count_is_exact; otherwise a lower bound (some kind had "
            f"more than {COUNT_CAP:,} matches, and only the first {COUNT_CAP + 1:,} per kind "
            f"are counted and ranked; or, for a phrase, only "
            f"{PHRASE_SAMPLE_FACTOR * (COUNT_CAP + 1):,} rows with its words were checked)."
        )
        count_is_exact = serializers.BooleanField()
        next = serializers.CharField(
            allow_null=True,
            help_text="The next page: by page number, or by search_after when this "
            "request used search_after.",
        )
        previous = serializers.CharField(allow_null=True)
        next_search_after = serializers.CharField(
            allow_null=True,
            help_text="Pass as search_after for the hits after this page (stable under "
            "inserts, docs/search.md); null when there are none.",
        )
        counts_by_kind = serializers.DictField(child=serializers.IntegerField())
        did_you_mean = serializers.CharField(
            allow_null=True,
            help_text="For a search with few results: the query with its near-miss words "
            "replaced by words of the site's public text; null otherwise.",
        )
        message = serializers.CharField(allow_blank=True)
        results = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        summary="Search sources, passages, annotations and atlas entries",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description='Words; "a phrase", OR, -word.'),
            OpenApiParameter("kind", OpenApiTypes.STR, description="source, passage, …"),
            OpenApiParameter("source", OpenApiTypes.STR, description="Source slug."),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("language", OpenApiTypes.STR, description="de, en, zh-hans, …"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter(
                "search_after",
                OpenApiTypes.STR,
                description="A previous response's next_search_after: the hits ranked "
                "after its last one. Not with page.",
            ),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses=OutputSerializer,
    )
    def get(self, request):
        try:
            search_request, page, page_size = selectors.parse_search_params(
                request.query_params, viewer=request.user, strict=True
            )
        except SearchInputError as exc:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
        results = selectors.search(request=search_request, page=page, page_size=page_size)
        if results.total and page > results.num_pages:
            raise exceptions.NotFound(_("There is no page %(page)s of results.") % {"page": page})
        return Response(
            {
                "count": results.total,
                "count_is_exact": results.count_is_exact,
                "next": self._next_url(request, results, page),
                "previous": self._page_url(request, page - 1) if page > 1 else None,
                "next_search_after": results.next_cursor,
                "counts_by_kind": results.counts_by_kind,
                "did_you_mean": results.did_you_mean or None,
                "message": results.message,
                "results": self.HitSerializer(results.hits, many=True).data,
            }
        )

    @classmethod
    def _next_url(cls, request, results, page: int) -> str | None:
        if "search_after" in request.query_params:
            if not results.next_cursor:
                return None
            params = request.query_params.copy()
            params["search_after"] = results.next_cursor
            return absolute_url(f"{request.path}?{params.urlencode()}")
        return cls._page_url(request, page + 1) if page < results.num_pages else None

    @staticmethod
    def _page_url(request, page: int) -> str:
        params = request.query_params.copy()
        params["page"] = str(page)
        return absolute_url(f"{request.path}?{params.urlencode()}")


# What the suggestions read (by label): entries' and sources' index tables and rows, the
# public annotations' tags, and the moderation rows that hide any of them.
SUGGEST_DEPENDS_ON = (
    "search.SourceSearchIndex",
    "search.ExampleSearchIndex",
    "sources.Source",
    "sources.Document",
    "annotations.Annotation",
    "annotations.TagUsage",
    "atlas.Example",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
    "contenttypes.ContentType",
)


@public_api(depends_on=SUGGEST_DEPENDS_ON)
class SearchSuggestAPI(APIView):
    """Suggestions for the header's search box as the visitor types (public: the same
    for everyone, cached like any public payload)."""

    permission_classes = [AllowAny]

    # Not "OutputSerializer": drf-spectacular names schema components by class name, and
    # SearchAPI has one.
    class SuggestionListSerializer(serializers.Serializer):
        suggestions = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        summary="Suggestions as you type: countries, atlas entries, sources and tags",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR,
                description="What was typed so far (the last word may be unfinished); "
                "at most 100 characters; fewer than 2 letters give no suggestions.",
            )
        ],
        responses=SuggestionListSerializer,
    )  # fmt: skip
    def get(self, request):
        text = request.query_params.get("q", "")
        if len(text) > suggest.MAX_SUGGEST_LENGTH:
            raise exceptions.ValidationError(
                {"q": [_("Type at most %(max)s characters.") % {"max": suggest.MAX_SUGGEST_LENGTH}]}
            )
        found = suggest.suggest(text)
        # The typed text is not echoed: the client knows it. Four strings each (kind:
        # country, entry, source or tag), as plain dicts: a serializer took 0.07 ms of a
        # 3 ms keystroke for eight of them.
        return Response(
            {
                "suggestions": [
                    {"kind": s.kind, "kind_label": s.kind_label, "label": s.label, "url": s.url}
                    for s in found
                ]
            }
        )
