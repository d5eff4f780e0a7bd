"""The comparative atlas: examples of social-credit-like systems, country by country.

An Example is described on the same comparative dimensions as every other (the codebook at
/atlas/codebook/ defines them), cites at least one piece of Evidence, and may link to the
passages of hosted sources it speaks to. Only published examples count anywhere public;
each feature package's services own the writes (entries/transitions.py the state
machine), entries/selectors.py owns visibility, permissions.py who may act on an entry.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from apps.common.models import TimeStampedModel
from apps.common.reversing import cached_reverse
from apps.common.validators import validate_not_future_year

from .dimensions import (
    UNKNOWN,
    Confidence,
    Consequence,
    Contestable,
    DataSource,
    LegalBasis,
    Lifecycle,
    Operator,
    Scope,
    Scored,
    Transparency,
    country_name,
    years_display,
)

SUMMARY_MAX_LENGTH = 5000
TITLE_MAX_LENGTH = 200
QUOTE_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 1000
# A passage link's selected words: at most this long, with this much context each side
# (as annotations' TextQuoteSelector).
PASSAGE_QUOTE_MAX_LENGTH = 2000
QUOTE_CONTEXT_LENGTH = 32
# What a copy of a passage link carries besides its passage, relation and note.
PASSAGE_LINK_QUOTE_FIELDS = (
    "quote", "quote_prefix", "quote_suffix", "quote_start", "quote_end", "quote_status",
)  # fmt: skip
EARLIEST_YEAR = 1900


class Category(models.Model):
    """One branch of the admin-editable taxonomy (seeded by migration 0002)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")
    ARCHIVED = "archived", _("Archived")
    # Folded into another entry by a moderator (Example.merged_into); its URL redirects
    # there, and it counts nowhere (apps/atlas/merge/).
    MERGED = "merged", _("Merged into another entry")


def _history() -> HistoricalRecords:
    """Version history (django-simple-history; whole reasons: settings.py)."""
    return HistoricalRecords()


def _unknown_list() -> list[str]:
    return [UNKNOWN]


