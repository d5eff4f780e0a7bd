"""Writes for the atlas. Every change to an example, its evidence, its passage links, its
status or a country's research status happens here.

Each service checks permission first, validates everything (collecting every problem into
one ValidationError keyed by field, with messages a contributor can act on), and only then
writes, inside one transaction: a refused call stores nothing.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from apps.common.markdown import render_markdown
from apps.moderation import permissions as moderation_roles
from apps.search.services import search_index_example
from apps.sources.models import Source
from apps.sources.services import normalize_doi, validate_doi

from . import cache as atlas_cache
from . import contributors
from .models import (
    COMMENT_MAX_LENGTH,
    ENTRY_COMMENT_MAX_LENGTH,
    MULTI_VALUED,
    NOTE_MAX_LENGTH,
    QUOTE_MAX_LENGTH,
    SINGLE_VALUED,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    UNKNOWN,
    Category,
    ContributorRole,
    CountryResearchStatus,
    EntryComment,
    Evidence,
    Example,
    PassageLink,
    Relation,
    ResearchStatus,
    Scope,
    Status,
    SuggestedEdit,
    SuggestionStatus,
)
from .permissions import can_moderate_example, is_moderator, moderation_denied_message

logger = logging.getLogger(__name__)

EARLIEST_YEAR = 1900
MAX_EVIDENCE = 20
MAX_PASSAGE_LINKS = 20
# Values that mean "nothing else can be said" and so must stand alone in a list.
EXCLUSIVE_VALUES = {UNKNOWN, "none_known"}


@dataclass(frozen=True)
class ExampleData:
    """Everything a contributor says about an example, before validation.

    ``country`` is an ISO 3166-1 alpha-2 code (``DE``) or a supranational scope code
    (``EU``, ``COE``, ``UN``, ``GLOBAL``); ``category`` is a category slug.
    """

    title: str
    summary: str
    country: str
    category: str
    region: str = ""
    operator: str = UNKNOWN
    scored: str = UNKNOWN
    data_sources: Sequence[str] = (UNKNOWN,)
    consequences: Sequence[str] = (UNKNOWN,)
    transparency: str = UNKNOWN
    contestable: str = UNKNOWN
    legal_basis: str = UNKNOWN
    legal_note: str = ""
    lifecycle: str = UNKNOWN
    start_year: int | None = None
    end_year: int | None = None
    confidence: str = "medium"

    @classmethod
    def from_example(cls, example: Example) -> ExampleData:
        return cls(
            title=example.title,
            summary=example.summary,
            country=example.place_code,
            category=example.category.slug,
            region=example.region,
            operator=example.operator,
            scored=example.scored,
            data_sources=tuple(example.data_sources),
            consequences=tuple(example.consequences),
            transparency=example.transparency,
            contestable=example.contestable,
            legal_basis=example.legal_basis,
            legal_note=example.legal_note,
            lifecycle=example.lifecycle,
            start_year=example.start_year,
            end_year=example.end_year,
            confidence=example.confidence,
        )


EXAMPLE_FIELDS = frozenset(f.name for f in fields(ExampleData))
EXAMPLE_FIELDS_ORDER = tuple(f.name for f in fields(ExampleData))


@dataclass(frozen=True)
class EvidenceData:
    title: str
    url: str = ""
    doi: str = ""
    publisher: str = ""
    published: datetime.date | None = None
    accessed: datetime.date | None = None
    page: str = ""
    quote: str = ""
    source_id: int | None = None


@dataclass(frozen=True)
class PassageLinkData:
    passage_id: int
    relation: str = Relation.COMPARABLE
    note: str = ""


@dataclass
class _Errors:
    """Collects problems so the contributor sees all of them at once."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


# --- Validation -----------------------------------------------------------------------------


def _split_place(code: str, errors: _Errors) -> tuple[str, str]:
    """(country, scope) from one code; exactly one is set."""
    code = (code or "").strip().upper()
    if not code:
        errors.add("country", _("Choose a country or a supranational scope such as the EU."))
        return "", ""
    if code in Scope.values:
        return "", code
    if countries.alpha2(code):
        return code, ""
    errors.add(
        "country",
        _(
            "Unknown country “%(code)s”. Use an ISO 3166-1 alpha-2 code such as DE, or one "
            "of the supranational scopes: %(scopes)s."
        )
        % {"code": code, "scopes": ", ".join(Scope.values)},
    )
    return "", ""


def _category(slug: str, errors: _Errors) -> Category | None:
    slug = (slug or "").strip()
    category = Category.objects.filter(slug=slug).first() if slug else None
    if category is None:
        errors.add("category", _("Unknown category “%(slug)s”.") % {"slug": slug})
    return category


def _year(name: str, value: Any, errors: _Errors, label: str) -> int | None:
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


def _choice_list(name: str, values: Sequence[str] | None, choices, errors: _Errors) -> list[str]:
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
RESERVED_SLUGS = {"transition", "merge"}


def _slug(title: str) -> str:
    slug = slugify(title)[:80] or "example"
    return f"{slug}-entry" if slug in RESERVED_SLUGS else slug


def _clean_example(data: ExampleData, errors: _Errors) -> dict[str, Any]:
    """Validated model field values for an example (errors collected, nothing raised)."""
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
    country, scope = _split_place(data.country, errors)
    category = _category(data.category, errors)
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


def _clean_evidence(items: Sequence[EvidenceData], errors: _Errors) -> list[Evidence]:
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


