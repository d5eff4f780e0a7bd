"""Validation of what a contributor says about an entry. Every problem is collected into
one ValidationError keyed by field (``evidence.2``, ``passages.1``...), with messages a
contributor can act on, so a refused write lists everything at once and stores nothing.
Used by every service that writes an entry's values (create, update, suggested edits,
edits waiting for review, imports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.annotations.services.targets import (
    TextPositionSelector,
    TextQuoteSelector,
    resolve_target,
)
from apps.common.countries import country_code
from apps.common.markdown import render_markdown
from apps.sources.models import Passage, Source
from apps.sources.services import normalize_doi, validate_doi

from ..dimensions import MULTI_VALUED, SINGLE_VALUED, UNKNOWN, Scope
from ..models import (
    EARLIEST_YEAR,
    NOTE_MAX_LENGTH,
    PASSAGE_QUOTE_MAX_LENGTH,
    QUOTE_CONTEXT_LENGTH,
    QUOTE_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Evidence,
    PassageLink,
    Relation,
)
from .data import EvidenceData, ExampleData, PassageLinkData
from .selectors import passages_visible_to

MAX_EVIDENCE = 20
MAX_PASSAGE_LINKS = 20
# Values that mean "nothing else can be said" and so must stand alone in a list.
EXCLUSIVE_VALUES = {UNKNOWN, "none_known"}


@dataclass
class Errors:
    """Collects problems so the contributor sees all of them at once."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def split_place(code: str, errors: Errors) -> tuple[str, str]:
    """(country, scope) from one code; exactly one is set."""
    text = (code or "").strip()
    if not text:
        errors.add("country", _("Choose a country or a supranational scope such as the EU."))
        return "", ""
    # A name ("China") or a code ("CN", "CHN"); the scopes by code or label.
    found = country_code(text, extra=dict(Scope.choices))
    if found in Scope.values:
        return "", found
    if found:
        return found, ""
    errors.add(
        "country",
        _(
            "Unknown country “%(code)s”. Give its name (China) or ISO code (CN), or one "
            "of the supranational scopes: %(scopes)s."
        )
        % {"code": text[:60], "scopes": ", ".join(Scope.values)},
    )
    return "", ""


def category_for_slug(
    slug: str, errors: Errors, known: dict[str, Category] | None = None
) -> Category | None:
    """The category of ``slug`` (``known``: every category by slug, read once by a
    caller that checks many rows, such as the import)."""
    slug = (slug or "").strip()
    if known is not None:
        category = known.get(slug)
    else:
        category = Category.objects.filter(slug=slug).first() if slug else None
    if category is None:
        errors.add("category", _("Unknown category “%(slug)s”.") % {"slug": slug})
    return category


