"""Annotations in search, activity and contributor pages (see docs/search.md).

Visibility comes only from ``apps.annotations.selectors``: search finds what
``annotations_searchable`` lets the viewer see (a private annotation only for its author,
a hidden one for its author and moderators, a group's note for its members, a deleted
one for nobody); activity and
contributor pages list ``annotations_public`` only, whoever looks.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.markdown import markdown_to_text
from apps.moderation.selectors import hidden_ids_for
from apps.search import snippets
from apps.search.activity import ActivityItem
from apps.search.providers import (
    Facet,
    Hit,
    ModelSearchProvider,
    SearchInputError,
    SearchRequest,
)
from apps.search.suggest import Suggestion
from apps.sources.models import Source

from . import selectors
from .models import Annotation
from .services import normalize_tags
from .tag_selectors import tag_suggestions

TITLE_LENGTH = 120


class TagFacet(Facet):
    name = "tag"
    label = gettext_lazy("Tag")

    def clean(self, raw: str, *, viewer) -> str:
        try:
            tags = normalize_tags([raw])
        except ValidationError:
            tags = []
        if not tags or not selectors.annotation_tag_exists(viewer=viewer, tag=tags[0]):
            raise SearchInputError(
                self.name, _("No annotation has the tag “%(tag)s”.") % {"tag": raw}
            )
        return tags[0]


class AuthorFacet(Facet):
    name = "author"
    label = gettext_lazy("Author")

    def clean(self, raw: str, *, viewer) -> str:
        if not get_user_model().objects.filter(username=raw, is_active=True).exists():
            raise SearchInputError(
                self.name, _("There is no contributor “%(username)s”.") % {"username": raw}
            )
        return raw


def _shorten(text: str, limit: int = TITLE_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class AnnotationProvider(ModelSearchProvider):
    kind = "annotation"
    label = gettext_lazy("Annotations")
    singular_label = gettext_lazy("Annotation")
    order = 30
    vector_path = "search_index__vector"
    # Tags weigh like a title, the comment above the quoted text (as in the stored vector).
    fallback_fields = {"tags": 1.0, "body": 0.4, "exact": 0.2}
    headline_field = "body"
    headline_is_markdown = True
    facet_fields = {
        "source": ("source__slug", "source__title"),
        "author": ("author__username", "author__display_name"),
        # A JSON list: filtered in ``filtered_queryset``, counted per tag by the base class.
        "tag": ("tags", None),
    }

    def visible_queryset(self, request: SearchRequest):
        return selectors.annotations_searchable(viewer=request.viewer)

    def index_visibility(self, request: SearchRequest):
        # The index row's copies (public, author, source; search.AnnotationSearchIndex).
        return selectors.annotations_searchable_columns(viewer=request.viewer)

    def visibility_shape(self, request: SearchRequest):
        return selectors.annotations_searchable_columns_shape(viewer=request.viewer)

    # The index row's copies (source, author, tags) answer the facet paths as they are.
    facet_paths_on_index = True

    def filtered_queryset(self, request: SearchRequest):
        filters = request.filters
        return selectors.annotations_searchable(
            viewer=request.viewer,
            tag=filters.get("tag", ""),
            author_username=filters.get("author", ""),
            source_slug=filters.get("source", ""),
        )

    # What ``build_hit`` reads, and no more: a page of hits made 60 model instances with
    # every column (the author's password hash among them) to show a title and a line.
    HIT_FIELDS = (
        "id", "body", "exact", "tags", "visibility", "hidden", "parent_id", "thread_id",
        "group_id", "source_id", "author_id", "author__username", "author__display_name",
        "source__slug", "source__title",
    )  # fmt: skip

    def hydrate_queryset(self, request: SearchRequest):
        return (
            self.visible_queryset(request).select_related("author", "source").only(*self.HIT_FIELDS)
        )

    def build_hit(self, obj, *, snippet, words, score) -> Hit:
        source = obj.source
        if not obj.body:
            snippet = snippets.highlight(" · ".join(obj.tags) or obj.exact, words)
        if obj.exact:
            title = f"“{_shorten(obj.exact)}”"
        elif obj.parent_id:
            title = _("Reply on %(source)s") % {"source": source.title}
        else:
            title = _("Note on %(source)s") % {"source": source.title}
        meta = [obj.author.public_name, source.title]
        if obj.tags:
            meta.append(", ".join(obj.tags))
        if obj.visibility == "group":
            # Loaded only for a group's hits (members only), so the public search, which
            # never has one, reads no group table.
            meta.append(_("Group: %(name)s") % {"name": obj.group.name})
        elif obj.visibility != "public":
            meta.append(_("Only you can see this"))
        if obj.hidden:
            meta.append(_("Hidden by a moderator"))
        return Hit(
            kind=self.kind,
            id=obj.pk,
            title=title,
            title_html=snippets.highlight(title, words, max_words=10_000),
            snippet=snippet,
            # The reader of the current version with this annotation's thread opened and
            # the annotation focused (annotations.js reads ?thread= and the fragment).
            url=obj.get_absolute_url(),
            score=score,
            meta=" · ".join(meta),
            facets={"source": source.slug, "author": obj.author.username, "tag": obj.tags},
        )


def _activity_item(annotation) -> ActivityItem:
    reply = annotation.parent_id is not None
    if annotation.exact:
        title = f"“{_shorten(annotation.exact, 80)}” — {annotation.source.title}"
    else:
        title = annotation.source.title
    return ActivityItem(
        kind="reply" if reply else "annotation",
        kind_label=_("Reply") if reply else _("Annotation"),
        title=title,
        url=annotation.get_absolute_url(),
        timestamp=annotation.created,
        actor=annotation.author,
        summary=_shorten(markdown_to_text(annotation.body) or " · ".join(annotation.tags), 200),
        facets={"source": annotation.source.slug, "tag": annotation.tags},
    )


class AnnotationActivity:
    """Public annotations and replies, newest first (one query)."""

    facet_names = ("source", "tag")

    def recent(self, *, viewer, filters, limit: int) -> list[ActivityItem]:
        annotations = selectors.annotations_public(
            tag=filters.get("tag", ""), source_slug=filters.get("source", "")
        ).defer("source__abstract")
        return [_activity_item(a) for a in annotations[:limit]]


class PublicAnnotations:
    title = gettext_lazy("Public annotations")

    def for_user(self, *, user, viewer, limit: int) -> list[ActivityItem]:
        annotations = selectors.annotations_public(author=user).defer("source__abstract")
        return [_activity_item(a) for a in annotations[:limit]]


class TagSuggester:
    """Tags in public use site-wide that start with the typed text, most used first:
    one indexed prefix query over ``TagUsage`` (kept per tag by the annotation writes),
    cached until it changes (apps/annotations/tag_selectors.py)."""

    kind = "tag"
    label = gettext_lazy("Tag")
    order = 40

    def suggest(self, words: list[str], *, text: str, limit: int) -> list[Suggestion]:
        return [
            Suggestion(
                self.kind, str(self.label), tag,
                reverse("search:search") + "?" + urlencode({"q": tag, "tag": tag}),
            )
            for tag, _count in tag_suggestions(typed="-".join(words), limit=limit)
        ]  # fmt: skip


class PersonalAnnotationProvider(AnnotationProvider):
    """What a viewer finds that the search page, the same for everyone, cannot show: their
    own notes that are not public (private, awaiting approval, hidden) and their reading
    groups' notes. Run only by the page's private fragment (``search:personal``); nothing
    for anonymous visitors, and nobody else's hidden notes, moderators included."""

    def visible_queryset(self, request: SearchRequest):
        return _personal(selectors.annotations_searchable(viewer=request.viewer), request.viewer)

    def index_visibility(self, request: SearchRequest):
        viewer = request.viewer
        if viewer is None or not viewer.is_authenticated:
            return Q(pk__in=[])
        # The index row's copies, as annotations_searchable_columns (``public`` is
        # "public and shown"), narrowed to the viewer's own rows and their groups'.
        visible = selectors.annotations_searchable_columns(viewer=viewer)
        groups = Annotation.objects.filter(
            selectors.group_notes_q(viewer), deleted_at__isnull=True
        ).values("pk")
        mine = Q(author_id=viewer.pk) | Q(annotation_id__in=groups)
        if visible is None:
            # A moderator's rule (others' hidden notes) says nothing about their own and
            # their groups'; the part it shares with everyone's does: a hidden source's
            # notes are never found (annotations_searchable).
            visible = ~Q(source_id__in=hidden_ids_for(Source))
        return Q(public=False) & mine & visible

    def visibility_shape(self, request: SearchRequest):
        return None  # its own rule (index_visibility above), built for each request

    def filtered_queryset(self, request: SearchRequest):
        return _personal(super().filtered_queryset(request), request.viewer)

    def hydrate_queryset(self, request: SearchRequest):
        # Group hits name their group: joined, not one query per hit.
        return super().hydrate_queryset(request).select_related("group")


def _personal(queryset, viewer):
    if viewer is None or not viewer.is_authenticated:
        return queryset.none()
    mine = Q(author_id=viewer.pk) | selectors.group_notes_q(viewer)
    return queryset.filter(mine).exclude(selectors.visibility_q(None))


PROVIDERS = [AnnotationProvider()]
PERSONAL_PROVIDERS = [PersonalAnnotationProvider()]
SUGGESTERS = [TagSuggester()]
FACETS = [TagFacet(), AuthorFacet()]
ACTIVITY = [AnnotationActivity()]
CONTRIBUTIONS = [PublicAnnotations()]
