"""Where an annotation points: the W3C selectors a client sends, checked against the
version's text (``resolve_target``), with the missing one filled in."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.sources.models import Document, Passage

from .. import anchoring
from ..models import CONTEXT_LENGTH

MAX_QUOTE_LENGTH = 20_000


@dataclass(frozen=True)
class TextQuoteSelector:
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class TextPositionSelector:
    start: int
    end: int


@dataclass(frozen=True)
class ResolvedTarget:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    passage: Passage | None


def _passage_at(document: Document, start: int) -> Passage | None:
    """The passage holding ``start`` (or the next one if ``start`` is between passages)."""
    return (
        Passage.objects.filter(document=document, end__gt=start)
        .only("id", "start", "end", "document_id")
        .order_by("start")
        .first()
    )


def resolve_target(
    *,
    document: Document,
    quote: TextQuoteSelector | None,
    position: TextPositionSelector | None,
) -> ResolvedTarget:
    """Check the selectors against the version's text and fill in the missing one.

    Either selector may be given alone; with both, the quote must be exactly the text at
    the position. The stored prefix/suffix are always recomputed from the text (32
    characters), so clients cannot store context that is not there.
    """
    text = document.text
    if quote is None and position is None:
        raise ValidationError({"target": _("Send a TextQuoteSelector or a TextPositionSelector.")})
    if quote is not None:
        if not quote.exact or not quote.exact.strip():
            raise ValidationError({"target": _("The quote (exact) is empty.")})
        if len(quote.prefix) > CONTEXT_LENGTH or len(quote.suffix) > CONTEXT_LENGTH:
            raise ValidationError(
                {
                    "target": _("prefix and suffix are at most %(n)d characters.")
                    % {"n": CONTEXT_LENGTH}
                }
            )
    if position is not None:
        start, end = position.start, position.end
        if not (isinstance(start, int) and isinstance(end, int)):
            raise ValidationError({"target": _("start and end must be whole numbers.")})
        if not 0 <= start < end <= len(text):
            raise ValidationError(
                {
                    "target": _(
                        "The position %(start)s–%(end)s is outside the text of this version "
                        "(0–%(length)s, end after start)."
                    )
                    % {"start": start, "end": end, "length": len(text)}
                }
            )
        if quote is not None:
            if text[start:end] != quote.exact:
                raise ValidationError(
                    {
                        "target": _(
                            "The quote does not match the text at %(start)s–%(end)s, "
                            "which reads “%(actual)s”."
                        )
                        % {"start": start, "end": end, "actual": _shorten(text[start:end])}
                    }
                )
            if quote.prefix and not text[:start].endswith(quote.prefix):
                raise ValidationError(
                    {"target": _("The prefix does not match the text before the quote.")}
                )
            if quote.suffix and not text[end:].startswith(quote.suffix):
                raise ValidationError(
                    {"target": _("The suffix does not match the text after the quote.")}
                )
    else:
        start, end = _find_quote(text, quote)
    if end - start > MAX_QUOTE_LENGTH:
        raise ValidationError(
            {
                "target": _("A selection is at most %(n)s characters.")
                % {"n": f"{MAX_QUOTE_LENGTH:,}"}
            }
        )
    if not text[start:end].strip():
        raise ValidationError({"target": _("The selection contains only spaces.")})
    exact, prefix, suffix = anchoring.context_around(text, start, end)
    return ResolvedTarget(start, end, exact, prefix, suffix, _passage_at(document, start))


def _find_quote(text: str, quote: TextQuoteSelector) -> tuple[int, int]:
    """The single occurrence of the quote whose given context matches, or a clear error."""
    positions = []
    position = text.find(quote.exact)
    while position != -1:
        end = position + len(quote.exact)
        if text[:position].endswith(quote.prefix) and text[end:].startswith(quote.suffix):
            positions.append(position)
        position = text.find(quote.exact, position + 1)
    if not positions:
        raise ValidationError(
            {
                "target": _(
                    "The quoted text does not occur in this version (with that prefix and suffix)."
                )
            }
        )
    if len(positions) > 1:
        raise ValidationError(
            {
                "target": _(
                    "The quote occurs %(n)d times; add a prefix and suffix or a "
                    "TextPositionSelector to say which."
                )
                % {"n": len(positions)}
            }
        )
    return positions[0], positions[0] + len(quote.exact)


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