def _clean_passage_links(
    items: Sequence[PassageLinkData], viewer, errors: _Errors
) -> list[PassageLink]:
    from . import selectors

    if len(items) > MAX_PASSAGE_LINKS:
        errors.add("passages", _("At most %(n)s linked passages.") % {"n": MAX_PASSAGE_LINKS})
        return []
    ids = [item.passage_id for item in items]
    visible = set(
        selectors.passages_visible_to(viewer=viewer).filter(pk__in=ids).values_list("pk", flat=True)
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
        seen.add(item.passage_id)
        cleaned.append(
            PassageLink(
                passage_id=item.passage_id, relation=item.relation, note=(item.note or "").strip()
            )
        )
    return cleaned


def _save_children(example: Example, evidence: list[Evidence], links: list[PassageLink]) -> None:
    # Saved one by one (not bulk_create) so simple_history records every row.
    for item in evidence:
        item.example = example
        item.full_clean()
        item.save()
    for link in links:
        link.example = example
        link.full_clean()
        link.save()


def _published_set_changed() -> None:
    """After commit: stale aggregates go, and the snapshot is rebuilt in the background."""

    def after_commit() -> None:
        atlas_cache.bump_generation()
        from .tasks import rebuild_atlas_snapshot

        try:
            rebuild_atlas_snapshot.delay()
        except Exception:  # noqa: BLE001 - a broker outage must not fail the write
            logger.exception("Could not enqueue the atlas snapshot rebuild; the beat will.")

    transaction.on_commit(after_commit)


# --- Moderation queue ------------------------------------------------------------------------


def _queue_on_commit(item_type: str, model, object_id: int, summary: str) -> None:
    """Put an atlas object in the moderation queue once the write commits. Opening the
    item is idempotent; a failure is logged, never raised: the contributor's write stands,
    and the object's state (submitted, open suggestion) still says it awaits review."""

    def open_item() -> None:
        from apps.moderation.services import review_item_open

        target = model._default_manager.filter(pk=object_id).first()
        if target is None:
            return
        try:
            review_item_open(item_type=item_type, target=target, summary=summary)
        except Exception:  # noqa: BLE001 - a queue hiccup must not undo the write
            logger.exception("Could not queue %s %s as %s", model.__name__, object_id, item_type)

    transaction.on_commit(open_item)


def _settle_queue(example: Example, *, item_types, actor, decision: str, reason: str) -> None:
    from apps.moderation.services import review_items_settle

    review_items_settle(
        target=example, item_types=item_types, actor=actor, decision=decision, reason=reason
    )


def _refresh_review_items(example: Example) -> None:
    """The entry changed: once the write commits, its open review items (and those of its
    open suggestions and comments, whose labels, countries and categories are the
    entry's) read as it now does. What they recorded as reviewed stays, so a moderator's
    decision on the old version is refused with the difference (apps/moderation,
    "Versions"). After commit, not under the entry's row lock: a queue decision locks its
    item first, then the entry. A failure is logged; the next edit refreshes again."""
    example_id = example.pk

    def refresh() -> None:
        from apps.moderation.services import review_items_refresh

        current = Example.objects.filter(pk=example_id).first()
        if current is None:
            return
        try:
            review_items_refresh(
                targets=[
                    current,
                    *current.suggestions.filter(status=SuggestionStatus.OPEN),
                    *current.comments.all(),
                ]
            )
        except Exception:  # noqa: BLE001 - the edit stands; the queue label is secondary
            logger.exception("Could not refresh the review items of entry %s", example_id)

    transaction.on_commit(refresh)


def _accepted_count(author) -> int:
    """Entries of ``author`` a moderator ever accepted (published at least once)."""
    return Example.objects.filter(author=author, published_at__isnull=False).count()


def _after_first_publication(example: Example) -> None:
    """Automatic trust: each accepted entry brings its author nearer to trusted status."""
    if example.author_id is None:
        return
    from apps.moderation.services import trust_recompute

    trust_recompute(user=example.author, accepted_count=_accepted_count(example.author))


def skips_premoderation(user) -> bool:
    """Trusted contributors (and moderators, admins): their entries are published when
    they submit them, and their edits to published entries go live (post-reviewed)."""
    return moderation_roles.is_trusted(user)


# --- Examples -------------------------------------------------------------------------------


def _require_signed_in(user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to contribute to the atlas."))


class SimilarEntries(ValidationError):
    """Entries like this one already exist in the same country (or scope): the caller must
    look at them and say theirs is different (``confirm_distinct``). A ValidationError
    keyed by ``confirm_distinct``, so callers that only know ValidationError refuse the
    write; the form shows the entries with an "I checked" box and the API answers 409
    with them (``similar``: the entries the author can see). Nothing is stored."""

    def __init__(self, similar: list[Example]):
        self.similar = similar
        super().__init__(
            {
                "confirm_distinct": _(
                    "Similar entries exist in this country. Check them, then confirm yours "
                    "is different."
                )
            }
        )


def _check_similar(
    *, viewer, title: str, place: str, exclude_id: int | None, confirm_distinct: bool
) -> None:
    """The duplicate check for new entries and for edits that change the title or place."""
    from . import selectors

    if confirm_distinct:
        return
    similar = selectors.similar_examples(
        viewer=viewer, title=title, country=place, exclude_id=exclude_id
    )
    if similar:
        raise SimilarEntries(similar)


@transaction.atomic
def example_create(
    *,
    author,
    data: ExampleData,
    evidence: Sequence[EvidenceData],
    passages: Sequence[PassageLinkData] = (),
    submit: bool = False,
    confirm_distinct: bool = False,
) -> Example:
    """Create a draft example with its evidence and passage links. ``submit=True``
    submits it: a contributor who is not trusted gets ``submitted`` (not public; a
    ``submitted_entry`` item enters the moderation queue on commit), a trusted
    contributor ``published`` at once (pre-moderation is skipped). Raises
    PermissionDenied for anonymous users and ValidationError (nothing stored) for any
    invalid input, with every problem listed by field; then SimilarEntries if entries
    with a similar title in the same country exist that the author can see, unless
    ``confirm_distinct`` says they checked them."""
    _require_signed_in(author)
    errors = _Errors()
    values = _clean_example(data, errors)
    evidence_rows = _clean_evidence(evidence, errors)
    link_rows = _clean_passage_links(passages, author, errors)
    errors.raise_if_any()
    _check_similar(
        viewer=author,
        title=values["title"],
        place=values["country"] or values["scope"],
        exclude_id=None,
        confirm_distinct=confirm_distinct,
    )
    status = Status.DRAFT
    if submit:
        status = Status.PUBLISHED if skips_premoderation(author) else Status.SUBMITTED
    example = Example(**values, author=author, status=status)
    if status == Status.PUBLISHED:
        example.published_at = timezone.now()
    example.full_clean()
    example.save()
    _save_children(example, evidence_rows, link_rows)
    contributors.credit_author(example)
    search_index_example(example_id=example.pk)
    if status == Status.SUBMITTED:
        _queue_submission(example)
    elif status == Status.PUBLISHED:
        _after_first_publication(example)
        _published_set_changed()
    return example


def _queue_submission(example: Example) -> None:
    _queue_on_commit(
        "submitted_entry",
        Example,
        example.pk,
        _("New entry about %(place)s submitted by %(user)s.")
        % {
            "place": example.place_name,
            "user": example.author.get_username() if example.author_id else "-",
        },
    )


# States in which the author may still edit their own entry. Published entries stay
# editable by their author (changes go live and are recorded in the history; the
# moderation console adds post-review and pre-moderation on top, issue 5 §2); rejected
# and archived entries are closed.
AUTHOR_EDITABLE = (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED)


def can_edit(*, user, example: Example) -> bool:
    """Whether ``user`` may change ``example``: moderators of its country any entry not
    archived, the author their own entry in one of AUTHOR_EDITABLE."""
    if can_moderate_example(user, example):
        return example.status != Status.ARCHIVED
    return (
        user is not None
        and user.is_authenticated
        and example.author_id == user.pk
        and example.status in AUTHOR_EDITABLE
    )


class StaleVersion(ValidationError):
    """The entry changed since the caller read it (its ``version`` moved on). A
    ValidationError keyed by ``version``, so callers that only know ValidationError still
    refuse the write; views and the API catch it to answer with a conflict (HTTP 409)
    that shows what changed."""

    def __init__(self, *, expected_version: int, current_version: int):
        self.expected_version = expected_version
        self.current_version = current_version
        super().__init__(
            {
                "version": _(
                    "Someone else changed this entry since you opened it (you edited version "
                    "%(yours)s, it is now version %(current)s). Reload it and apply your change "
                    "again."
                )
                % {"yours": expected_version, "current": current_version}
            }
        )


def _check_version(example: Example, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != example.version:
        raise StaleVersion(expected_version=expected_version, current_version=example.version)


@transaction.atomic
def example_update(
    *,
    actor,
    example: Example,
    changes: Mapping[str, Any] | None = None,
    evidence: Sequence[EvidenceData] | None = None,
    passages: Sequence[PassageLinkData] | None = None,
    expected_version: int | None = None,
    change_reason: str = "",
) -> Example:
    """Change some fields of an example (keys of ``changes`` are ExampleData field names);
    ``evidence`` / ``passages``, when given, replace the current lists.

    The author may edit their own entry unless it was rejected or archived; moderators
    may edit any entry that is not archived (see can_edit). ``expected_version`` guards
    against overwriting someone else's edit: a stale one raises StaleVersion. Bumps
    ``version``. ``change_reason`` goes into the history row. Raises PermissionDenied or
    ValidationError (nothing stored)."""
    example = Example.objects.select_for_update().select_related("category").get(pk=example.pk)
    if not can_edit(user=actor, example=example):
        raise PermissionDenied(
            moderation_denied_message(actor, example, _("You may not edit this entry."))
        )
    if needs_review(user=actor, example=example):
        # example_edit turns such an edit into a suggested edit for moderators.
        raise PermissionDenied(_("Your edits to this published entry go to the moderators first."))
    _check_version(example, expected_version)
    changes = dict(changes or {})
    unknown = sorted(set(changes) - EXAMPLE_FIELDS)
    if unknown:
        raise ValidationError(
            {
                name: _("“%(name)s” is not a field you can change.") % {"name": name}
                for name in unknown
            }
        )
    data = replace(ExampleData.from_example(example), **changes)
    errors = _Errors()
    values = _clean_example(data, errors)
    evidence_rows = _clean_evidence(evidence, errors) if evidence is not None else None
    link_rows = _clean_passage_links(passages, actor, errors) if passages is not None else None
    errors.raise_if_any()
    for name, value in values.items():
        setattr(example, name, value)
    example.version += 1
    example.full_clean()
    if change_reason:
        example._change_reason = change_reason  # recorded in the history row
    example.save()
    if evidence_rows is not None:
        for old in example.evidence.all():
            old.delete()
        _save_children(example, evidence_rows, [])
    if link_rows is not None:
        for old in example.passage_links.all():
            old.delete()
        _save_children(example, [], link_rows)
    search_index_example(example_id=example.pk)
    _refresh_review_items(example)
    if example.status == Status.PUBLISHED:
        _published_set_changed()
        if not can_moderate_example(actor, example):
            # A trusted contributor's edit is live already; a moderator looks afterwards.
            _queue_on_commit(
                "post_review_edit",
                Example,
                example.pk,
                _("%(user)s edited this published entry (now version %(version)s).")
                % {"user": actor.get_username(), "version": example.version},
            )
    return example


# Who may make each status change: the entry's author (moderators may too) or moderators.
AUTHOR, MODERATOR = "author", "moderator"
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Status.SUBMITTED): AUTHOR,
    (Status.CHANGES_REQUESTED, Status.SUBMITTED): AUTHOR,
    (Status.SUBMITTED, Status.DRAFT): AUTHOR,  # withdraw from review to keep editing
    (Status.SUBMITTED, Status.PUBLISHED): MODERATOR,
    (Status.SUBMITTED, Status.CHANGES_REQUESTED): MODERATOR,
    (Status.SUBMITTED, Status.REJECTED): MODERATOR,
    (Status.PUBLISHED, Status.ARCHIVED): MODERATOR,
    # A flagged or badly edited published entry goes back to its author, off the map.
    (Status.PUBLISHED, Status.CHANGES_REQUESTED): MODERATOR,
    (Status.ARCHIVED, Status.PUBLISHED): MODERATOR,
}
REASON_REQUIRED = {Status.CHANGES_REQUESTED, Status.REJECTED, Status.ARCHIVED}


def allowed_transitions(*, user, example: Example) -> list[str]:
    """The statuses ``user`` may move ``example`` to (for buttons and the API)."""
    moderator = can_moderate_example(user, example)
    is_author = user is not None and user.is_authenticated and example.author_id == user.pk
    return [
        target
        for (source, target), who in TRANSITIONS.items()
        if source == example.status and (moderator or (who == AUTHOR and is_author))
    ]


# A moderator's status change on the entry page settles the entry's open queue item as
# the same decision would (so the queue never lists what was already decided).
SETTLES_AS = {
    (Status.SUBMITTED, Status.PUBLISHED): "publish",
    (Status.SUBMITTED, Status.CHANGES_REQUESTED): "request_changes",
    (Status.SUBMITTED, Status.REJECTED): "reject",
}


@transaction.atomic
def example_transition(
    *,
    actor,
    example: Example,
    to: str,
    reason: str = "",
    settle_queue: bool = True,
    expected_version: int | None = None,
) -> Example:
    """Move an example through its life: draft → submitted → published, changes requested
    or rejected; published → archived (and back). The moderation console calls this too.

    Authors submit and withdraw their own entries; moderators of the entry's country
    (apps.moderation roles: global moderators, moderators scoped to that country, admins)
    publish, request changes, reject and archive, and must give a reason for the last
    three. A moderator outside their scope gets PermissionDenied saying so. Raises ValidationError for a change that
    does not exist, PermissionDenied for one the actor may not make; nothing is stored.

    Pre-moderation: a trusted author who submits publishes at once; an author who is not
    trusted puts the entry in the review queue (``submitted_entry``, on commit). The
    first publication counts towards the author's automatic trust. A moderator's
    decision here closes the entry's open ``submitted_entry`` item (the author is told,
    as from the queue); the queue's own adapter passes ``settle_queue=False``.

    ``expected_version`` (the version the entry page or API client showed): a stale one
    raises StaleVersion, so a moderator never publishes a version they did not see."""
    example = Example.objects.select_for_update().get(pk=example.pk)
    if to not in Status.values:
        raise ValidationError(
            {
                "to": _("Unknown status “%(to)s”. Choose from: %(choices)s.")
                % {"to": to, "choices": ", ".join(Status.values)}
            }  # fmt: skip
        )
    who = TRANSITIONS.get((example.status, to))
    if who is None:
        raise ValidationError(
            {
                "to": _("An entry cannot go from “%(current)s” to “%(to)s”.")
                % {"current": example.get_status_display(), "to": Status(to).label}
            }
        )
    is_author = actor is not None and actor.is_authenticated and example.author_id == actor.pk
    if not (can_moderate_example(actor, example) or (who == AUTHOR and is_author)):
        raise PermissionDenied(
            moderation_denied_message(
                actor,
                example,
                _("You may not change this entry from “%(current)s” to “%(to)s”.")
                % {"current": example.get_status_display(), "to": Status(to).label},
            )
        )
    _check_version(example, expected_version)
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Give a reason: the author will read it.")})
    if to == Status.SUBMITTED and not example.evidence.exists():
        raise ValidationError({"evidence": _("Add at least one piece of evidence first.")})
    if to == Status.SUBMITTED and is_author and skips_premoderation(actor):
        to = Status.PUBLISHED
    was_published = example.status == Status.PUBLISHED
    previous = example.status
    first_publication = to == Status.PUBLISHED and example.published_at is None
    example.status = to
    example.status_reason = reason
    if first_publication:
        example.published_at = timezone.now()
    example.version += 1
    example._change_reason = reason or f"status: {to}"
    example.save()
    if was_published or to == Status.PUBLISHED:
        _published_set_changed()
    if first_publication:
        _after_first_publication(example)
    if to == Status.SUBMITTED:
        _queue_submission(example)
    decision = SETTLES_AS.get((previous, to))
    if settle_queue and decision and who == MODERATOR:
        _settle_queue(
            example, item_types=["submitted_entry"], actor=actor, decision=decision, reason=reason
        )
    return example


@transaction.atomic
def example_hide_pending_review(*, example: Example, reason: str) -> Example:
    """Flags on a published entry reached the moderation threshold: archive it (off the
    map and lists) until a moderator decides. System action, called only by the
    moderation app's entry adapter (which audits it); no-op unless published."""
    example = Example.objects.select_for_update().get(pk=example.pk)
    if example.status != Status.PUBLISHED:
        return example
    example.status = Status.ARCHIVED
    example.status_reason = reason
    example.version += 1
    example._change_reason = reason
    example.save()
    _published_set_changed()
    return example


@transaction.atomic
def example_import_published(
    *,
    data: ExampleData,
    evidence: Sequence[EvidenceData],
    passages: Sequence[PassageLinkData] = (),
) -> Example:
    """Trusted path for starter data and imports run by operators (no user): validates
    exactly as example_create, then stores the entry as published."""
    errors = _Errors()
    values = _clean_example(data, errors)
    evidence_rows = _clean_evidence(evidence, errors)
    link_rows = _clean_passage_links(passages, None, errors)
    errors.raise_if_any()
    example = Example(**values, status=Status.PUBLISHED, published_at=timezone.now())
    example.full_clean()
    example.save()
    _save_children(example, evidence_rows, link_rows)
    search_index_example(example_id=example.pk)
    _published_set_changed()
    return example


# --- Research status ------------------------------------------------------------------------


@transaction.atomic
def research_status_mark(
    *, actor, country: str, category: str, none_found: bool = True, note: str = ""
) -> CountryResearchStatus | None:
    """Moderators record that a country × category was researched and nothing was found
    (``none_found=False`` clears it). Returns the status row, or None when cleared."""
    if not is_moderator(actor):
        raise PermissionDenied(_("Only moderators can set a country's research status."))
    errors = _Errors()
    code, scope = _split_place(country, errors)
    if scope:
        errors.add(
            "country",
            _("Research status is kept for countries, not for %(scope)s.") % {"scope": scope},
        )
    category_row = _category(category, errors)
    errors.raise_if_any()
    if not moderation_roles.can_moderate_country(actor, code):
        raise PermissionDenied(
            _("%(country)s is outside the countries you moderate.")
            % {"country": countries.name(code)}
        )
    if not none_found:
        CountryResearchStatus.objects.filter(country=code, category=category_row).delete()
        _published_set_changed()
        return None
    status, _created = CountryResearchStatus.objects.update_or_create(
        country=code,
        category=category_row,
        defaults={"status": ResearchStatus.NONE_FOUND, "note": note.strip()[:500], "set_by": actor},
    )
    _published_set_changed()
    return status


# --- Suggested edits ------------------------------------------------------------------------

SUGGESTION_CLOSED_STATES = (Status.ARCHIVED, Status.REJECTED)


def _editable_now(example: Example) -> dict[str, Any]:
    from .selectors import editable_values

    return editable_values(example)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, (list, tuple)) or isinstance(new, (list, tuple)):
        return list(old or []) == list(new or [])
    return old == new or (old in (None, "") and new in (None, ""))


