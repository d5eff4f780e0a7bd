"""Reading groups over the API (thin: parse, one service or selector, shape):

- ``GET /api/groups/`` my groups; ``POST`` create one (name, description, access);
- ``GET /api/groups/<slug>/`` one group: members see it whole; a visitor sees an open
  group's outside, or an invite-only one's with ``?invite=<token>``; anyone else 404;
- ``GET /api/groups/<slug>/members/`` the members (members only); ``POST`` with
  ``username`` (+ ``role``) adds or changes a member (owners), without it joins (an open
  group, or ``invite``); ``DELETE`` with ``username`` removes someone, or yourself;
- ``POST /api/groups/<slug>/invite/`` a new invite link (owners);
- ``PATCH /api/groups/<slug>/`` rename (owners); ``DELETE`` delete the group (owners):
  its notes become private to their authors.

Every response is private: it is about its viewer (apps/common/middleware.py marks
signed-in responses ``private``; these need a signed-in viewer).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.site import absolute_url
from apps.common.throttles import write_throttle

from .. import group_selectors, services
from ..models import GroupAccess, GroupRole


class GroupCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, trim_whitespace=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, trim_whitespace=False
    )
    access = serializers.CharField(required=False, max_length=20)


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=GroupRole.choices)


class GroupSerializer(serializers.Serializer):
    """A group as its viewer may see it: ``members`` and ``invite_url`` are null for
    anyone who may not see them (non-members; ``invite_url``: owners only)."""

    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    access = serializers.ChoiceField(choices=GroupAccess.choices)
    member_count = serializers.IntegerField()
    role = serializers.CharField(allow_null=True)
    url = serializers.CharField()
    members = MemberSerializer(many=True, allow_null=True)
    invite_url = serializers.CharField(allow_null=True)


class MemberChangeSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, max_length=150)
    role = serializers.CharField(required=False, max_length=20)
    invite = serializers.CharField(required=False, max_length=200)


def invite_url(group) -> str:
    return absolute_url(
        reverse(
            "annotations:group_join",
            kwargs={"slug": group.slug, "token": group.invite_token},
        )
    )


def _members(group) -> list[dict]:
    return [
        {"username": m.user.username, "name": m.user.public_name, "role": m.role}
        for m in group_selectors.group_members(group=group)
    ]


def group_json(view: group_selectors.GroupView, *, member_count: int | None = None) -> dict:
    group = view.group
    return {
        "slug": group.slug,
        "name": group.name,
        "description": group.description,
        "access": group.access,
        "member_count": group_selectors.member_count(group=group)
        if member_count is None
        else member_count,
        "role": view.role,
        "url": absolute_url(group.get_absolute_url()),
        "members": _members(group) if view.is_member else None,
        "invite_url": invite_url(group) if view.owns else None,
    }


class GroupAPIView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [write_throttle("group")]

    def _view(self, request, slug: str, *, invite: str | None = None):
        return group_selectors.group_view(viewer=request.user, slug=slug, invite_token=invite)

    def _member_view(self, request, slug: str):
        view = self._view(request, slug)
        if not view.is_member:
            raise Http404("No such group.")
        return view


class GroupListAPI(GroupAPIView):
    """Your reading groups; POST makes a new one (you become its owner)."""

    @extend_schema(responses={200: GroupSerializer(many=True)})
    def get(self, request):
        groups = group_selectors.groups_for_user(user=request.user)
        return Response(
            [
                {
                    "slug": g.slug,
                    "name": g.name,
                    "description": g.description,
                    "access": g.access,
                    "member_count": g.member_count,
                    "role": g.my_role,
                    "url": absolute_url(g.get_absolute_url()),
                    "members": None,
                    "invite_url": invite_url(g) if g.my_role == GroupRole.OWNER else None,
                }
                for g in groups
            ]
        )

    @extend_schema(request=GroupCreateSerializer, responses={201: GroupSerializer})
    def post(self, request):
        data = GroupCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        group = services.group_create(
            creator=request.user,
            name=values["name"],
            description=values.get("description", ""),
            access=values.get("access") or GroupAccess.INVITE,
        )
        view = group_selectors.group_view(viewer=request.user, slug=group.slug)
        return Response(group_json(view), status=status.HTTP_201_CREATED)


class GroupRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, trim_whitespace=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, trim_whitespace=False
    )


class GroupDetailAPI(GroupAPIView):
    """One group (members see its members; a visitor only its outside). ``PATCH``
    renames it (owners; ``name``, optional ``description``); ``DELETE`` deletes it
    (owners): its notes become private to their authors, never public."""

    @extend_schema(responses={200: GroupSerializer})
    def get(self, request, slug: str):
        view = self._view(request, slug, invite=request.query_params.get("invite"))
        return Response(group_json(view))

    @extend_schema(request=GroupRenameSerializer, responses={200: GroupSerializer})
    def patch(self, request, slug: str):
        view = self._member_view(request, slug)
        data = GroupRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.group_rename(
            actor=request.user,
            group=view.group,
            name=data.validated_data["name"],
            description=data.validated_data.get("description"),
        )
        return Response(group_json(self._view(request, slug)))

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Deleted.")})
    def delete(self, request, slug: str):
        view = self._member_view(request, slug)
        services.group_delete(actor=request.user, group=view.group)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMembersAPI(GroupAPIView):
    """Members: list (members), add or change a role (owners), join (no ``username``),
    remove or leave (DELETE with ``username``)."""

    @extend_schema(responses={200: MemberSerializer(many=True)})
    def get(self, request, slug: str):
        view = self._member_view(request, slug)
        return Response(_members(view.group))

    @extend_schema(request=MemberChangeSerializer, responses={200: GroupSerializer})
    def post(self, request, slug: str):
        data = MemberChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        invite = values.get("invite")
        view = self._view(request, slug, invite=invite)
        if values.get("username"):
            if not view.is_member:
                raise Http404("No such group.")
            services.group_member_add(
                actor=request.user,
                group=view.group,
                username=values["username"],
                role=values.get("role") or GroupRole.MEMBER,
            )
        else:
            services.group_join(user=request.user, group=view.group, invite=invite)
        return Response(group_json(self._view(request, slug)))

    @extend_schema(
        request=MemberChangeSerializer,
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def delete(self, request, slug: str):
        data = MemberChangeSerializer(data=request.data or request.query_params)
        data.is_valid(raise_exception=True)
        view = self._member_view(request, slug)
        username = data.validated_data.get("username")
        if not username:
            raise serializers.ValidationError(
                {"username": _("Say whom to remove (your own username to leave).")}
            )
        services.group_member_remove(actor=request.user, group=view.group, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupInviteAPI(GroupAPIView):
    """A new invite link (owners); the old one stops working."""

    @extend_schema(request=None, responses={200: GroupSerializer})
    def post(self, request, slug: str):
        view = self._member_view(request, slug)
        services.group_invite_rotate(actor=request.user, group=view.group)
        return Response(group_json(self._view(request, slug)))
