"""Stored full-text vectors for sources, passages, annotations and atlas entries.

They live beside the rows they index (one-to-one, same primary key) so the sources app
keeps its tables to itself. They are written by ``services.search_index_document``, which
``apps.sources.services.document_import`` calls in the same transaction that creates the
passages, so a version is never readable without being searchable on PostgreSQL.

The GIN indexes are created by a migration that runs only on PostgreSQL: SQLite has no
tsvector type and uses the ``icontains`` fallback, so these tables stay empty there.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SourceSearchIndex(models.Model):
    """title and authors weigh 'A', abstract 'B', venue and publisher 'C'."""

    source = models.OneToOneField(
        "sources.Source", primary_key=True, on_delete=models.CASCADE, related_name="search_index"
    )
    vector = SearchVectorField(null=True)
    # The source's primary language subtag ("de"): which configuration built the vector
    # and which one a query is matched with (languages.py).
    language = models.CharField(max_length=16, default="en")

    def __str__(self) -> str:
        return f"search index of source {self.source_id}"


class PassageSearchIndex(models.Model):
    """A heading's text weighs 'A'; a paragraph's section heading 'B', its text 'C'.
    ``document_id`` is the passage's (a copy: passages never move), so the visibility of
    a candidate is tested on this row alone (``PassageProvider.index_visibility``)."""

    passage = models.OneToOneField(
        "sources.Passage", primary_key=True, on_delete=models.CASCADE, related_name="search_index"
    )
    # No database constraint, no index of its own: a copy, gone with the passage's row.
    document = models.ForeignKey(
        "sources.Document", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
        db_index=False, related_name="+",
    )  # fmt: skip
    vector = SearchVectorField(null=True)
    # The source's primary language subtag ("de"): which configuration built the vector
    # and which one a query is matched with (languages.py).
    language = models.CharField(max_length=16, default="en")

    def __str__(self) -> str:
        return f"search index of passage {self.passage_id}"


class AnnotationSearchIndex(models.Model):
    """Tags weigh 'A', the comment 'B', the quoted text 'C'. Written by
    ``services.search_index_annotation``, which the annotation services call on create,
    reply, update and delete (a deleted annotation loses its row).

    Copies of the annotation's columns that decide who finds it and how the page counts
    it (issue 18), so an unfiltered search tests a candidate on this row alone
    (``AnnotationProvider.index_visibility``) instead of probing the annotation:
    ``public`` (public, not hidden, not awaiting approval), ``author_id``,
    ``source_id`` and ``tags``. Written with the vector by the on-commit subscriber;
    ``public`` is also kept by a PostgreSQL trigger (migration 0009) in the very
    transaction that hides, restores, approves or changes the visibility of the
    annotation (and the row is dropped in the one that deletes it), so it never lags. Hidden sources and shadow-hidden authors are tested
    against their own small tables at query time, so they need no copy."""

    annotation = models.OneToOneField(
        "annotations.Annotation", primary_key=True, on_delete=models.CASCADE,
        related_name="search_index",
    )  # fmt: skip
    vector = SearchVectorField(null=True)
    public = models.BooleanField(default=False)
    # Copies (no database constraint, no index of their own), named like the
    # annotation's relations so the facet paths resolve here too.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING,
        db_constraint=False, db_index=False, related_name="+",
    )  # fmt: skip
    source = models.ForeignKey(
        "sources.Source", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
        db_index=False, related_name="+",
    )  # fmt: skip
    tags = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"search index of annotation {self.annotation_id}"


class ExampleSearchIndex(models.Model):
    """An atlas entry: title 'A', summary 'B', evidence titles 'C'. Written by
    ``services.search_index_example`` from the atlas services."""

    example = models.OneToOneField(
        "atlas.Example", primary_key=True, on_delete=models.CASCADE, related_name="search_index"
    )
    vector = SearchVectorField(null=True)
    # Copies of the entry's columns that decide who finds it and how the page counts it
    # (issue 18: ``EntryProvider.index_visibility``), named like the entry's own so the
    # facet paths resolve here too. Written with the vector, and kept by a PostgreSQL
    # trigger (migration 0010) in the very transaction that changes the entry, so they
    # never lag; shadow-hidden authors are tested against their own table.
    status = models.CharField(max_length=20, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING,
        db_constraint=False, db_index=False, related_name="+",
    )  # fmt: skip
    category = models.ForeignKey(
        "atlas.Category", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
        db_index=False, related_name="+",
    )  # fmt: skip
    # The country, or the scope of an entry without one (``EntryProvider``'s place code).
    search_place = models.CharField(max_length=8, default="")
    start_year = models.SmallIntegerField(null=True)

    def __str__(self) -> str:
        return f"search index of entry {self.example_id}"


class AlertFrequency(models.TextChoices):
    NEVER = "never", "No e-mail"
    DAILY = "daily", "Daily e-mail digest"
    WEEKLY = "weekly", "Weekly e-mail digest"


class SavedSearch(models.Model):
    """A signed-in user's saved search (query and filters, as in the search page's URL)
    and how they want to hear about new results. Written by ``saved_searches`` services;
    what an alert contains is decided when it is sent (``saved_searches.new_hits``)."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=120)
    # The search page's query string (q, kind and filters), validated when saved.
    query_string = models.CharField(max_length=2000)
    email_frequency = models.CharField(
        max_length=10, choices=AlertFrequency.choices, default=AlertFrequency.NEVER
    )
    # A private Atom feed of new results: a secret URL, revocable (None = no feed).
    feed_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # (kind, id) of every result already announced, so a digest lists only new ones.
    seen = models.JSONField(default=list, blank=True)
    # In-app alerts in the one inbox (apps/search/alerts.py), with their own "seen": the
    # inbox and the e-mail digest each announce a result once.
    in_app = models.BooleanField(default=False)
    seen_in_app = models.JSONField(default=list, blank=True)
    # Per alert ("email", "in_app"): which rows its next run looks at, by key per kind
    # (``{"after": {kind: id}, "next": {kind: id}}``, apps/search/alert_windows.py). Empty
    # for a search saved before they existed: its first run looks at the best results.
    watermarks = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "query_string"], name="saved_search_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"


class SearchTerm(models.Model):
    """A word of public text (passages of readable sources, source titles and abstracts,
    published entries) with the number of rows that use it: the vocabulary behind "did
    you mean" (``spelling.py``). Rebuilt whole by ``spelling.vocabulary_rebuild`` (hourly,
    Celery beat, and ``manage.py search_vocabulary``); never written per request. A
    trigram GIN index on ``term`` (migration 0006, PostgreSQL) finds near spellings."""

    term = models.CharField(max_length=40, primary_key=True)
    documents = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.term