def _clean_suggestion(
    *, example: Example, changes: Mapping[str, Any], comment: str
) -> tuple[dict[str, Any], str]:
    """The changed ExampleData fields (cleaned) and the comment, or ValidationError."""
    changes = dict(changes or {})
    unknown = sorted(set(changes) - EXAMPLE_FIELDS)
    if unknown:
        raise ValidationError(
            {
                name: _("“%(name)s” is not a field you can change.") % {"name": name}
                for name in unknown
            }
        )
    current = ExampleData.from_example(example)
    proposed = replace(current, **changes)
    errors = _Errors()
    values = _clean_example(proposed, errors)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        errors.add(
            "comment",
            _("The comment is %(length)s characters long; the limit is %(limit)s.")
            % {"length": len(comment), "limit": COMMENT_MAX_LENGTH},
        )
    errors.raise_if_any()
    # Compare cleaned values, so "  Title " against "Title" is no change.
    cleaned = {name: values[name] for name in EXAMPLE_FIELDS if name not in ("country", "category")}
    cleaned["country"] = (values["country"] or values["scope"]).upper()
    cleaned["category"] = values["category"].slug
    now = _editable_now(example)
    kept = {
        name: cleaned[name]
        for name in EXAMPLE_FIELDS_ORDER
        if name in changes and not _same(now[name], cleaned[name])
    }
    return kept, comment