def _year(name: str, value: Any, errors: Errors, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        errors.add(name, _("The %(label)s must be a year such as 2015.") % {"label": label})
        return None
    if year > timezone.now().year:
        errors.add(
            name,
            _("The %(label)s cannot be in the future (%(year)s).") % {"label": label, "year": year},
        )
        return None
    if year < EARLIEST_YEAR:
        errors.add(
            name,
            _("The %(label)s must be %(earliest)s or later.")
            % {"label": label, "earliest": EARLIEST_YEAR},
        )
        return None
    return year


def _choice_list(name: str, values: Sequence[str] | None, choices, errors: Errors) -> list[str]:
    if values is None or isinstance(values, str):
        errors.add(name, _("Give a list of values."))
        return []
    cleaned: list[str] = []
    for value in values:
        if value not in choices.values:
            errors.add(
                name,
                _("Unknown value “%(value)s”. Choose from: %(choices)s.")
                % {"value": value, "choices": ", ".join(choices.values)},
            )
            return []
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        return [UNKNOWN]
    exclusive = [v for v in cleaned if v in EXCLUSIVE_VALUES]
    if exclusive and len(cleaned) > 1:
        errors.add(
            name,
            _("“%(value)s” cannot be combined with other values.")
            % {"value": choices(exclusive[0]).label},
        )
    return cleaned


# /atlas/examples/<id>/transition/ and .../merge/ are routes of their own: an entry titled
# "Transition" must not get a slug that makes its page URL collide with them.
RESERVED_SLUGS = {"transition", "merge", "lifecycle"}


def _slug(title: str) -> str:
    slug = slugify(title)[:80] or "example"
    return f"{slug}-entry" if slug in RESERVED_SLUGS else slug


def clean_example(
    data: ExampleData, errors: Errors, *, categories: dict[str, Category] | None = None
) -> dict[str, Any]:
    """Validated model field values for an example (errors collected, nothing raised).
    ``categories``: every category by slug, for callers that check many rows."""
    title = " ".join((data.title or "").split())
    if not title:
        errors.add("title", _("Give the example a title."))
    elif len(title) > TITLE_MAX_LENGTH:
        errors.add(
            "title",
            _("The title is %(length)s characters long; the limit is %(limit)s.")
            % {"length": len(title), "limit": TITLE_MAX_LENGTH},
        )
    summary = (data.summary or "").strip()
    if not summary:
        errors.add("summary", _("Write a short summary of the example."))
    elif len(summary) > SUMMARY_MAX_LENGTH:
        errors.add(
            "summary",
            _("The summary is %(length)s characters long; the limit is %(limit)s.")
            % {"length": f"{len(summary):,}", "limit": f"{SUMMARY_MAX_LENGTH:,}"},
        )
    country, scope = split_place(data.country, errors)
    category = category_for_slug(data.category, errors, categories)
    values: dict[str, Any] = {}
    for name, choices in SINGLE_VALUED.items():
        value = getattr(data, name) or UNKNOWN
        if value not in choices.values:
            errors.add(
                name,
                _("Unknown value “%(value)s”. Choose from: %(choices)s.")
                % {"value": value, "choices": ", ".join(choices.values)},
            )
        values[name] = value
    for name, choices in MULTI_VALUED.items():
        values[name] = _choice_list(name, getattr(data, name), choices, errors)
    start_year = _year("start_year", data.start_year, errors, _("start year"))
    end_year = _year("end_year", data.end_year, errors, _("end year"))
    if start_year and end_year and end_year < start_year:
        errors.add(
            "end_year",
            _("The end year (%(end)s) is before the start year (%(start)s).")
            % {"end": end_year, "start": start_year},
        )
    return {
        "title": title,
        "slug": _slug(title),
        "summary": summary,
        "summary_html": render_markdown(summary) if summary else "",
        "country": country,
        "scope": scope,
        "region": " ".join((data.region or "").split())[:200],
        "category": category,
        "legal_note": (data.legal_note or "").strip()[:500],
        "start_year": start_year,
        "end_year": end_year,
        **values,
    }


_url_validator = URLValidator(schemes=["http", "https"])


def clean_evidence(items: Sequence[EvidenceData], errors: Errors) -> list[Evidence]:
    if not items:
        errors.add(
            "evidence",
            _(
                "Add at least one piece of evidence: a dated source (published or accessed) "
                "with a URL or a DOI."
            ),
        )
        return []
    if len(items) > MAX_EVIDENCE:
        errors.add("evidence", _("At most %(n)s pieces of evidence.") % {"n": MAX_EVIDENCE})
        return []
    source_ids = {item.source_id for item in items if item.source_id}
    known_sources = set(Source.objects.filter(pk__in=source_ids).values_list("pk", flat=True))
    today = timezone.now().date()
    cleaned = []
    for index, item in enumerate(items, start=1):
        key = f"evidence.{index}"
        before = sum(len(v) for v in errors.by_field.values())
        title = " ".join((item.title or "").split())
        if not title:
            errors.add(key, _("Evidence %(n)s: give the title of the source.") % {"n": index})
        url = (item.url or "").strip()
        if url:
            try:
                _url_validator(url)
            except ValidationError:
                errors.add(
                    key,
                    _(
                        "Evidence %(n)s: “%(url)s” is not a valid web address (it must start "
                        "with http:// or https://)."
                    )
                    % {"n": index, "url": url},
                )
        doi = normalize_doi(item.doi)
        if doi:
            try:
                validate_doi(doi)
            except ValidationError:
                errors.add(
                    key,
                    _(
                        "Evidence %(n)s: “%(doi)s” is not a DOI. A DOI looks like 10.1234/abcd "
                        "(it starts with “10.” and has a slash)."
                    )
                    % {"n": index, "doi": doi},
                )
        if item.source_id and item.source_id not in known_sources:
            errors.add(key, _("Evidence %(n)s: unknown hosted source.") % {"n": index})
        if not (url or doi or item.source_id):
            errors.add(key, _("Evidence %(n)s: give a URL or a DOI.") % {"n": index})
        if not (item.published or item.accessed):
            errors.add(
                key,
                _(
                    "Evidence %(n)s: give a date: when the source was published, or when you "
                    "accessed it."
                )
                % {"n": index},
            )
        for date_name, label in (
            ("published", _("publication date")),
            ("accessed", _("accessed date")),
        ):
            value = getattr(item, date_name)
            if value and value > today:
                errors.add(
                    key,
                    _("Evidence %(n)s: the %(label)s cannot be in the future.")
                    % {"n": index, "label": label},
                )
        quote = (item.quote or "").strip()
        if len(quote) > QUOTE_MAX_LENGTH:
            errors.add(
                key,
                _("Evidence %(n)s: the quote is longer than %(limit)s characters.")
                % {"n": index, "limit": QUOTE_MAX_LENGTH},
            )
        if sum(len(v) for v in errors.by_field.values()) == before:
            cleaned.append(
                Evidence(
                    order=index,
                    title=title[:500],
                    url=url,
                    doi=doi,
                    source_id=item.source_id,
                    publisher=(item.publisher or "").strip()[:300],
                    published=item.published,
                    accessed=item.accessed,
                    page=(item.page or "").strip()[:50],
                    quote=quote,
                )
            )
    return cleaned


def clean_passage_links(
    items: Sequence[PassageLinkData], viewer, errors: Errors
) -> list[PassageLink]:
    if len(items) > MAX_PASSAGE_LINKS:
        errors.add("passages", _("At most %(n)s linked passages.") % {"n": MAX_PASSAGE_LINKS})
        return []
    ids = [item.passage_id for item in items]
    visible = (
        set(passages_visible_to(viewer=viewer).filter(pk__in=ids).values_list("pk", flat=True))
        if ids
        else set()
    )
    cleaned, seen = [], set()
    for index, item in enumerate(items, start=1):
        key = f"passages.{index}"
        if item.passage_id not in visible:
            errors.add(
                key,
                _("Passage %(id)s does not exist or you cannot see it.") % {"id": item.passage_id},
            )
            continue
        if item.relation not in Relation.values:
            errors.add(
                key,
                _("Unknown relation “%(value)s”. Choose from: %(choices)s.")
                % {"value": item.relation, "choices": ", ".join(Relation.values)},
            )
            continue
        if len(item.note or "") > NOTE_MAX_LENGTH:
            errors.add(
                key, _("The note is longer than %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}
            )
            continue
        if item.passage_id in seen:
            continue
        try:
            quote = checked_quote(item)
        except ValidationError as exc:
            errors.add(
                key,
                _("Passage %(id)s: the selected words: %(message)s")
                % {"id": item.passage_id, "message": " ".join(exc.messages)},
            )
            continue
        seen.add(item.passage_id)
        cleaned.append(
            PassageLink(
                passage_id=item.passage_id,
                relation=item.relation,
                note=(item.note or "").strip(),
                **quote,
            )
        )
    return cleaned


def selected_words(*, passage, start: int | None, end: int | None, quote: str) -> dict:
    """Words selected in the reader for the contribution form, checked as the service
    will check them on submit: the form's initial ``quote``, ``quote_start`` and
    ``quote_end``. Raises ValidationError with a message for the contributor."""
    checked = checked_quote(
        PassageLinkData(passage_id=passage.pk, quote=quote, quote_start=start, quote_end=end)
    )
    return {k: checked[k] for k in ("quote", "quote_start", "quote_end")}


def checked_quote(item: PassageLinkData) -> dict:
    """The selected words of a passage link, checked as an annotation's anchor is: the
    quote must be the version's text at the position, inside the linked passage; the
    context each side is taken from the text. {} when no words were selected."""
    if not item.quote and item.quote_start is None and item.quote_end is None:
        return {}
    if not isinstance(item.quote_start, int) or not isinstance(item.quote_end, int):
        raise ValidationError(_("Give the selection's start and end as whole numbers."))
    if len(item.quote or "") > PASSAGE_QUOTE_MAX_LENGTH:
        raise ValidationError(
            _("Select at most %(n)s characters.") % {"n": f"{PASSAGE_QUOTE_MAX_LENGTH:,}"}
        )
    passage = Passage.objects.select_related("document").get(pk=item.passage_id)
    target = resolve_target(
        document=passage.document,
        quote=TextQuoteSelector(item.quote) if item.quote else None,
        position=TextPositionSelector(item.quote_start, item.quote_end),
    )
    if target.start < passage.start or target.end > passage.end:
        raise ValidationError(_("Select words within one passage."))
    return {
        "quote": target.exact,
        "quote_prefix": target.prefix[-QUOTE_CONTEXT_LENGTH:],
        "quote_suffix": target.suffix[:QUOTE_CONTEXT_LENGTH],
        "quote_start": target.start,
        "quote_end": target.end,
    }


def require_reason(reason: str) -> str:
    """A moderator's reason, stripped; ValidationError when there is none."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is kept in the history and in the moderation log.")}
        )
    return reason
