"""Reads for annotations. Every list, count, export and detail a person sees comes from
here, so the visibility rules are written once:

- public, not hidden: everyone;
- private: the author only (not even moderators: private notes are not published);
- hidden (by a moderator): its author and moderators;
- awaiting approval (its author is under pre-moderation): its author and moderators;
- written by a shadow-hidden user: that user and moderators;
- group (visibility "group"): the members of its reading group only, at the moment of
  asking (a member who leaves loses access at once); hidden in the group: its author and
  the group's owners and moderators. Site moderators are not members: they never see
  group content here (only the label of an item a member flags to them, in the queue);
- soft-deleted: nobody sees its content; it stays in lists as "[deleted]" only while it
  has replies, so the thread keeps its shape.

Another person's private annotation is indistinguishable from one that does not exist
(``annotation_get`` raises Http404, never PermissionDenied).
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.http import Http404

from apps.moderation import permissions as roles
from apps.moderation.selectors import exclude_shadow_hidden, hidden_ids_for, shadow_hidden_user_ids
from apps.sources.models import Document, DocumentStatus, Source

from .models import (
    GROUP_MANAGERS,
    Annotation,
    AnnotationAnchor,
    GroupMembership,
    Visibility,
)


def is_moderator(user) -> bool:
    """Any moderator or admin (apps.moderation roles): they see hidden annotations."""
    return roles.is_moderator(user)


def can_moderate(user) -> bool:
    """Whether ``user`` may hide, restore, approve or re-attach others' annotations.
    Annotations belong to no country, so this is for global moderators and admins (as in
    the review queue)."""
    return roles.can_moderate_country(user, None)


def visibility_q(viewer, *, prefix: str = "", moderator: bool | None = None) -> Q:
    """The rows ``viewer`` may see, as a Q over Annotation (or over a relation to it when
    ``prefix`` is e.g. ``"annotation__"``). Does not handle soft deletion. ``moderator``
    overrides the permission lookup (which may cost queries)."""

    def q(**lookups) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    public = q(visibility=Visibility.PUBLIC)
    shown = q(hidden=False, awaiting_approval=False)
    if viewer is None or not viewer.is_authenticated:
        return public & shown
    # Site moderators get no group clause of their own: a group's notes are its members'.
    group = _group_q(viewer, q)
    if is_moderator(viewer) if moderator is None else moderator:
        return public | q(author=viewer) | group
    return (public & shown) | q(author=viewer) | group


def member_group_ids(viewer) -> QuerySet:
    """The ids of the reading groups ``viewer`` belongs to, as a subquery (never
    evaluated here: each check asks the database at the moment it runs, so leaving takes
    effect at once)."""
    return GroupMembership.objects.filter(user_id=viewer.pk).values("group_id")


def managed_group_ids(viewer) -> QuerySet:
    """The groups ``viewer`` owns or moderates (they see what is hidden in them)."""
    return GroupMembership.objects.filter(user_id=viewer.pk, role__in=GROUP_MANAGERS).values(
        "group_id"
    )


def group_notes_q(viewer) -> Q:
    """The notes of ``viewer``'s reading groups they may see, as a Q over Annotation."""
    return _group_q(viewer, lambda **lookups: Q(**lookups))


def _group_q(viewer, q) -> Q:
    """Group notes of the groups ``viewer`` is in; hidden ones only where they manage."""
    return (
        q(visibility=Visibility.GROUP)
        & q(group__in=member_group_ids(viewer))
        & (q(hidden=False) | q(group__in=managed_group_ids(viewer)))
    )


def annotations_visible(
    *, viewer, hidden_placeholders: bool = False, listing_joins: bool = True
) -> QuerySet:
    """All annotations ``viewer`` may see, with what any listing shows pre-joined.

    Two kinds of row keep a thread's shape without showing content: a soft-deleted
    annotation with replies ("[deleted]") and, for people who may not see it, a public
    annotation a moderator hid that has replies ("[hidden by a moderator]", as Discourse
    shows a hidden post). The latter comes only with ``hidden_placeholders=True`` and is
    marked ``redacted``: its fields still hold the hidden content, so only callers that
    blank it (the API's JSON, the reader) ask for it; every queryset has ``redacted``."""
    has_replies = Exists(Annotation.objects.filter(parent=OuterRef("pk")))
    moderator = bool(viewer is not None and viewer.is_authenticated and is_moderator(viewer))
    seen = visibility_q(viewer, moderator=moderator)
    qs = Annotation.objects.annotate(has_replies=has_replies)
    if moderator or not hidden_placeholders:
        qs = qs.filter(seen).annotate(redacted=Value(False, output_field=BooleanField()))
    else:
        kept_for_replies = Q(
            visibility=Visibility.PUBLIC, hidden=True, awaiting_approval=False, has_replies=True
        )
        if viewer is not None and viewer.is_authenticated:
            # The same placeholder inside a group, for its members only.
            kept_for_replies |= Q(
                visibility=Visibility.GROUP,
                group__in=member_group_ids(viewer),
                hidden=True,
                has_replies=True,
            )
        qs = qs.filter(seen | kept_for_replies).annotate(
            redacted=ExpressionWrapper(~seen, output_field=BooleanField())
        )
    visible = exclude_shadow_hidden(qs, viewer=viewer, author_field="author")
    visible = visible.filter(Q(deleted_at__isnull=True) | Q(has_replies=True))
    if not listing_joins:
        # For callers reading a few columns with values(): the joins below would stay in
        # the query even when nothing reads them.
        return visible
    # Nobody signed out sees a group's note, so the public payloads (rendered for an
    # anonymous viewer and cached under declared models) never join the groups table.
    signed_in = viewer is not None and viewer.is_authenticated
    group_slug = F("group__slug") if signed_in else Value(None, output_field=CharField())
    return visible.select_related("author").annotate(
        source_slug=F("source__slug"),
        document_version=F("document__version"),
        group_slug=group_slug,
    )


