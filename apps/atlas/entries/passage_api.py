"""The API's passage links (entries' ``passages``), with the words selected in the
reader as ``quote``: exact, prefix, suffix, start and end, as annotations' TextQuote and
TextPosition selectors. A quote sent is checked against the version's text by the same
function as the form (validation.checked_quote); the context is recomputed, so
``prefix``/``suffix`` are shown, not taken. A link sent without a ``quote`` key keeps the
quote it has (an API client that knows nothing of quotes must not drop them);
``"quote": null`` removes it (likewise a left-out relation or note is kept)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import PASSAGE_QUOTE_MAX_LENGTH, PassageLink, QuoteStatus
from .data import PassageLinkData, link_quote_json


class PassageQuoteSerializer(serializers.Serializer):
    exact = serializers.CharField(max_length=PASSAGE_QUOTE_MAX_LENGTH, trim_whitespace=False)
    prefix = serializers.CharField(read_only=True)
    suffix = serializers.CharField(read_only=True)
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=0)
    status = serializers.ChoiceField(
        choices=QuoteStatus.values,
        read_only=True,
        help_text="anchored or fuzzy; orphaned: the words were not found in the source's "
        "new version (shown to the entry's editors and moderators only).",
    )


class PassageLinkOutputSerializer(serializers.ModelSerializer):
    passage = serializers.IntegerField(source="passage_id")
    quote = serializers.SerializerMethodField()

    class Meta:
        model = PassageLink
        fields = ["passage", "relation", "note", "quote"]

    @extend_schema_field(PassageQuoteSerializer(allow_null=True))
    def get_quote(self, obj) -> dict | None:
        # Readers see the link without words that are no longer in the source.
        return link_quote_json(obj, with_orphan=bool(self.context.get("sees_orphans")))


class PassageLinkInputSerializer(serializers.Serializer):
    passage = serializers.IntegerField()
    relation = serializers.CharField(default="comparable")
    note = serializers.CharField(allow_blank=True, default="")
    quote = PassageQuoteSerializer(
        required=False,
        allow_null=True,
        help_text="The selected words; leave the key out to keep the link's current quote, "
        "null to remove it.",
    )


def links_from_input(items, *, current=()) -> list[PassageLinkData]:
    """The links an API request sends; ``current``: the entry's links now (an edit)."""
    kept = {link.passage_id: link for link in current}
    links = []
    for item in items:
        quote: dict = {}
        if item.get("quote"):
            quote = {
                "quote": item["quote"]["exact"],
                "quote_start": item["quote"]["start"],
                "quote_end": item["quote"]["end"],
            }
        elif "quote" not in item and item["passage"] in kept:
            link = kept[item["passage"]]
            if link.quote and link.quote_start is not None:
                quote = {
                    "quote": link.quote,
                    "quote_start": link.quote_start,
                    "quote_end": link.quote_end,
                }
        # A PATCH is partial (DRF applies no defaults): what a link leaves out, it keeps.
        before = kept.get(item["passage"])
        links.append(
            PassageLinkData(
                passage_id=item["passage"],
                relation=item.get("relation", before.relation if before else "comparable"),
                note=item.get("note", before.note if before else ""),
                **quote,
            )
        )
    return links
