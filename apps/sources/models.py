"""Sources: a bibliographic record (Source), versions of its text (Document) and the
passages each version is split into (Passage). See docs/architecture.md#sources."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.common.models import TimeStampedModel
from apps.common.reversing import cached_reverse
from apps.common.validators import validate_not_future_date, validate_not_future_year


class SourceType(models.TextChoices):
    PAPER = "paper", _("Paper")
    REPORT = "report", _("Report")
    LAW = "law", _("Law or regulation")
    NEWS = "news", _("News")
    WEB_PAGE = "web", _("Web page")
    OTHER = "other", _("Other")


class Source(TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=500)
    authors = models.JSONField(_("authors"), default=list, blank=True, help_text=_("In order."))
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1000), validate_not_future_year],
    )
    # The full publication date when it is known (citations then give day and month);
    # ``year`` stays for sources known only by their year and always equals its year.
    published_on = models.DateField(
        _("publication date"), null=True, blank=True, validators=[validate_not_future_date]
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    volume = models.CharField(_("volume"), max_length=50, blank=True)
    issue = models.CharField(_("issue"), max_length=50, blank=True)
    pages = models.CharField(_("pages"), max_length=50, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    licence_url = models.URLField(_("licence URL"), max_length=500, blank=True)
    source_type = models.CharField(
        _("type"), max_length=10, choices=SourceType.choices, default=SourceType.PAPER
    )
    language = models.CharField(_("language"), max_length=16, default="en")
    abstract = models.TextField(_("abstract"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="sources_added", verbose_name=_("added by"),
    )  # fmt: skip
    # The newest version whose import finished; the reader shows it by default.
    current_document = models.ForeignKey(
        "Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("current version"),
    )  # fmt: skip
    history = HistoricalRecords(excluded_fields=["current_document"])

    class Meta:
        ordering = ["title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        # One publication, one year: a full date fills a missing year and must agree
        # with a given one.
        if self.published_on is not None:
            if self.year is None:
                self.year = self.published_on.year
            elif self.year != self.published_on.year:
                raise ValidationError(
                    {"published_on": _("The date’s year differs from the year (%(year)s).")
                     % {"year": self.year}}
                )  # fmt: skip

    def get_absolute_url(self) -> str:
        return source_url(self.slug)

    @property
    def authors_display(self) -> str:
        names = list(self.authors or [])
        if len(names) <= 2:
            return " and ".join(names)
        return ", ".join(names[:-1]) + ", and " + names[-1]


class DocumentStatus(models.TextChoices):
    """Where a version is in its life. Only ``ready`` versions are published: readable by
    everyone, annotatable, searchable, offered in the version switcher. The last three
    are readable only by the people docs/moderation.md ("Source stewardship") names."""

    PENDING = "pending", _("Waiting to be imported")
    PROCESSING = "processing", _("Importing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    # Imported, waiting for a maintainer or moderator: never current, never re-anchored.
    PROPOSED = "proposed", _("Proposed, waiting for a maintainer")
    REJECTED = "rejected", _("Proposal rejected")
    # Was published; a maintainer or moderator took it back (nothing is deleted).
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Statuses whose documents have passages and a version number.
IMPORTED_STATUSES = (
    DocumentStatus.READY,
    DocumentStatus.PROPOSED,
    DocumentStatus.REJECTED,
    DocumentStatus.WITHDRAWN,
)


class ImportFormat(models.TextChoices):
    TEXT = "text", _("Plain text")
    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("HTML")
    PDF = "pdf", _("PDF")


class Document(models.Model):
    """One version of a source's text.

    A version number is given when the import succeeds (failed uploads take none), to
    published versions and proposals alike, so a number names one text for good; the
    public lists show only published (``ready``) versions, so they may skip the number
    of a proposal that is waiting or was rejected, or of a withdrawn version.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="documents")
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices,
        default=DocumentStatus.PENDING, db_index=True,
    )  # fmt: skip
    error = models.TextField(_("error"), blank=True)
    import_format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    original_filename = models.CharField(_("file name"), max_length=255, blank=True)
    text = models.TextField(_("canonical text"), blank=True)
    front_matter = models.TextField(_("front matter"), blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="documents_uploaded", verbose_name=_("uploaded by"),
    )  # fmt: skip
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)
    import_started = models.DateTimeField(null=True, blank=True)
    import_finished = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set at upload when the uploader may not publish on this source (not a maintainer or
    # moderator): the import then ends as a proposal instead of the current version.
    is_proposal = models.BooleanField(_("proposed"), default=False)
    # The current version when the proposal was uploaded: what its author changed, and
    # how accepting it knows whether the current version moved meanwhile.
    base_document = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("proposed against"),
    )  # fmt: skip
    # When it became a published version (import, or acceptance of a proposal). The
    # current version is the latest published one; withdrawing it falls back to the one
    # published before it.
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # The last stewardship decision on this version (accept, reject, withdraw): shown in
    # the banner of a rejected or withdrawn version. The audit log keeps every one.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["source", "version", "created"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "version"], name="document_unique_version_per_source"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[str(s) for s in IMPORTED_STATUSES])
                | models.Q(version__isnull=False),
                name="document_imported_has_version",
            ),
        ]

    def __str__(self) -> str:
        label = f"v{self.version}" if self.version else self.get_status_display()
        return f"{self.source_id and self.source.title} ({label})"

    def get_absolute_url(self) -> str:
        return reverse(
            "sources:reader_version",
            kwargs={"slug": self.source.slug, "version": self.version},
        )

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_published(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_imported(self) -> bool:
        return self.status in IMPORTED_STATUSES

    @property
    def is_importing(self) -> bool:
        return self.status in (DocumentStatus.PENDING, DocumentStatus.PROCESSING)


class SourceMaintainer(models.Model):
    """A person who looks after a source: they publish its new versions directly, decide
    the versions others propose, withdraw versions and name other maintainers. The
    uploader is the first; moderators act as maintainers of every source, and alone for
    a source with none (the founding paper). See docs/moderation.md."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="maintainers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sources_maintained"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("added by"),
    )  # fmt: skip
    created = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["source", "created", "id"]
        verbose_name = _("maintainer")
        verbose_name_plural = _("maintainers")
        constraints = [
            models.UniqueConstraint(fields=["source", "user"], name="source_maintainer_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} maintains {self.source_id}"


class DocumentUpload(models.Model):
    """The uploaded bytes, kept in the database so any worker on any machine can import
    them (no shared file system needed) and a failed import can be retried."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="upload")
    data = models.BinaryField()
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"upload of document {self.document_id} ({self.size} bytes)"


class PendingUpload(models.Model):
    """The first step of adding a source: a file that passed the upload checks, kept
    (like DocumentUpload, in the database: ADR 0002) with the metadata read from it
    until its uploader confirms the record or abandons it. Only the uploader may see
    it; a random id keeps the URL unguessable as well. A periodic task deletes those
    older than SOURCE_PENDING_UPLOAD_HOURS."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_uploads"
    )
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    original_filename = models.CharField(_("file name"), max_length=255, blank=True)
    import_format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    suggested = models.JSONField(_("metadata found in the file"), default=dict, blank=True)
    created = models.DateTimeField(_("uploaded"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"pending upload {self.pk} by {self.owner_id} ({self.size} bytes)"


class PassageKind(models.TextChoices):
    HEADING = "heading", _("Heading")
    PARAGRAPH = "paragraph", _("Paragraph")


class Passage(models.Model):
    """A heading or paragraph of one document version.

    ``start``/``end`` are offsets into ``document.text`` in Unicode code points (Python
    string indices), so ``document.text[start:end] == text``. ``anchor`` is derived from
    the text alone: re-importing identical text gives identical anchors (permalinks).
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="passages")
    order = models.PositiveIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=PassageKind.choices)
    section = models.CharField(_("section"), max_length=500, blank=True)
    text = models.TextField(_("text"))
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    anchor = models.CharField(_("anchor"), max_length=24)

    class Meta:
        ordering = ["document", "order"]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        constraints = [
            models.UniqueConstraint(fields=["document", "order"], name="passage_unique_order"),
            models.UniqueConstraint(fields=["document", "anchor"], name="passage_unique_anchor"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="passage_nonempty"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def html_id(self) -> str:
        return f"p-{self.anchor}"


class TranslationKind(models.TextChoices):
    HUMAN = "human", _("Human translation")
    MACHINE = "machine", _("Machine translation")
    # A human or machine translation checked by someone who knows both languages.
    REVIEWED = "reviewed", _("Reviewed translation")


class Translation(models.Model):
    """A source's translation into one language (ADR 0019): another source record
    (``source``, with its own versions and passages, so annotations, permalinks and
    search work on it as on any text) linked to the version of the original it
    translates, and aligned with it passage by passage (``AlignedPair``)."""

    original_source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="translations",
        verbose_name=_("original"),
    )  # fmt: skip
    # The version translated: a later version of the original leaves it in place.
    original = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="translations",
        verbose_name=_("original version"),
    )  # fmt: skip
    source = models.OneToOneField(
        Source, on_delete=models.CASCADE, related_name="translation_of",
        verbose_name=_("translation"),
    )  # fmt: skip
    # The translation's version the alignment was made for (its current version).
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("aligned version"),
    )  # fmt: skip
    language = models.CharField(_("language"), max_length=16)
    kind = models.CharField(
        _("kind"), max_length=10, choices=TranslationKind.choices, default=TranslationKind.HUMAN
    )
    translator = models.CharField(_("translated by"), max_length=300)
    # Shown with the translation as written ("not reviewed by the author", …).
    note = models.CharField(_("note"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    licence_url = models.URLField(_("licence URL"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("added by"),
    )  # fmt: skip
    created = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["original_source", "language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["original_source", "language"], name="translation_one_per_language"
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("original_source")),
                name="translation_not_of_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_source_id} → {self.language}"

    def get_absolute_url(self) -> str:
        return f"{self.original_source.get_absolute_url()}?translation={self.language}"


class AlignedPair(models.Model):
    """One row of an alignment: passages of the original version and the passages of the
    translation's version that render them, by anchor (1–1, 1–2, 2–1, 1–0, 0–1). The pairs
    of a translation cover both versions' passages once each, in order."""

    translation = models.ForeignKey(Translation, on_delete=models.CASCADE, related_name="pairs")
    order = models.PositiveIntegerField(_("order"))
    original_anchors = models.JSONField(_("original passages"), default=list, blank=True)
    translated_anchors = models.JSONField(_("translated passages"), default=list, blank=True)

    class Meta:
        ordering = ["translation", "order"]
        verbose_name = _("aligned pair")
        verbose_name_plural = _("aligned pairs")
        constraints = [
            models.UniqueConstraint(fields=["translation", "order"], name="aligned_pair_order")
        ]

    def __str__(self) -> str:
        return f"{self.original_anchors} ↔ {self.translated_anchors}"


def source_url(slug: str) -> str:
    """A source's reader address from its slug, without an instance (suggestions)."""
    return cached_reverse("sources:reader", slug=slug)