def _no_change_error() -> ValidationError:
    return ValidationError(
        {"changes": _("Change at least one field: these values are the entry's current ones.")}
    )


def _queue_suggestion(suggestion: SuggestedEdit, summary: str) -> None:
    _queue_on_commit("suggested_edit", SuggestedEdit, suggestion.pk, summary)


@transaction.atomic
def suggestion_create(
    *, proposer, example: Example, changes: Mapping[str, Any], comment: str = ""
) -> SuggestedEdit:
    """Propose new values for some editable fields (ExampleData field names) of an entry
    someone else wrote. Only fields that differ from the entry's current values are kept;
    at least one must, and every value must pass the same validation as an edit.

    Any signed-in user who can see the entry and is not its author may suggest, while
    the entry is open (not rejected or archived). The suggestion enters the moderation
    queue (``suggested_edit``, on commit). Raises PermissionDenied, Http404 (an entry the
    proposer cannot see) or ValidationError; nothing is stored then."""
    from . import selectors

    _require_signed_in(proposer)
    example = selectors.example_get(viewer=proposer, example_id=example.pk)
    if example.author_id == proposer.pk:
        raise PermissionDenied(_("You wrote this entry: edit it directly."))
    if not can_suggest(user=proposer, example=example):
        raise PermissionDenied(_("This entry is closed: it takes no suggestions."))
    kept, comment = _clean_suggestion(example=example, changes=changes, comment=comment)
    if not kept:
        raise _no_change_error()
    suggestion = SuggestedEdit(
        example=example,
        proposer=proposer,
        changes=kept,
        comment=comment,
        base_version=example.version,
    )
    suggestion.full_clean()
    suggestion.save()
    _queue_suggestion(
        suggestion,
        _("%(user)s suggests changing %(fields)s.")
        % {"user": proposer.get_username(), "fields": ", ".join(kept)},
    )
    return suggestion


