"""Versioned, citable releases of the atlas dataset (ADR 0009).

A Release is a frozen snapshot of every published entry at one instant (ReleaseEntry rows:
the entry's fields, evidence, passage links and contributors, and its rows in the export
formats exactly as the live export writer wrote them then) plus the files built from that
snapshot (ReleaseFile, bytes stored in the database in chunks, ADR 0002). Nothing in a
ready release is ever written again: later edits, merges and withdrawals of entries touch
only the live tables, so a release's files stay byte-identical.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TITLE_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 10000
# Bytes per stored chunk of a file: large enough that a 100 MB file is ~100 rows, small
# enough that writing and serving it never holds more than this in memory.
FILE_CHUNK_BYTES = 1024 * 1024


class ReleaseStatus(models.TextChoices):
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Release(models.Model):
    """One version of the dataset. Written only by apps/releases/services.py."""

    version = models.CharField(_("version"), max_length=40, unique=True)
    # The version's numbers, for ordering and the "strictly increasing" rule.
    major = models.PositiveIntegerField(editable=False)
    minor = models.PositiveIntegerField(editable=False)
    patch = models.PositiveIntegerField(editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    notes = models.TextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True,
                             help_text=_("Markdown."))  # fmt: skip
    # Rendered once on write (apps.common.markdown), so pages never render Markdown.
    notes_html = models.TextField(blank=True, editable=False)
    # Filled in after the release was deposited (e.g. on Zenodo); shown on the pages and in
    # the citations. The files keep the bytes they were built with.
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("cut by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("cut"), auto_now_add=True)
    # When the snapshot was taken (the build's first step, in one consistent read).
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReleaseStatus.choices,
        default=ReleaseStatus.BUILDING, db_index=True,
    )  # fmt: skip
    error = models.TextField(_("why the build failed"), blank=True)
    # The release the changelog compares against (the latest ready one when frozen).
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("previous release"),
    )  # fmt: skip
    # What the snapshot holds: the codebook as it stood, the CSV header the export writer
    # wrote, and the number of entries.
    codebook = models.JSONField(_("codebook snapshot"), default=dict, blank=True)
    csv_header = models.TextField(blank=True, editable=False)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    # What the coding app said at freezing time (apps/coding/releases.py): the coding
    # codebook's number, the release-notes lines and agreement.csv's text. Kept here
    # because agreement changes with every new double coding.
    coding = models.JSONField(_("coding snapshot"), default=dict, blank=True)

    class Meta:
        ordering = ["-major", "-minor", "-patch"]
        # With a context: "release" is also a moderator giving back a claimed queue item.
        verbose_name = pgettext_lazy("dataset release", "release")
        verbose_name_plural = pgettext_lazy("dataset release", "releases")
        constraints = [
            models.UniqueConstraint(
                fields=["major", "minor", "patch"], name="releases_release_numbers_unique"
            )
        ]

    def __str__(self) -> str:
        return self.version

    def get_absolute_url(self) -> str:
        return reverse("releases:detail", kwargs={"version": self.version})

    @property
    def is_ready(self) -> bool:
        return self.status == ReleaseStatus.READY

    @property
    def date_released(self):
        return (self.frozen_at or self.created_at).date()


class ReleaseEntry(models.Model):
    """One published entry as it stood when the release was frozen. ``record`` is its
    structured description (fields, evidence, passage links, contributors with ORCID iDs);
    ``csv_row``, ``geojson`` and ``jsonld`` are its parts of the export files as the atlas
    export writer produced them. The columns beside them serve the counts and ``?release=``."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="entries")
    # The entry's order in the files (the export's order: place, title, id).
    position = models.PositiveIntegerField()
    # Not a foreign key: the entry may be merged away or deleted after the release.
    example_id = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True)
    scope = models.CharField(max_length=8, blank=True)
    category = models.CharField(max_length=60)
    category_name = models.CharField(max_length=120)
    lifecycle = models.CharField(max_length=20)
    operator = models.CharField(max_length=20)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    record = models.JSONField()
    csv_row = models.TextField()
    geojson = models.TextField()
    jsonld = models.TextField()

    class Meta:
        ordering = ["release", "position"]
        verbose_name = _("entry in a release")
        verbose_name_plural = _("entries in releases")
        constraints = [
            models.UniqueConstraint(fields=["release", "position"], name="releases_entry_position"),
            models.UniqueConstraint(
                fields=["release", "example_id"], name="releases_entry_example_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["release", "country", "scope", "category"], name="releases_entry_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release_id}: {self.example_id}"

    @property
    def place_code(self) -> str:
        return self.country or self.scope


class ReleaseFile(models.Model):
    """One file of a release: its name, type, size and SHA-256; the bytes are its chunks."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=60)
    media_type = models.CharField(max_length=80)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["release", "order", "name"]
        verbose_name = _("release file")
        verbose_name_plural = _("release files")
        constraints = [
            models.UniqueConstraint(fields=["release", "name"], name="releases_file_once")
        ]

    def __str__(self) -> str:
        return f"{self.release_id}/{self.name}"

    def get_absolute_url(self) -> str:
        return reverse(
            "api-release-file", kwargs={"version": self.release.version, "name": self.name}
        )


class ReleaseFileChunk(models.Model):
    file = models.ForeignKey(ReleaseFile, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["file", "index"]
        constraints = [
            models.UniqueConstraint(fields=["file", "index"], name="releases_chunk_once")
        ]

    def __str__(self) -> str:
        return f"{self.file_id}#{self.index}"
