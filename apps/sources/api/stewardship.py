"""Stewardship: maintainers and moderators decide versions (accept or reject a proposal,
withdraw a published version) and name or remove maintainers."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.site import absolute_url

from .. import permissions, selectors, services
from ..models import Document
from .sources import VersionListItemSerializer


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, default="")
    current_version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="accept only: the current version the caller compared the proposal with, "
        "needed when another version became current after the proposal was made.",
    )


def _check_steward(user, source) -> None:
    """Before validating the body: a caller who may not act hears that first (the services
    check again)."""
    if not permissions.can_steward(user, source):
        raise exceptions.PermissionDenied(
            "Only this source's maintainers and moderators can do this."
        )


VERSION_ACTIONS = {
    "accept": services.document_accept,
    "reject": services.document_reject,
    "withdraw": services.document_withdraw,
}


class VersionDecisionAPI(APIView):
    """POST ``accept`` or ``reject`` (a proposal) or ``withdraw`` (a published version)
    with a ``reason``. Maintainers and moderators only. 409 for ``accept`` when another
    version became current after the proposal was made and ``current_version`` does not
    name it."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        operation_id="sources_versions_decide",
        request=ReasonSerializer,
        responses={200: VersionListItemSerializer},
        parameters=[
            OpenApiParameter(
                "action", str, OpenApiParameter.PATH, enum=["accept", "reject", "withdraw"]
            )
        ],
    )
    def post(self, request, slug: str, version: int, action: str):
        service = VERSION_ACTIONS.get(action)
        if service is None:
            raise exceptions.NotFound("Unknown action: use accept, reject or withdraw.")
        source = selectors.source_get(slug=slug, viewer=request.user)
        document = selectors.document_for_reader(
            source=source, version=version, viewer=request.user
        )
        _check_steward(request.user, source)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = {
            "actor": request.user,
            "document": document,
            "reason": data.validated_data["reason"],
        }
        if action == "accept":
            kwargs["current_version"] = data.validated_data.get("current_version")
        try:
            document = service(**kwargs)
        except services.CurrentVersionMoved as exc:
            return Response(
                {
                    "detail": exc.messages[0],
                    "current_version": exc.current.version,
                    "proposed_against": exc.base_version,
                    "diff_url": absolute_url(
                        services.diff_url(document, against=exc.current).replace(
                            "/sources/", "/api/sources/", 1
                        )
                    ),
                },
                status=status.HTTP_409_CONFLICT,
            )
        document = Document.objects.select_related("created_by", "base_document", "decided_by").get(
            pk=document.pk
        )
        context = {"request": request, "source": source}
        return Response(VersionListItemSerializer(document, context=context).data)


class MaintainerSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="public_name")


class MaintainerInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MaintainerListAPI(APIView):
    """GET: the source's maintainers (public). POST ``{"username": …}``: name another
    (maintainers and moderators)."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=MaintainerSerializer(many=True))
    def get(self, request, slug: str):
        source = selectors.source_get(slug=slug, viewer=request.user)
        return Response(
            MaintainerSerializer(selectors.maintainers_of(source=source), many=True).data
        )

    @extend_schema(request=MaintainerInputSerializer, responses={201: MaintainerSerializer})
    def post(self, request, slug: str):
        source = selectors.source_get(slug=slug, viewer=request.user)
        _check_steward(request.user, source)
        data = MaintainerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        maintainer = services.maintainer_add(
            actor=request.user, source=source, **data.validated_data
        )
        return Response(MaintainerSerializer(maintainer.user).data, status=status.HTTP_201_CREATED)


class MaintainerDetailAPI(APIView):
    """DELETE: remove this maintainer (maintainers, including themselves, and moderators)."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        request=inline_serializer(
            "MaintainerRemoval",
            {"reason": serializers.CharField(required=False, allow_blank=True)},
        ),
        responses={204: None},
    )
    def delete(self, request, slug: str, username: str):
        source = selectors.source_get(slug=slug, viewer=request.user)
        reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
        services.maintainer_remove(
            actor=request.user, source=source, username=username, reason=str(reason or "")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