class Example(TimeStampedModel):
    """A documented social-credit-like system in one country or supranational scope."""

    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    slug = models.SlugField(_("slug"), max_length=80, allow_unicode=False)
    summary = models.TextField(
        _("summary"), max_length=SUMMARY_MAX_LENGTH, help_text=_("Markdown.")
    )
    # Rendered once on write (apps.common.markdown), so pages never render Markdown.
    summary_html = models.TextField(_("summary (HTML)"), blank=True, editable=False)
    country = CountryField(_("country"), blank=True, db_index=True)
    scope = models.CharField(
        _("supranational scope"), max_length=8, choices=Scope.choices, blank=True, db_index=True
    )
    region = models.CharField(_("region or city"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="examples", verbose_name=_("category")
    )
    operator = models.CharField(
        _("operator"), max_length=20, choices=Operator.choices, default=UNKNOWN
    )
    scored = models.CharField(
        _("who is scored"), max_length=20, choices=Scored.choices, default=UNKNOWN
    )
    data_sources = models.JSONField(_("data sources"), default=_unknown_list)
    consequences = models.JSONField(_("consequences"), default=_unknown_list)
    transparency = models.CharField(
        _("transparency of criteria"), max_length=20, choices=Transparency.choices, default=UNKNOWN
    )
    contestable = models.CharField(
        _("right to contest"), max_length=20, choices=Contestable.choices, default=UNKNOWN
    )
    legal_basis = models.CharField(
        _("legal basis"), max_length=20, choices=LegalBasis.choices, default=UNKNOWN
    )
    legal_note = models.CharField(_("legal basis note"), max_length=500, blank=True)
    lifecycle = models.CharField(
        _("lifecycle"), max_length=20, choices=Lifecycle.choices, default=UNKNOWN, db_index=True
    )
    start_year = models.PositiveSmallIntegerField(
        _("start year"), null=True, blank=True,
        validators=[MinValueValidator(EARLIEST_YEAR), validate_not_future_year],
    )  # fmt: skip
    end_year = models.PositiveSmallIntegerField(
        _("end year"), null=True, blank=True,
        validators=[MinValueValidator(EARLIEST_YEAR), validate_not_future_year],
    )  # fmt: skip
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # The reason given with the last status change (shown to the author on "changes
    # requested" and "rejected"); the full trail is in the history table.
    status_reason = models.TextField(_("reason for the last status change"), blank=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    # Bumped by every write through the services: clients send the version they edited so
    # a stale edit is refused instead of silently overwriting someone else's.
    version = models.PositiveIntegerField(_("version"), default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="atlas_examples", verbose_name=_("author"),
    )  # fmt: skip
    # Set (with status MERGED) when a moderator merged this duplicate into another entry.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_entries",
        verbose_name=_("merged into"),
    )  # fmt: skip
    # Contributors from an imported file, by name ([{name, orcid, role}]), linked to no
    # account (ADR 0017, apps/atlas/imports/credits.py).
    recorded_credits = models.JSONField(_("recorded contributors"), default=list, blank=True)
    history = _history()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("comparative example")
        verbose_name_plural = _("comparative examples")
        permissions = [("moderate_example", _("Can publish, reject and archive examples"))]
        indexes = [
            # Covers the aggregate (GROUP BY country, scope, category over published
            # entries) as an index-only scan, and any filter by status and country.
            models.Index(
                fields=["status", "country", "scope", "category"], name="atlas_example_aggregate"
            ),
        ]
        constraints = [
            # Exactly one of a country or a supranational scope.
            models.CheckConstraint(
                condition=(models.Q(country="") & ~models.Q(scope=""))
                | (~models.Q(country="") & models.Q(scope="")),
                name="atlas_example_country_xor_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(start_year__isnull=True)
                | models.Q(end_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="atlas_example_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return example_url(self.pk, self.slug)

    @property
    def country_iso(self) -> str:
        """The stored ISO code ("" for a scope), without the field's descriptor, which
        builds a Country object on every read (exports read it often per entry)."""
        if "country" in self.__dict__:
            return str(self.__dict__["country"] or "").upper()
        return self.country.code or ""

    @property
    def place_code(self) -> str:
        """The ISO 3166-1 alpha-2 code, or the supranational scope code."""
        return self.country_iso or self.scope

    @property
    def place_name(self) -> str:
        code = self.country_iso
        return country_name(code) if code else str(self.get_scope_display())

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    years_display = property(lambda self: years_display(self.start_year, self.end_year))

    def data_sources_display(self) -> list[str]:
        return [str(DataSource(v).label) for v in self.data_sources if v in DataSource.values]

    def consequences_display(self) -> list[str]:
        return [str(Consequence(v).label) for v in self.consequences if v in Consequence.values]


class Evidence(models.Model):
    """A dated citation backing an example. Needs a URL, a DOI or a hosted source."""

    example = models.ForeignKey(Example, on_delete=models.CASCADE, related_name="evidence")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    # A source hosted here (the founding paper cites itself this way); its reader is the link.
    source = models.ForeignKey(
        "sources.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("hosted source"),
    )  # fmt: skip
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    published = models.DateField(_("publication date"), null=True, blank=True)
    accessed = models.DateField(_("accessed"), null=True, blank=True)
    page = models.CharField(_("page"), max_length=50, blank=True)
    quote = models.TextField(_("short quote"), max_length=QUOTE_MAX_LENGTH, blank=True)
    history = _history()

    class Meta:
        ordering = ["example", "order", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.title

    @property
    def link(self) -> str:
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.url:
            return self.url
        return self.source.get_absolute_url() if self.source_id else ""


class Relation(models.TextChoices):
    COMPARABLE = "comparable", _("Comparable to")
    CONTRASTS = "contrasts", _("Contrasts with")
    ILLUSTRATES = "illustrates", _("Illustrates")


class QuoteStatus(models.TextChoices):
    ANCHORED = "anchored", _("Anchored")
    FUZZY = "fuzzy", _("Anchored approximately")
    ORPHANED = "orphaned", _("Orphaned: the words are no longer in the source")


class PassageLink(models.Model):
    """Provenance: an example speaks to this passage of a hosted source."""

    example = models.ForeignKey(Example, on_delete=models.CASCADE, related_name="passage_links")
    passage = models.ForeignKey(
        "sources.Passage", on_delete=models.CASCADE, related_name="atlas_links",
        verbose_name=_("passage"),
    )  # fmt: skip
    relation = models.CharField(
        _("relation"), max_length=20, choices=Relation.choices, default=Relation.COMPARABLE
    )
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    # The words the contributor selected in the reader (optional): a TextQuote and a
    # TextPosition in the passage's version, checked against its text as annotation
    # anchors are (entries/validation.py); the context is recomputed, never taken as sent.
    quote = models.TextField(_("selected words"), blank=True)
    quote_prefix = models.CharField(_("text before"), max_length=QUOTE_CONTEXT_LENGTH, blank=True)
    quote_suffix = models.CharField(_("text after"), max_length=QUOTE_CONTEXT_LENGTH, blank=True)
    quote_start = models.PositiveIntegerField(_("quote start"), null=True, blank=True)
    quote_end = models.PositiveIntegerField(_("quote end"), null=True, blank=True)
    # Set by re-anchoring when the source gets a new version (passage_quotes.py): an
    # orphaned quote stays on the old version's passage, shown to editors and moderators.
    quote_status = models.CharField(
        _("quote anchoring"), max_length=10, choices=QuoteStatus.choices,
        default=QuoteStatus.ANCHORED,
    )  # fmt: skip
    history = _history()

    class Meta:
        ordering = ["example", "pk"]
        verbose_name = _("passage link")
        verbose_name_plural = _("passage links")
        constraints = [
            models.UniqueConstraint(fields=["example", "passage"], name="atlas_passage_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.example_id} {self.relation} {self.passage_id}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


COMMENT_MAX_LENGTH = 2000


class SuggestedEdit(TimeStampedModel):
    """Someone other than the author proposes new values for some editable fields of an
    entry; the author or a moderator accepts (applied through entries.services.example_update,
    version-checked) or rejects it with a reason. The moderation console lists the open
    ones (suggestions.selectors.suggestions_open)."""

    example = models.ForeignKey(
        Example, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("entry")
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="atlas_suggestions", verbose_name=_("proposed by"),
    )  # fmt: skip
    # {field: proposed value} for ExampleData fields only, as entries.data.ExampleData holds
    # them (``country`` a place code, ``category`` a slug, multi-valued fields lists).
    changes = models.JSONField(_("proposed values"))
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    # The entry's version when the suggestion was made (for the record; accepting applies
    # the proposed values to the current version, after showing the difference).
    base_version = models.PositiveIntegerField(_("based on version"))
    status = models.CharField(
        _("status"), max_length=10, choices=SuggestionStatus.choices,
        default=SuggestionStatus.OPEN, db_index=True,
    )  # fmt: skip
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason for the decision"), blank=True)
    applied_version = models.PositiveIntegerField(_("applied as version"), null=True, blank=True)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("suggested edit")
        verbose_name_plural = _("suggested edits")
        indexes = [models.Index(fields=["status", "created"], name="atlas_suggestion_queue")]

    def __str__(self) -> str:
        return f"Suggestion {self.pk} on {self.example_id} ({self.status})"


ENTRY_COMMENT_MAX_LENGTH = 5000


class EntryComment(TimeStampedModel):
    """The discussion thread under an entry. Replies point at the thread's first comment
    (one level, as on most review sites); deletion is soft (moderators can still read
    and restore), and moderators hide comments without deleting them. Comments follow
    their entry when moderators merge duplicates (discussion.services.comments_move)."""

    example = models.ForeignKey(
        Example, on_delete=models.CASCADE, related_name="comments", verbose_name=_("entry")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="atlas_comments", verbose_name=_("author"),
    )  # fmt: skip
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies",
        verbose_name=_("in reply to"),
    )  # fmt: skip
    body = models.TextField(_("comment"), max_length=ENTRY_COMMENT_MAX_LENGTH)
    # Rendered once on write (apps.common.markdown.render_markdown: sanitised).
    body_html = models.TextField(_("comment (HTML)"), blank=True, editable=False)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("deleted by"),
    )  # fmt: skip
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("comment on an entry")
        verbose_name_plural = _("comments on entries")
        indexes = [models.Index(fields=["example", "created"], name="atlas_comment_thread")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.example_id}"

    @property
    def html_id(self) -> str:
        return f"comment-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ContributorRole(models.TextChoices):
    AUTHOR = "author", _("Author")
    # Proposed a suggested edit that was accepted.
    EDITOR = "editor", _("Editor")
    # Contributed to an entry that a moderator merged into this one.
    MERGED = "merged", _("Contributor of a merged entry")


class ExampleContributor(models.Model):
    """Everyone whose work is part of an entry, credited on its page, in its citations
    and in every export: its author, the people whose suggested edits were accepted, and
    the contributors of entries merged into it (apps/atlas/contributors.py writes them).

    One row per person and entry. A row added by a merge points at that merge and goes
    when the merge is undone, unless the person earned the credit on their own since."""

    example = models.ForeignKey(
        Example, on_delete=models.CASCADE, related_name="contributors", verbose_name=_("entry")
    )
    # A deactivated account stays credited by its public name; a deleted one is gone.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="atlas_contributions",
        verbose_name=_("contributor"),
    )  # fmt: skip
    role = models.CharField(_("role"), max_length=10, choices=ContributorRole.choices)
    since = models.DateTimeField(_("contributor since"))
    merge = models.ForeignKey(
        "atlas.ExampleMerge", null=True, blank=True, on_delete=models.SET_NULL, related_name="credits",
        verbose_name=_("credited by the merge"),
    )  # fmt: skip

    class Meta:
        ordering = ["example", "since", "pk"]
        verbose_name = _("contributor to an entry")
        verbose_name_plural = _("contributors to entries")
        constraints = [
            models.UniqueConstraint(fields=["example", "user"], name="atlas_contributor_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.example_id}"


# Kept in their feature packages (this module is long); imported here so Django finds them.
from .lifecycle.models import LifecycleEvent  # noqa: E402, F401
from .merge.models import ExampleMerge  # noqa: E402, F401
from .research_status.models import CountryResearchStatus, ResearchStatus  # noqa: E402, F401


def example_url(pk: int, slug: str) -> str:
    """An entry's address from its id and slug, without an instance (suggestions)."""
    return cached_reverse("atlas:example", pk=pk, slug=slug or "-")
