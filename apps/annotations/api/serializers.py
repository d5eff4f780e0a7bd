"""The API's serializers: what a request may send (input, validated here or by the
services) and the annotation's shape as the OpenAPI schema declares it (output: the
JSON itself is built by ``apps/annotations/representation.py``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as APIValidationError

from ..models import Visibility
from ..representation import annotation_json
from ..services import TextPositionSelector, TextQuoteSelector

# --- Output ---------------------------------------------------------------------------------


class AuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="public_name")


class AnchorSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["anchored", "fuzzy", "orphaned"])
    score = serializers.FloatField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)


class SelectorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["TextQuoteSelector", "TextPositionSelector"])
    exact = serializers.CharField(required=False)
    prefix = serializers.CharField(required=False, allow_blank=True)
    suffix = serializers.CharField(required=False, allow_blank=True)
    start = serializers.IntegerField(required=False)
    end = serializers.IntegerField(required=False)


class TargetSerializer(serializers.Serializer):
    selector = SelectorSerializer(many=True)


class AnnotationSerializer(serializers.Serializer):
    """The annotation as the API shows it. ``anchor`` describes the version asked for
    with ``version`` (default: the source's current version); null for replies and
    source notes. A deleted annotation kept for its replies shows "[deleted]"."""

    # The fields declare the shape for the OpenAPI schema; the dict itself comes from
    # representation.annotation_json, the one builder the reader uses too (~20x faster
    # than DRF's per-field machinery, which matters for large list pages).
    # tests/annotations/test_api.py checks every shape it builds against this schema.
    id = serializers.IntegerField()
    source = serializers.CharField()
    version = serializers.IntegerField()
    target = TargetSerializer(allow_null=True, read_only=True)
    body = serializers.CharField(read_only=True)
    body_html = serializers.CharField(read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    motivation = serializers.CharField()
    visibility = serializers.CharField()
    group = serializers.CharField(
        allow_null=True, help_text="The reading group's slug when visibility is “group”."
    )
    parent = serializers.IntegerField(allow_null=True)
    thread = serializers.IntegerField()
    author = AuthorSerializer(allow_null=True, read_only=True)
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    anchor = AnchorSerializer(allow_null=True, read_only=True)
    edited = serializers.BooleanField()
    hidden = serializers.BooleanField()
    awaiting_approval = serializers.BooleanField(
        help_text="Its author is under pre-moderation: only they and moderators see it."
    )
    deleted = serializers.BooleanField()

    def to_representation(self, obj) -> dict:
        return annotation_json(obj)


# --- Input ----------------------------------------------------------------------------------


def parse_target(value) -> tuple[TextQuoteSelector | None, TextPositionSelector | None]:
    """{"selector": [...]} (or one selector object) -> the two selector dataclasses."""
    if not isinstance(value, dict) or "selector" not in value:
        raise APIValidationError({"target": _('target must be an object with a "selector" list.')})
    items = value["selector"]
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise APIValidationError({"target": _("target.selector must be a non-empty list.")})
    quote = position = None
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "TextQuoteSelector":
            exact, prefix, suffix = (item.get(k, "") for k in ("exact", "prefix", "suffix"))
            if quote is not None or not all(isinstance(v, str) for v in (exact, prefix, suffix)):
                raise APIValidationError(
                    {"target": _("Send one TextQuoteSelector with text exact, prefix and suffix.")}
                )
            quote = TextQuoteSelector(exact, prefix, suffix)
        elif kind == "TextPositionSelector":
            start, end = item.get("start"), item.get("end")
            valid = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end))
            if position is not None or not valid:
                raise APIValidationError(
                    {"target": _("Send one TextPositionSelector with whole-number start and end.")}
                )
            position = TextPositionSelector(start, end)
        else:
            raise APIValidationError(
                {
                    "target": _(
                        "Unknown selector type %(type)s; use TextQuoteSelector or "
                        "TextPositionSelector."
                    )
                    % {"type": repr(kind)}
                }
            )
    return quote, position


class TagListField(serializers.ListField):
    child = serializers.CharField(allow_blank=True, trim_whitespace=False)


class AnnotationCreateSerializer(serializers.Serializer):
    """POST body. A reply sends ``parent`` (and no source/target); a source note sends
    ``source`` and no target."""

    source = serializers.SlugField(required=False)
    version = serializers.IntegerField(required=False, min_value=1)
    target = TargetSerializer(required=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    tags = TagListField(required=False)
    motivation = serializers.CharField(required=False)
    visibility = serializers.CharField(required=False)
    # With visibility "group": the slug of a reading group the author belongs to.
    group = serializers.CharField(required=False, max_length=60)
    parent = serializers.IntegerField(required=False)

    def to_internal_value(self, data):
        # The target is validated by parse_target (clearer messages than nested fields),
        # and body/motivation/visibility by the service, so errors read the same everywhere.
        target = data.get("target") if hasattr(data, "get") else None
        data = {k: v for k, v in data.items() if k != "target"} if hasattr(data, "items") else data
        validated = super().to_internal_value(data)
        if target is not None:
            validated["target"] = parse_target(target)
        return validated


class AnnotationUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    tags = TagListField(required=False)
    motivation = serializers.CharField(required=False)
    visibility = serializers.CharField(required=False)


class ReattachSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    target = TargetSerializer()

    def to_internal_value(self, data):
        target = data.get("target") if hasattr(data, "get") else None
        validated = super().to_internal_value(
            {k: v for k, v in data.items() if k != "target"} | {"target": {"selector": []}}
        )
        validated["target"] = parse_target(target)
        return validated


class AnnotationFilterSerializer(serializers.Serializer):
    source = serializers.SlugField(required=False, help_text="Source slug.")
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text="Version number (needs source): annotations placed on it, anchors there.",
    )  # fmt: skip
    passage = serializers.IntegerField(required=False, help_text="Passage id.")
    tag = serializers.CharField(required=False)
    author = serializers.CharField(required=False, help_text="Username.")
    visibility = serializers.ChoiceField(required=False, choices=Visibility.choices)
    group = serializers.SlugField(
        required=False, max_length=60, help_text="Reading group slug (yours only)."
    )
    thread = serializers.IntegerField(required=False, help_text="Thread root id: root + replies.")

    def validate(self, attrs):
        if "version" in attrs and "source" not in attrs:
            raise serializers.ValidationError({"version": _("Filtering by version needs source.")})
        return attrs


class PreviewSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=10_000)


class PreviewOutputSerializer(serializers.Serializer):
    body_html = serializers.CharField()