def annotations_searchable(
    *, viewer, tag: str = "", author_username: str = "", source_slug: str = ""
) -> QuerySet:
    """What search finds for ``viewer``: the visibility rule above, and never a deleted
    annotation (not even as a "[deleted]" placeholder). No joins, no annotations: search
    adds what it shows, and the count over many rows stays cheap. Shadow-hidden authors'
    annotations are found by them and moderators only (one subquery, no join)."""
    qs = exclude_shadow_hidden(
        Annotation.objects.filter(visibility_q(viewer), deleted_at__isnull=True),
        viewer=viewer,
        author_field="author",
    )
    # Nor annotations on a source moderation hid (a rejected or spam upload): search,
    # activity and feeds would otherwise show its title and link to it.
    qs = qs.exclude(source_id__in=hidden_ids_for(Source))
    if tag:
        qs = qs.filter(_tag_q(tag))
    if author_username:
        qs = qs.filter(author__username=author_username)
    if source_slug:
        qs = qs.filter(source__slug=source_slug)
    return qs


def annotations_searchable_columns(*, viewer) -> Q | None:
    """The rule of ``annotations_searchable`` (unfiltered) as a condition on a search index
    row's copies of an annotation's columns: ``public`` (visibility public and shown, as
    ``visibility_q(None)``), ``author_id``, ``source_id`` and ``annotation_id``; deleted
    annotations have no index row. None for moderators, whose rule (hidden public notes)
    the copies cannot say: search then checks each candidate on the annotation itself.
    Hidden sources and shadow-hidden authors are subqueries of their own small tables,
    so their changes apply at once."""
    shape = annotations_searchable_columns_shape(viewer=viewer)
    if shape is None:
        return None
    authenticated = shape == "signed-in"
    visible = Q(public=True)
    if authenticated:
        # Their own notes whatever their state, and their groups' (by id: group notes
        # are few, and the rule is visibility_q's own).
        visible |= Q(author_id=viewer.pk) | Q(
            annotation_id__in=Annotation.objects.filter(
                _group_q(viewer, lambda **lookups: Q(**lookups)), deleted_at__isnull=True
            ).values("pk")
        )
    hidden_author = Q(author_id__in=shadow_hidden_user_ids())
    if authenticated:
        hidden_author &= ~Q(author_id=viewer.pk)
    return visible & ~hidden_author & ~Q(source_id__in=hidden_ids_for(Source))


def annotations_searchable_columns_shape(*, viewer) -> str | None:
    """What ``annotations_searchable_columns`` depends on besides the viewer's id: None
    for moderators (no rule on the index row), else "signed-in" or "anonymous". Two
    viewers of one shape get the same condition with their own id in it (search compiles
    it once per shape: apps/search/statements.py)."""
    authenticated = viewer is not None and viewer.is_authenticated
    if authenticated and is_moderator(viewer):
        return None
    return "signed-in" if authenticated else "anonymous"


def annotations_public(*, tag: str = "", source_slug: str = "", author=None) -> QuerySet:
    """Public, not hidden, not deleted annotations and replies: what activity feeds and
    contributor pages show, whoever looks (a private note stays out of a public feed even
    for its author). Newest first, author and source joined."""
    qs = annotations_searchable(viewer=None, tag=tag, source_slug=source_slug)
    if author is not None:
        qs = qs.filter(author=author)
    return qs.select_related("author", "source").order_by("-created", "-id")