# --- Edits that wait for a moderator -----------------------------------------------------------


def needs_review(*, user, example: Example) -> bool:
    """Whether ``user``'s edit of ``example`` must wait for a moderator: the author of a
    published entry who is not yet trusted (and does not moderate it). Their edit
    becomes a suggested edit that only moderators decide; the published text stays as
    it is meanwhile (docs/moderation.md, "Pre-moderation")."""
    return (
        example.status == Status.PUBLISHED
        and user is not None
        and user.is_authenticated
        and example.author_id == user.pk
        and not skips_premoderation(user)
        and not can_moderate_example(user, example)
    )


@dataclass(frozen=True)
class EditOutcome:
    """What became of an edit: applied (``suggestion`` None) or waiting for a moderator."""

    example: Example
    suggestion: SuggestedEdit | None = None

    @property
    def awaits_review(self) -> bool:
        return self.suggestion is not None


def _evidence_json(item: EvidenceData) -> dict:
    data = {f.name: getattr(item, f.name) for f in fields(EvidenceData)}
    for name in ("published", "accessed"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


def _evidence_from_json(data: Mapping) -> EvidenceData:
    values = dict(data)
    for name in ("published", "accessed"):
        values[name] = datetime.date.fromisoformat(values[name]) if values.get(name) else None
    return EvidenceData(**values)


def _link_json(item: PassageLinkData) -> dict:
    return {"passage_id": item.passage_id, "relation": item.relation, "note": item.note or ""}


def _current_evidence_json(example: Example) -> list[dict]:
    return [
        _evidence_json(
            EvidenceData(
                title=row.title, url=row.url, doi=row.doi, publisher=row.publisher,
                published=row.published, accessed=row.accessed, page=row.page, quote=row.quote,
                source_id=row.source_id,
            )
        )
        for row in example.evidence.order_by("order", "pk")
    ]  # fmt: skip


def _current_links_json(example: Example) -> list[dict]:
    return [
        {"passage_id": row.passage_id, "relation": row.relation, "note": row.note}
        for row in example.passage_links.order_by("pk")
    ]


@transaction.atomic
def example_edit(
    *,
    actor,
    example: Example,
    changes: Mapping[str, Any] | None = None,
    evidence: Sequence[EvidenceData] | None = None,
    passages: Sequence[PassageLinkData] | None = None,
    expected_version: int | None = None,
    confirm_distinct: bool = False,
) -> EditOutcome:
    """The entry point of the edit form and the API: apply the edit (example_update), or,
    when ``needs_review`` holds, validate it the same way and store it as the author's
    own suggested edit for moderators to accept (evidence and passage lists included).
    Raises what example_update raises (PermissionDenied, StaleVersion, ValidationError),
    and SimilarEntries when the edit moves the title or place close to another entry
    (unless ``confirm_distinct``); nothing is stored then."""
    locked = Example.objects.select_for_update().select_related("category").get(pk=example.pk)
    if expected_version is None or expected_version == locked.version:
        # (A stale edit is refused first, with what changed.)
        _check_similar_on_edit(
            actor=actor, example=locked, changes=changes or {}, confirm_distinct=confirm_distinct
        )
    if not needs_review(user=actor, example=locked):
        return EditOutcome(
            example=example_update(
                actor=actor,
                example=locked,
                changes=changes,
                evidence=evidence,
                passages=passages,
                expected_version=expected_version,
            )
        )
    _check_version(locked, expected_version)
    kept, _comment = _clean_suggestion(example=locked, changes=changes or {}, comment="")
    errors = _Errors()
    if evidence is not None:
        _clean_evidence(evidence, errors)
    if passages is not None:
        _clean_passage_links(passages, actor, errors)
    errors.raise_if_any()
    if evidence is not None:
        proposed = [_evidence_json(item) for item in evidence]
        if proposed != _current_evidence_json(locked):
            kept["evidence"] = proposed
    if passages is not None:
        proposed = [_link_json(item) for item in passages]
        if proposed != _current_links_json(locked):
            kept["passages"] = proposed
    if not kept:
        raise _no_change_error()
    suggestion = SuggestedEdit(
        example=locked,
        proposer=actor,
        changes=kept,
        comment=_("Edit by the author of this published entry."),
        base_version=locked.version,
    )
    suggestion.full_clean()
    suggestion.save()
    _queue_suggestion(
        suggestion,
        _("The author (not yet trusted) edited this published entry: %(fields)s.")
        % {"fields": ", ".join(kept)},
    )
    return EditOutcome(example=locked, suggestion=suggestion)


def _check_similar_on_edit(
    *, actor, example: Example, changes: Mapping[str, Any], confirm_distinct: bool
) -> None:
    """An edit that changes the title or the place meets the same duplicate check as a new
    entry (the other entries only). Only for someone who may edit the entry (anyone else
    is refused by example_update, and learns nothing about other entries)."""
    if not can_edit(user=actor, example=example):
        return  # example_update refuses with PermissionDenied
    title = " ".join(str(changes.get("title", example.title) or "").split())
    place = str(changes.get("country", example.place_code) or "").strip().upper()
    if (title, place) == (example.title, example.place_code):
        return
    _check_similar(
        viewer=actor,
        title=title,
        place=place,
        exclude_id=example.pk,
        confirm_distinct=confirm_distinct,
    )


def can_suggest(*, user, example: Example) -> bool:
    """Whether to offer "Suggest an edit": signed in, not the author, entry still open.
    (suggestion_create also checks that the user can see the entry.)"""
    return (
        user is not None
        and user.is_authenticated
        and example.author_id != user.pk
        and example.status not in SUGGESTION_CLOSED_STATES
    )


def can_decide_suggestion(*, user, suggestion: SuggestedEdit) -> bool:
    """Moderators of the entry's country decide on suggestions; so does the entry's author,
    on suggestions by others (an author's own pending edit is for moderators only)."""
    if can_moderate_example(user, suggestion.example):
        return True
    return (
        user is not None
        and user.is_authenticated
        and suggestion.example.author_id == user.pk
        and suggestion.proposer_id != user.pk
    )


def _open_suggestion_for_decision(actor, suggestion: SuggestedEdit) -> SuggestedEdit:
    suggestion = (
        SuggestedEdit.objects.select_for_update().select_related("example").get(pk=suggestion.pk)
    )
    if not can_decide_suggestion(user=actor, suggestion=suggestion):
        raise PermissionDenied(_("Only the entry's author and moderators decide on suggestions."))
    if suggestion.status != SuggestionStatus.OPEN:
        # Two people deciding at once: the row lock makes one win; the other is told.
        raise ValidationError(
            {
                "status": _("This suggestion was already %(status)s.")
                % {"status": suggestion.get_status_display().lower()}
            }
        )
    return suggestion


@transaction.atomic
def suggestion_accept(
    *,
    actor,
    suggestion: SuggestedEdit,
    expected_version: int | None = None,
    settle_queue: bool = True,
) -> SuggestedEdit:
    """Apply an open suggestion to its entry through example_update (so the same
    permission, validation and version check hold: ``expected_version`` is the entry
    version the decider was shown, by default the one the suggestion was made on, so
    an entry that moved since is never changed unseen) and record who accepted it and
    the resulting version.
    An author who is not yet trusted cannot accept suggestions to their published entry
    (it would go live unreviewed): moderators do. The suggestion's queue item is closed
    as published (the queue's adapter passes ``settle_queue=False``). Raises
    PermissionDenied, StaleVersion or ValidationError; then nothing changes."""
    suggestion = _open_suggestion_for_decision(actor, suggestion)
    if needs_review(user=actor, example=suggestion.example):
        raise PermissionDenied(
            _(
                "Changes to a published entry by a contributor who is not yet trusted are "
                "accepted by moderators. Decline it, or leave it for a moderator."
            )
        )
    proposer = suggestion.proposer.public_name if suggestion.proposer_id else _("a former user")
    changes = dict(suggestion.changes)
    evidence = changes.pop("evidence", None)
    passages = changes.pop("passages", None)
    example = example_update(
        actor=actor,
        example=suggestion.example,
        changes=changes,
        evidence=[_evidence_from_json(item) for item in evidence] if evidence is not None else None,
        passages=[PassageLinkData(**item) for item in passages] if passages is not None else None,
        expected_version=(
            suggestion.base_version if expected_version is None else expected_version
        ),
        change_reason=_("Suggestion %(id)s by %(name)s accepted")
        % {"id": suggestion.pk, "name": proposer},
    )
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.applied_version = example.version
    suggestion.save()
    contributors.contributor_credit(
        example=example, user=suggestion.proposer, role=ContributorRole.EDITOR
    )
    if settle_queue:
        _settle_suggestion(suggestion, actor=actor, decision="publish", reason="")
    return suggestion


def _settle_suggestion(suggestion: SuggestedEdit, *, actor, decision: str, reason: str) -> None:
    from apps.moderation.services import review_items_settle

    review_items_settle(
        target=suggestion,
        item_types=["suggested_edit"],
        actor=actor,
        decision=decision,
        reason=reason or _("Accepted on the entry page."),
    )


@transaction.atomic
def suggestion_reject(
    *, actor, suggestion: SuggestedEdit, reason: str, settle_queue: bool = True
) -> SuggestedEdit:
    """Decline an open suggestion with a reason the proposer will read. The entry is not
    touched. Raises PermissionDenied or ValidationError (nothing changes)."""
    suggestion = _open_suggestion_for_decision(actor, suggestion)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: the person who suggested it will read it.")}
        )
    if len(reason) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("The reason is longer than %(limit)s characters.")
                % {"limit": COMMENT_MAX_LENGTH}
            }
        )
    suggestion.status = SuggestionStatus.REJECTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.reason = reason
    suggestion.save()
    if settle_queue:
        _settle_suggestion(suggestion, actor=actor, decision="reject", reason=reason)
    return suggestion


