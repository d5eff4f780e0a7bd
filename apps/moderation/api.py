"""REST API for moderators and flaggers. Thin: the same forms parse filters, the same
selectors read and the same services write as the HTML pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.site import absolute_url
from apps.common.throttles import write_throttle

from . import permissions, selectors, services
from .actions import review_item_decide
from .errors import ModerationConflict, TargetChanged
from .forms import LogFilterForm, QueueFilterForm
from .models import QUEUE_DECISIONS, AuditLogEntry, Flag, FlagReason, ReviewItem
from .registry import UnknownTargetType, adapter_for_content_type, get_adapter


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


class ModerationAPIView(APIView):
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, TargetChanged):
            # What changed since the moderator saw it, and the version to decide on next.
            return Response(
                {
                    "detail": exc.message,
                    "changes": exc.changes,
                    "version": exc.current_version,
                    "seen_version": exc.seen_version,
                },
                status=status.HTTP_409_CONFLICT,
            )
        if isinstance(exc, ModerationConflict):
            exc = Conflict(exc.message)
        return super().handle_exception(exc)


def _require_moderator(request) -> None:
    if not permissions.can_view_queue(request.user):
        raise PermissionDenied(_("Only moderators can use the moderation API."))


def _parse(form_class, request):
    form = form_class(request.query_params)
    if not form.is_valid():
        raise exceptions.ValidationError(form.errors.get_json_data())
    return form.filters()


# --- Serializers ----------------------------------------------------------------------------


def target_type_name(content_type_id: int) -> str:
    adapter = adapter_for_content_type(content_type_id)
    if adapter is not None:
        return adapter.type_name
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_id(content_type_id).model


class ModerationTargetSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    label = serializers.CharField(allow_blank=True)


class TargetFieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class ReviewItemSerializer(serializers.ModelSerializer):
    """A queue item. Items whose content has versions carry ``target_version`` (the
    version recorded when the item was opened) and ``target_snapshot`` (the content as
    it was then), ``version`` (the content's version now: send it with a decision),
    ``changed`` and ``changes`` (field by field, recorded → now). Serialise items that
    went through ``selectors.review_items_attach_changes``."""

    type = serializers.CharField(source="item_type")
    target = serializers.SerializerMethodField()
    claimed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    version = serializers.SerializerMethodField()
    changed = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta:
        model = ReviewItem
        fields = [
            "id", "type", "target", "status", "priority", "claimed_by", "created",
            "country", "category", "summary", "claimed_at", "decision", "reason", "decided_by",
            "decided_at", "target_version", "target_snapshot", "version", "changed", "changes",
        ]  # fmt: skip

    def get_version(self, obj) -> int | None:
        return getattr(obj, "current_version", obj.target_version)

    def get_changed(self, obj) -> bool:
        return getattr(obj, "changed", False)

    @extend_schema_field(TargetFieldChangeSerializer(many=True))
    def get_changes(self, obj) -> list:
        return getattr(obj, "changes", [])

    @extend_schema_field(ModerationTargetSerializer)
    def get_target(self, obj) -> dict:
        url = obj.target_url
        if url:
            url = absolute_url(url)
        return {
            "type": target_type_name(obj.content_type_id),
            "id": obj.object_id,
            "url": url,
            "label": obj.target_label,
        }


class AuditLogEntrySerializer(serializers.ModelSerializer):
    time = serializers.DateTimeField(source="created")
    actor = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()

    class Meta:
        model = AuditLogEntry
        fields = ["id", "time", "actor", "action", "target", "country", "reason", "before", "after"]

    def get_actor(self, obj) -> str | None:
        return obj.actor_name or None

    @extend_schema_field(ModerationTargetSerializer)
    def get_target(self, obj) -> dict | None:
        if obj.target_content_type_id is None:
            return None
        url = obj.target_url
        if url:
            url = absolute_url(url)
        return {
            "type": target_type_name(obj.target_content_type_id),
            "id": obj.target_object_id,
            "url": url,
            "label": obj.target_label,
        }


# --- Queue ------------------------------------------------------------------------------------


class ReviewItemListAPI(generics.ListAPIView):
    """Review items the caller may work (moderators only). Filters: ``type``,
    ``country``, ``category``, ``age`` (days: 1, 7, 30), ``min_priority``, ``claimed``
    (none, me, others), ``status`` (open, decided), ``sort`` (priority, age, newest)."""

    serializer_class = ReviewItemSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ReviewItem.objects.none()
        _require_moderator(self.request)
        return selectors.review_items_for_queue(
            viewer=self.request.user, **_parse(QueueFilterForm, self.request)
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.review_items_attach_changes(page) if page is not None else None


class ReviewItemClaimAPI(ModerationAPIView):
    """Claim an item: 200 with the item; 409 if someone else holds it or it is decided."""

    @extend_schema(request=None, responses=ReviewItemSerializer)
    def post(self, request, item_id: int):
        item = selectors.review_item_get(viewer=request.user, item_id=item_id)
        item = services.review_item_claim(actor=request.user, item=item)
        selectors.review_items_attach_changes([item])
        return Response(ReviewItemSerializer(item, context={"request": request}).data)


class DecideInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=QUEUE_DECISIONS)
    # Checked by the decision itself, so the page and the API give the same message.
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The content's version you reviewed (the item's `version`); default: the "
        "version recorded when the item was opened. 409 if the content moved since.",
    )


class TargetChangedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    changes = TargetFieldChangeSerializer(many=True)
    version = serializers.IntegerField(help_text="The content's version now: decide on it.")
    seen_version = serializers.IntegerField()


class ReviewItemDecideAPI(ModerationAPIView):
    """Decide an item with a required reason, for the version of the content you
    reviewed (``version``). 400 without a reason or for a decision the target type does
    not support, 403 outside the moderator's scope, 409 if another moderator holds or
    already decided it, and 409 "changed since you opened it" with ``changes`` and the
    current ``version`` if the content moved on (nothing is decided: read the changes,
    then send the new version)."""

    @extend_schema(
        request=DecideInputSerializer,
        responses={200: ReviewItemSerializer, 409: TargetChangedSerializer},
    )
    def post(self, request, item_id: int):
        data = DecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = selectors.review_item_get(viewer=request.user, item_id=item_id)
        item = review_item_decide(
            actor=request.user,
            item=item,
            decision=data.validated_data["decision"],
            reason=data.validated_data["reason"],
            version=data.validated_data.get("version"),
        )
        selectors.review_items_attach_changes([item])
        return Response(ReviewItemSerializer(item, context={"request": request}).data)


class AuditLogAPI(generics.ListAPIView):
    """The audit log, newest first (moderators only). Filters: ``action``, ``actor``,
    ``target_type``, ``country``, ``q``, ``since``, ``until`` (YYYY-MM-DD)."""

    serializer_class = AuditLogEntrySerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AuditLogEntry.objects.none()
        if not permissions.can_read_log(self.request.user):
            raise PermissionDenied(_("Only moderators can read the moderation log."))
        return selectors.audit_log(viewer=self.request.user, **_parse(LogFilterForm, self.request))


# --- Flags ------------------------------------------------------------------------------------


class FlagTargetInputSerializer(serializers.Serializer):
    type = serializers.CharField(max_length=50)
    id = serializers.CharField(max_length=64)


class FlagInputSerializer(serializers.Serializer):
    target = FlagTargetInputSerializer()
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class FlagOutputSerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = ["id", "target", "reason", "text", "status", "created"]

    @extend_schema_field(FlagTargetInputSerializer)
    def get_target(self, obj) -> dict:
        return {"type": target_type_name(obj.content_type_id), "id": obj.object_id}


class FlagCreateAPI(ModerationAPIView):
    """Flag content (any signed-in user). Target types: those registered with the
    moderation registry ("source", and "entry"/"annotation" when those apps register).
    400 for flagging one's own content or the same target twice; 429 with Retry-After
    when flagging too fast."""

    # The same limiter as the Flag form on pages (apps/common/throttles.py, kind "flag").
    throttle_classes = [write_throttle("flag")]

    @extend_schema(request=FlagInputSerializer, responses={201: FlagOutputSerializer})
    def post(self, request):
        data = FlagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target_data = data.validated_data["target"]
        try:
            adapter = get_adapter(target_data["type"])
        except UnknownTargetType as exc:
            raise exceptions.ValidationError({"target": exc.messages}) from None
        target = adapter.get(target_data["id"])
        if target is None:
            raise exceptions.ValidationError({"target": [_("This content does not exist.")]})
        flag = services.flag_create(
            flagger=request.user,
            target=target,
            reason=data.validated_data["reason"],
            text=data.validated_data["text"],
        )
        return Response(FlagOutputSerializer(flag).data, status=status.HTTP_201_CREATED)