def public_tag_counts(tags: list[str] | None = None) -> dict[str, int]:
    """Tags of public (not hidden, not deleted) annotations with how many use each: every
    tag (the nightly rebuild of ``TagUsage``), or only ``tags`` (a write's recount: one
    query through the GIN index on ``tags``). Tags no public annotation uses are absent."""
    counts: dict[str, int] = {}
    public = annotations_searchable(viewer=None).exclude(tags=[])
    if tags is not None:
        if not tags:
            return {}
        wanted = Q()
        for tag in tags:
            wanted |= _tag_q(tag)
        public = public.filter(wanted)
    if connection.vendor == "postgresql":
        # A set-returning function cannot be grouped through the ORM.
        sql, params = public.values("tags").query.sql_with_params()
        only = " WHERE tag = ANY(%s)" if tags is not None else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT tag, count(*) FROM ({sql}) AS public_annotation(tags),"  # noqa: S608
                f" jsonb_array_elements_text(public_annotation.tags) AS tag{only} GROUP BY tag",
                (*params, list(tags)) if tags is not None else params,
            )
            return dict(cursor.fetchall())
    for row in public.values_list("tags", flat=True).iterator():
        for tag in row:
            if tags is None or tag in tags:
                counts[tag] = counts.get(tag, 0) + 1
    return counts


def annotation_tag_exists(*, viewer, tag: str) -> bool:
    """Whether ``viewer`` can see at least one annotation with this tag."""
    return annotations_searchable(viewer=viewer, tag=tag).exists()


def with_anchor(queryset: QuerySet, *, document_id: int | None = None) -> QuerySet:
    """Add ``anchor_status/score/start/end/passage_id`` for one version (default: each
    annotation's source's current version) in the same query."""
    condition = (
        Q(anchors__document_id=document_id)
        if document_id is not None
        else Q(anchors__document_id=F("source__current_document_id"))
    )
    return queryset.annotate(anchor_here=FilteredRelation("anchors", condition=condition)).annotate(
        anchor_status=F("anchor_here__status"),
        anchor_score=F("anchor_here__score"),
        anchor_start=F("anchor_here__start"),
        anchor_end=F("anchor_here__end"),
        anchor_passage_id=F("anchor_here__passage_id"),
    )


def _tag_q(tag: str) -> Q:
    # JSON containment is native on PostgreSQL; SQLite stores the list as JSON text, where
    # a quoted, JSON-escaped tag can only match a whole element.
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    return Q(tags__icontains=json.dumps(tag))


def annotation_list(
    *,
    viewer,
    source=None,
    document=None,
    passage_id: int | None = None,
    tag: str = "",
    author_username: str = "",
    visibility: str = "",
    group_slug: str = "",
    thread_id: int | None = None,
    hidden_placeholders: bool = False,
) -> QuerySet:
    """Visible annotations filtered as the API allows. ``document`` (a version) narrows to
    the root annotations placed on it (any anchor status) plus their replies and the
    source's notes, and makes ``anchor_*`` describe that version. ``hidden_placeholders``
    as in :func:`annotations_visible` (for callers that blank redacted rows)."""
    qs = annotations_visible(viewer=viewer, hidden_placeholders=hidden_placeholders)
    if source is not None:
        qs = qs.filter(source=source)
    if document is not None:
        anchored_here = AnnotationAnchor.objects.filter(document=document).values("annotation_id")
        qs = qs.filter(
            Q(pk__in=anchored_here)
            | Q(thread_id__in=anchored_here)
            | Q(parent__isnull=True, start__isnull=True, source_id=document.source_id)
        )
    if passage_id is not None:
        on_passage = Q(passage_id=passage_id) | Q(anchors__passage_id=passage_id)
        roots = Annotation.objects.filter(on_passage).values("pk")
        qs = qs.filter(Q(pk__in=roots) | Q(thread_id__in=roots))
    if tag:
        qs = qs.filter(_tag_q(tag))
    if author_username:
        qs = qs.filter(author__username=author_username)
    if visibility:
        qs = qs.filter(visibility=visibility)
    if group_slug:
        qs = qs.filter(group__slug=group_slug)
    if thread_id is not None:
        qs = qs.filter(Q(pk=thread_id) | Q(thread_id=thread_id))
    qs = with_anchor(qs, document_id=document.pk if document is not None else None)
    return qs.order_by("created", "id")