# --- Discussion -----------------------------------------------------------------------------

# 20 comments a minute per user: enough for a lively exchange, too few for a flood.
COMMENT_RATE_LIMIT = 20
COMMENT_RATE_WINDOW = 60  # seconds


class RateLimited(PermissionDenied):
    """Too many writes in the current window; ``retry_after`` is in seconds (for the
    ``Retry-After`` header of a 429)."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _check_comment_rate(user) -> None:
    # A fixed window per user in the cache (Redis in production, shared by all workers).
    now = int(time.time())
    window = now // COMMENT_RATE_WINDOW
    key = f"atlas:comment-rate:{user.pk}:{window}"
    atlas_cache.cache.add(key, 0, timeout=COMMENT_RATE_WINDOW + 5)
    try:
        count = atlas_cache.cache.incr(key)
    except ValueError:  # expired between add and incr
        atlas_cache.cache.set(key, 1, timeout=COMMENT_RATE_WINDOW + 5)
        count = 1
    if count > COMMENT_RATE_LIMIT:
        retry_after = (window + 1) * COMMENT_RATE_WINDOW - now
        raise RateLimited(
            _(
                "You have posted %(limit)s comments in the last minute. Please wait "
                "%(seconds)s seconds before posting again."
            )
            % {"limit": COMMENT_RATE_LIMIT, "seconds": retry_after},
            retry_after=retry_after,
        )


@transaction.atomic
def comment_create(
    *, author, example: Example, body: str, parent_id: int | None = None
) -> EntryComment:
    """Post a comment (or, with ``parent_id``, a reply) under an entry the author can see.
    A reply to a reply joins the thread of its first comment. The body is Markdown,
    stored with its sanitised HTML. At most COMMENT_RATE_LIMIT comments per user per
    minute (RateLimited). Raises PermissionDenied, Http404 (an entry the author cannot
    see) or ValidationError; nothing is stored then."""
    from . import selectors

    _require_signed_in(author)
    example = selectors.example_get(viewer=author, example_id=example.pk)
    body = (body or "").strip()
    errors = _Errors()
    if not body:
        errors.add("body", _("Write a comment first."))
    elif len(body) > ENTRY_COMMENT_MAX_LENGTH:
        errors.add(
            "body",
            _("The comment is %(length)s characters long; the limit is %(limit)s.")
            % {"length": f"{len(body):,}", "limit": f"{ENTRY_COMMENT_MAX_LENGTH:,}"},
        )
    parent = None
    if parent_id is not None:
        parent = EntryComment.objects.filter(pk=parent_id, example=example).first()
        if parent is not None and parent.is_deleted:
            errors.add("parent", _("The comment you reply to was deleted."))
        elif parent is None or not selectors.comment_visible(viewer=author, comment=parent):
            errors.add("parent", _("The comment you reply to does not exist on this entry."))
        elif parent.parent_id:
            parent = EntryComment.objects.get(pk=parent.parent_id)
    errors.raise_if_any()
    _check_comment_rate(author)
    comment = EntryComment(
        example=example, author=author, parent=parent, body=body, body_html=render_markdown(body)
    )
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def comment_delete(*, actor, comment: EntryComment) -> EntryComment:
    """Soft-delete a comment: its author or a moderator. The text is kept for moderators
    (and a restore); readers see "[deleted]" while it has replies, nothing otherwise."""
    comment = EntryComment.objects.select_for_update().get(pk=comment.pk)
    is_author = actor is not None and actor.is_authenticated and comment.author_id == actor.pk
    if not (is_author or can_moderate_example(actor, comment.example)):
        raise PermissionDenied(
            moderation_denied_message(
                actor, comment.example, _("Only its author or a moderator may delete this comment.")
            )
        )
    if comment.deleted_at is None:
        comment.deleted_at = timezone.now()
        comment.deleted_by = actor
        comment.save(update_fields=["deleted_at", "deleted_by", "modified"])
    return comment


@transaction.atomic
def comment_set_hidden(*, moderator, comment: EntryComment, hidden: bool) -> EntryComment:
    """Moderators hide a comment (only its author and moderators still see it) or show
    it again. Idempotent."""
    comment = EntryComment.objects.select_for_update().select_related("example").get(pk=comment.pk)
    if not can_moderate_example(moderator, comment.example):
        raise PermissionDenied(
            moderation_denied_message(
                moderator, comment.example, _("Only moderators hide or restore comments.")
            )
        )
    if comment.hidden != hidden:
        comment.hidden = hidden
        comment.save(update_fields=["hidden", "modified"])
    return comment


@transaction.atomic
def comment_hide_pending_review(*, comment: EntryComment) -> EntryComment:
    """Flags on a comment reached the moderation threshold: hide it until a moderator
    decides. System action, called only by the moderation app's comment adapter (which
    audits it). Idempotent."""
    comment = EntryComment.objects.select_for_update().get(pk=comment.pk)
    if not comment.hidden:
        comment.hidden = True
        comment.save(update_fields=["hidden", "modified"])
    return comment


@transaction.atomic
def comments_move(*, from_example: Example, to_example: Example) -> int:
    """Re-point every comment of ``from_example`` (threads, replies, deleted and hidden
    ones alike) to ``to_example``; returns how many moved. A step of the moderators'
    duplicate merge, which checks who may merge and records it in the audit log; the
    thread keeps its shape and order (replies keep their parent, times are unchanged)."""
    if from_example.pk == to_example.pk:
        raise ValidationError({"to_example": _("An entry cannot be merged into itself.")})
    return EntryComment.objects.filter(example_id=from_example.pk).update(example_id=to_example.pk)
