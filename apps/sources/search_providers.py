"""Providers for sources and passages, and the facets they share (source, year).

Collected by the search app's registry like the annotations' and atlas entries' own
(docs/search.md): search sits below sources and knows them only through this module.
Visibility comes from ``apps.sources.selectors``: readable sources only, and passages of
each source's current version only.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.prepared import PreparedQuery
from apps.search import languages, snippets
from apps.search.activity import ActivityItem
from apps.search.providers import (
    HIGHLIGHT_PARAM,
    Aligned,
    Facet,
    Hit,
    ModelSearchProvider,
    SearchInputError,
    SearchRequest,
)
from apps.search.suggest import Suggestion

from . import selectors as source_selectors
from . import translation_selectors
from .models import Translation, source_url

# The sources' facets, activity and contributions come after the annotations' and the
# atlas' (``order``), as they always have on the site.
AFTER_OTHER_APPS = 200


class SourceFacet(Facet):
    name = "source"
    label = gettext_lazy("Source")
    order = AFTER_OTHER_APPS

    def clean(self, raw: str, *, viewer) -> str:
        if not source_selectors.source_list().filter(slug=raw).exists():
            raise SearchInputError(
                self.name, _("There is no source “%(slug)s” to filter by.") % {"slug": raw}
            )
        return raw


class YearFacet(Facet):
    name = "year"
    label = gettext_lazy("Year")
    order = AFTER_OTHER_APPS + 1

    def clean(self, raw: str, *, viewer) -> int:
        try:
            year = int(raw)
        except (TypeError, ValueError):
            year = 0
        if not 1000 <= year <= 2999:
            raise SearchInputError(self.name, _("The year must be a four-digit year such as 2021."))
        return year


class LanguageFacet(Facet):
    """The language a source (and so each of its passages) is written in (issue 17)."""

    name = "language"
    label = gettext_lazy("Language")
    order = AFTER_OTHER_APPS + 2

    def clean(self, raw: str, *, viewer) -> str:
        if len(raw) > 16 or not source_selectors.source_list().filter(language=raw).exists():
            raise SearchInputError(
                self.name, _("No source is written in “%(language)s”.") % {"language": raw[:16]}
            )
        return raw

    def label_for(self, value, label) -> str:
        return languages.language_label(str(value))


def _title_html(title: str, words: list[str]) -> SafeString:
    return snippets.highlight(title, words, max_words=10_000)


class SourceProvider(ModelSearchProvider):
    kind = "source"
    label = gettext_lazy("Sources")
    singular_label = gettext_lazy("Source")
    order = 10
    vector_path = "search_index__vector"
    fallback_fields = {"title": 1.0, "authors": 1.0, "abstract": 0.4, "venue": 0.2}
    headline_field = "abstract"
    trigram_fields = ("title", "authors")
    vocabulary_fields = ("title", "abstract")
    multilingual = True
    facet_fields = {
        "source": ("slug", "title"),
        "year": ("year", None),
        "language": ("language", None),
    }

    def visible_queryset(self, request: SearchRequest):
        return source_selectors.source_list().order_by()

    def visibility_shape(self, request: SearchRequest):
        return "everyone"  # the sources shared lists show, whoever looks

    def near_miss_candidates(self, request: SearchRequest):
        # The trigram indexes of migration 0007, through a function planned to use them
        # (at a few hundred rows the planner would scan and compute every similarity).
        return Q(pk__in=RawSQL("SELECT sources_near_misses(%s)", [request.near_miss_text()]))

    def hydrate_queryset(self, request: SearchRequest):
        # A hit needs the source's own fields, not its current version's full text.
        return self.visible_queryset(request).select_related(None)

    def build_hit(self, obj, *, snippet, words, score) -> Hit:
        if not obj.abstract:
            snippet = snippets.highlight(obj.authors_display, words)
        meta = " · ".join(str(p) for p in (obj.authors_display, obj.year, obj.venue) if p)
        return Hit(
            kind=self.kind,
            id=obj.pk,
            title=obj.title,
            title_html=_title_html(obj.title, words),
            snippet=snippet,
            url=obj.get_absolute_url(),
            score=score,
            meta=meta,
            facets={"source": obj.slug, "year": obj.year, "language": obj.language},
        )


class PassageProvider(ModelSearchProvider):
    kind = "passage"
    label = gettext_lazy("Passages")
    singular_label = gettext_lazy("Passage")
    order = 20
    vector_path = "search_index__vector"
    # A heading's own text counts as a title; for paragraphs the section is the title.
    fallback_fields = {"text": 0.2, "section": 0.4}
    headline_field = "text"
    vocabulary_fields = ("text",)
    multilingual = True
    facet_fields = {
        "source": ("document__source__slug", "document__source__title"),
        "year": ("document__source__year", None),
        "language": ("document__source__language", None),
    }

    def visible_queryset(self, request: SearchRequest):
        return source_selectors.passages_of_current_versions()

    def visibility_shape(self, request: SearchRequest):
        return "everyone"  # the current versions of readable sources, whoever looks

    def index_visibility(self, request: SearchRequest):
        # The same rule as passages_of_current_versions, on the index row's document id.
        return Q(document_id__in=source_selectors.current_version_ids())

    # Every facet value is the source's, through the index row's document.
    facet_paths_on_index = True

    def hydrate_queryset(self, request: SearchRequest):
        # Not the version's full text (often 100 kB or more) for every hit.
        return (
            self.visible_queryset(request)
            # The reverse one-to-one says, with no query more, which hits are passages of a
            # translation (their aligned original is fetched for those alone: ``hydrate``).
            .select_related("document__source", "document__source__translation_of")
            .defer("document__text", "document__front_matter", "document__source__abstract")
        )

    def build_hit(self, obj, *, snippet, words, score) -> Hit:
        source = obj.document.source
        query = urlencode({HIGHLIGHT_PARAM: " ".join(words)}) if words else ""
        url = f"{source.get_absolute_url()}{'?' + query if query else ''}#{obj.html_id}"
        title = obj.text if obj.kind == "heading" else (obj.section or source.title)
        return Hit(
            kind=self.kind,
            id=obj.pk,
            title=title,
            title_html=_title_html(title, words),
            snippet=snippet,
            url=url,
            score=score,
            meta=" · ".join(
                str(p) for p in (source.title, source.authors_display, source.year) if p
            ),
            facets={"source": source.slug, "year": source.year, "language": source.language},
            language=source.language,
            aligned=_TRANSLATED if _is_translation(source) else None,
        )

    def hydrate(
        self, ids: list[int], request: SearchRequest, *, scores: dict[int, float] | None = None
    ) -> dict[int, Hit]:
        hits = super().hydrate(ids, request, scores=scores)
        translated = [pk for pk, hit in hits.items() if hit.aligned is _TRANSLATED]
        for pk in translated:
            hits[pk].aligned = None
        # A passage of a translation shows the original's aligned words beside it (ADR 0019).
        for pk, original in translation_selectors.aligned_originals(passage_ids=translated).items():
            hits[pk].aligned = Aligned(
                language=original.language,
                language_label=languages.language_label(original.language),
                text=original.text,
                url=original.url,
            )
        return hits


# Marks, between ``build_hit`` and the end of ``hydrate``, a hit whose aligned original is
# still to be fetched.
_TRANSLATED = Aligned(language="", language_label="", text="", url="")


def _is_translation(source) -> bool:
    try:
        return source.translation_of is not None
    except Translation.DoesNotExist:
        return False


class SourceActivity:
    """New sources (their first version) and new versions, newest first."""

    facet_names = ("source",)
    order = AFTER_OTHER_APPS

    def recent(self, *, viewer, filters, limit: int) -> list[ActivityItem]:
        documents = source_selectors.versions_recently_published()
        if "source" in filters:
            documents = documents.filter(source__slug=filters["source"])
        return [self._item(document) for document in documents[:limit]]

    @staticmethod
    def _item(document) -> ActivityItem:
        source = document.source
        first = document.version == 1
        return ActivityItem(
            kind="source_added" if first else "version_added",
            kind_label=_("New source") if first else _("New version"),
            title=source.title,
            url=source.get_absolute_url() if first else document.get_absolute_url(),
            timestamp=document.import_finished,
            actor=document.created_by,
            summary=(
                " · ".join(str(p) for p in (source.authors_display, source.year) if p)
                if first
                else _("Version %(n)s") % {"n": document.version}
            ),
            facets={"source": source.slug},
        )


class SourcesAdded:
    title = gettext_lazy("Sources added")
    order = AFTER_OTHER_APPS

    def for_user(self, *, user, viewer, limit: int) -> list[ActivityItem]:
        sources = source_selectors.source_list().filter(added_by=user).order_by("-created")[:limit]
        return [
            ActivityItem(
                kind="source_added",
                kind_label=_("Source"),
                title=source.title,
                url=source.get_absolute_url(),
                timestamp=source.created,
                actor=user,
                summary=" · ".join(str(p) for p in (source.authors_display, source.year) if p),
                facets={"source": source.slug},
            )
            for source in sources
        ]


class SourceSuggester:
    """Readable sources whose title or author names start with the typed words."""

    kind = "source"
    label = gettext_lazy("Source")
    order = 30

    def suggest(self, words: list[str], *, text: str, limit: int) -> list[Suggestion]:
        kind_label = str(self.label)
        readable = _readable_sources()
        if readable is not None:
            # The same test as _source_matches, in Python on the list this process keeps.
            typed = [(word.upper(), " " + word.upper()) for word in words]
            found = []
            for slug, title, upper_title, upper_authors in readable:
                if all(
                    upper_title.startswith(start) or inner in upper_title or start in upper_authors
                    for start, inner in typed
                ):
                    found.append(Suggestion(self.kind, kind_label, title, source_url(slug)))
                    if len(found) == limit:
                        break
            return found
        # Sources are few (hundreds): matching the words in titles and author lists row
        # by row (1 ms) beat the GIN prefix query with its weight recheck (10 ms).
        if len(words) <= _PREPARED_WORDS:
            # The usual case: compiled once per process for this many words (building
            # source_list()'s visibility subqueries again cost 0.5-1 ms a keystroke).
            values = {}
            for position, word in enumerate(words):
                for part, pattern in zip(_PARTS, _patterns(word), strict=True):
                    values[f"{part}{position}"] = pattern
            rows = _source_suggestions(len(words), limit).rows(**values)
        else:
            patterns = [_patterns(word) for word in words]
            rows = _source_matches(patterns).values_list("slug", "title")[:limit]
        return [Suggestion(self.kind, kind_label, title, source_url(slug)) for slug, title in rows]


# Up to this many typed words the suggestions' query is compiled once per word count.
_PREPARED_WORDS = 4

# Up to this many readable sources, each process keeps their titles and authors for the
# suggestions (``_readable_sources``).
SUGGESTED_FROM_MEMORY = 2_000
# What decides which sources are readable (source_list(), exclude_withheld()).
_READABLE_DEPENDS_ON = (
    "sources.Source",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "contenttypes.ContentType",
)
_readable: dict[str, tuple] = {}


def _readable_sources() -> list[tuple[str, str, str, str]] | None:
    """``(slug, title, title upper-cased, authors upper-cased)`` of every readable
    source, by title as source_list() orders them, kept in this process until any of
    ``_READABLE_DEPENDS_ON`` changes (their versions, apps.common.http_cache; a suggestion
    request has read them already for its ETag, so this costs no round trip). None with
    more than SUGGESTED_FROM_MEMORY sources, or without versions: the query then runs for
    each keystroke. Sources are few and change seldom; matching a few hundred titles in
    Python took 0.05 ms where the query took 0.7 ms of a 3 ms keystroke
    (docs/benchmarks.md, "Session 12")."""
    from apps.common import http_cache

    try:
        version = http_cache.versions(_READABLE_DEPENDS_ON)
    except Exception:  # noqa: BLE001 - no cache, no versions: the query every time
        return None
    kept = _readable.get("sources")
    if kept is not None and kept[0] == version:
        return kept[1]
    rows = list(
        source_selectors.source_list()
        .select_related(None)
        .values_list("slug", "title", "authors")[: SUGGESTED_FROM_MEMORY + 1]
    )
    readable = None
    if len(rows) <= SUGGESTED_FROM_MEMORY:
        readable = [
            (slug, title, title.upper(), _authors_text(authors).upper())
            for slug, title, authors in rows
        ]
    # Read after the versions: a write in between leaves newer rows under older versions,
    # which the next request, seeing the new versions, reads again.
    _readable["sources"] = (version, readable)
    return readable


def _authors_text(authors) -> str:
    """The author names as one text to find a typed word in (the query tests the JSON
    text of the list: for letters and digits, the same)."""
    if isinstance(authors, list):
        return "\n".join(str(name) for name in authors)
    return str(authors or "")


def _source_matches(patterns) -> QuerySet:
    """Readable sources (source_list(): its visibility rules) matching each typed word,
    given as a triple (``word``, ``" word"``, ``word``: plain strings or expressions): at
    the start of the title, at the start of a later title word, or in the authors."""
    sources = source_selectors.source_list().select_related(None).order_by("title")
    for start, inner, author in patterns:
        sources = sources.filter(
            Q(title__istartswith=start) | Q(title__icontains=inner)
            | Q(authors__icontains=author)
        )  # fmt: skip
    return sources


_PARTS = ("start", "inner", "author")


def _patterns(word: str) -> tuple[str, str, str]:
    return word, f" {word}", word


@functools.cache
def _source_suggestions(word_count: int, limit: int) -> PreparedQuery:
    # Each pattern is its own value (a PreparedQuery value appears once); LIKE escapes it
    # in SQL (a constant folded before planning: the plan is the one of a literal).
    def build(**values):
        patterns = [
            [Value(values[f"{part}{position}"]) for part in _PARTS]
            for position in range(word_count)
        ]
        return _source_matches(patterns).values_list("slug", "title")[:limit]

    kinds = {f"{part}{position}": str for position in range(word_count) for part in _PARTS}
    return PreparedQuery(build, **kinds)


PROVIDERS = [SourceProvider(), PassageProvider()]
SUGGESTERS = [SourceSuggester()]
FACETS = [SourceFacet(), YearFacet(), LanguageFacet()]
ACTIVITY = [SourceActivity()]
CONTRIBUTIONS = [SourcesAdded()]