def annotation_get(*, viewer, annotation_id: int) -> Annotation:
    """One visible annotation, or Http404 (also for someone else's private one). A hidden
    annotation with replies comes back ``redacted`` to those who may not see it (for the
    API's JSON, which blanks it)."""
    try:
        return with_anchor(annotations_visible(viewer=viewer, hidden_placeholders=True)).get(
            pk=annotation_id
        )
    except (Annotation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No annotation with this id.") from exc


def annotation_as_written(*, viewer, annotation: Annotation, source) -> Annotation:
    """A root annotation ``viewer`` has just written with ``services.annotation_create``
    (on ``source``), shaped as :func:`annotation_get` returns it, without reading it
    again: the write answers from what it stored. Its author always sees it, it has no
    replies (so nothing is ``redacted``), and the anchor ``annotation_get`` shows (on the
    source's current version) is the one stored with it when it was written on that
    version. Written on another version (its current-version anchor comes from
    re-anchoring, perhaps already done) or a reply: read again."""
    current = annotation.document_id == source.current_document_id
    if annotation.parent_id is not None or not current or annotation.author_id != viewer.pk:
        return annotation_get(viewer=viewer, annotation_id=annotation.pk)
    annotation.redacted = False
    annotation.source_slug = source.slug
    annotation.document_version = annotation.document.version
    annotation.group_slug = annotation.group.slug if annotation.group_id is not None else None
    anchor = annotation.stored_anchor
    annotation.anchor_status = anchor.status if anchor else None
    annotation.anchor_score = anchor.score if anchor else None
    annotation.anchor_start = anchor.start if anchor else None
    annotation.anchor_end = anchor.end if anchor else None
    annotation.anchor_passage_id = anchor.passage_id if anchor else None
    return annotation


def annotation_share_target(*, viewer, annotation_id: int) -> str:
    """Where an annotation's share link leads: its version's reader with its thread open,
    at the thread's passage (a source note: the top of the reader). Http404 when the
    viewer may not see the annotation (:func:`annotation_get`)."""
    annotation = annotation_get(viewer=viewer, annotation_id=annotation_id)
    root_id = annotation.thread_id or annotation.pk
    root = (
        Annotation.objects.select_related("document__source", "passage")
        .only("pk", "document__version", "document__source__slug", "passage__anchor")
        .get(pk=root_id)
    )
    url = f"{root.document.get_absolute_url()}?thread={root.pk}"
    return url + (f"#{root.passage.html_id}" if root.passage_id else "")


def annotations_for_export(*, viewer, source) -> QuerySet:
    """A source's visible annotations, for JSON-LD and CSV download (positions in the
    current version)."""
    return annotation_list(viewer=viewer, source=source).filter(deleted_at__isnull=True)


def documents_missing_anchors(*, settled_before) -> list[int]:
    """Ready versions that some root annotation of their source, made on an earlier
    version, has no anchor on: their re-anchoring job was lost (broker down when the
    version became ready, worker killed). Versions that became ready after
    ``settled_before`` are left to the job that is probably still on its way."""
    anchored_here = AnnotationAnchor.objects.filter(
        annotation_id=OuterRef("pk"), document_id=OuterRef(OuterRef("pk"))
    )
    # As document_reanchor: a current version takes annotations made on any other
    # version, an older one those made before it.
    unplaced = (
        Annotation.objects.filter(
            source_id=OuterRef("source_id"), parent__isnull=True, start__isnull=False
        )
        .filter(
            Q(document__version__lt=OuterRef("version"))
            | Q(source__current_document_id=OuterRef("pk"))
        )
        .exclude(document_id=OuterRef("pk"))
        .exclude(Exists(anchored_here))
    )
    return list(
        Document.objects.filter(status=DocumentStatus.READY, version__isnull=False)
        .filter(Q(import_finished__isnull=True) | Q(import_finished__lt=settled_before))
        .filter(Exists(unplaced))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def can_see(
    *,
    viewer,
    annotation: Annotation,
    include_deleted: bool = False,
    author_shadow_hidden: bool | None = None,
) -> bool:
    """The visibility rule for one row already in memory (notifications, replies). May
    cost a query (the author's shadow-hidden state) for other people's annotations,
    unless the caller knows it (``author_shadow_hidden``, from ``moderation.standing``)."""
    if annotation.deleted_at is not None and not include_deleted:
        return False
    if viewer is not None and viewer.is_authenticated and annotation.author_id == viewer.pk:
        return True
    if annotation.visibility == Visibility.GROUP:
        if viewer is None or not viewer.is_authenticated:
            return False
        role = (
            GroupMembership.objects.filter(group_id=annotation.group_id, user_id=viewer.pk)
            .values_list("role", flat=True)
            .first()
        )
        if role is None or (annotation.hidden and role not in GROUP_MANAGERS):
            return False
        if is_moderator(viewer):
            return True  # as for public notes: moderators see shadow-hidden authors
        if author_shadow_hidden is not None:
            return not author_shadow_hidden
        return not shadow_hidden_user_ids().filter(user_id=annotation.author_id).exists()
    if annotation.visibility != Visibility.PUBLIC:
        return False
    if is_moderator(viewer):
        return True
    if annotation.hidden or annotation.awaiting_approval:
        return False
    if author_shadow_hidden is not None:
        return not author_shadow_hidden
    return not shadow_hidden_user_ids().filter(user_id=annotation.author_id).exists()
