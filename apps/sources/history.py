"""The moderators' history page of a source's record (its metadata, field by field):
registered with moderation in SourcesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from apps.moderation.history_views import HistoryType

from .models import Source

SOURCE_HISTORY = HistoryType(
    model=Source,
    label=gettext_lazy("source"),
    fields=(
        "title", "slug", "authors", "year", "published_on", "venue", "volume", "issue", "pages",
        "publisher", "doi", "url", "licence", "licence_url", "source_type", "language", "abstract",
    ),
)  # fmt: skip
