"""REST API for the discussion under an entry. Thin: the rules are the services' and
selectors' (the same as the entry page's).

GET/POST /api/examples/<id>/comments/, DELETE /api/comments/<id>/,
POST /api/comments/<id>/hide/ (moderators).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..entries.selectors import example_get
from ..models import EntryComment
from . import selectors, services


class CommentAuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()


class CommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)
    author = CommentAuthorSerializer(allow_null=True)
    body = serializers.CharField(help_text="Markdown; empty for a placeholder.")
    body_html = serializers.CharField(help_text="Sanitised HTML; empty for a placeholder.")
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    hidden = serializers.BooleanField(help_text="Hidden by a moderator (seen by you because "
                                      "you wrote it or moderate).")  # fmt: skip
    placeholder = serializers.CharField(
        allow_null=True,
        help_text="“[deleted]” or “[hidden by a moderator]” for a comment kept only so its "
        "replies keep their thread; null otherwise.",
    )


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    parent = serializers.IntegerField(required=False, allow_null=True)


class HideInputSerializer(serializers.Serializer):
    hidden = serializers.BooleanField()


def comment_json(comment: EntryComment) -> dict:
    placeholder = getattr(comment, "placeholder", False)
    if placeholder:
        text = _("[deleted]") if comment.deleted_at is not None else _("[hidden by a moderator]")
        return {
            "id": comment.pk, "parent": comment.parent_id, "author": None, "body": "",
            "body_html": "", "created": comment.created, "modified": comment.modified,
            "hidden": False, "placeholder": text,
        }  # fmt: skip
    author = comment.author
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "author": {"username": author.username, "name": author.public_name} if author else None,
        "body": comment.body,
        "body_html": comment.body_html,
        "created": comment.created,
        "modified": comment.modified,
        "hidden": comment.hidden,
        "placeholder": None,
    }


def _comment_for(viewer, pk: int) -> EntryComment:
    """A comment the viewer may read, on an entry they may see; 404 otherwise (as on the
    page: a hidden comment is not admitted to exist for others)."""
    comment = EntryComment.objects.select_related("example", "author").filter(pk=pk).first()
    if comment is None or not selectors.comment_visible(viewer=viewer, comment=comment):
        raise Http404(_("No such comment."))
    example_get(viewer=viewer, example_id=comment.example_id)
    return comment


class CommentListCreateAPI(APIView):
    """The discussion under an entry, oldest thread first, each first comment followed by
    its replies (``parent`` names the first comment)."""

    @extend_schema(responses=CommentOutputSerializer(many=True))
    def get(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        threads = selectors.comments_for_example(example=example, viewer=request.user)
        rows = [comment_json(c) for root in threads for c in (root, *root.thread_replies)]
        return Response(CommentOutputSerializer(rows, many=True).data)

    @extend_schema(request=CommentInputSerializer, responses={201: CommentOutputSerializer})
    def post(self, request, pk: int):
        example = example_get(viewer=request.user, example_id=pk)
        serializer = CommentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A RateLimited from the service: the exception handler answers 429 + Retry-After.
        comment = services.comment_create(
            author=request.user,
            example=example,
            body=serializer.validated_data["body"],
            parent_id=serializer.validated_data.get("parent"),
        )
        return Response(
            CommentOutputSerializer(comment_json(comment)).data, status=status.HTTP_201_CREATED
        )


class CommentDetailAPI(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        """Delete a comment (its author or a moderator of the entry's country). Readers
        then see "[deleted]" in its place while it has replies."""
        services.comment_delete(actor=request.user, comment=_comment_for(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentHideAPI(APIView):
    @extend_schema(request=HideInputSerializer, responses=CommentOutputSerializer)
    def post(self, request, pk: int):
        """Hide a comment (``{"hidden": true}``) or show it again (moderators)."""
        serializer = HideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_set_hidden(
            moderator=request.user,
            comment=_comment_for(request.user, pk),
            hidden=serializer.validated_data["hidden"],
        )
        comment.placeholder = False
        return Response(CommentOutputSerializer(comment_json(comment)).data)
