"""The annotations layer of the reader page (a reader extension, see
apps/sources/reader_extensions.py). How the reader loads (docs/annotations.md):

1. **The page** is the same for every viewer: it embeds only public, static things (URLs,
   the script's strings, the source, version and whether it is current) and lists the
   public orphans. Personal controls (Annotate, the form, "Mine only", Re-attach) are in
   the markup ``hidden`` and revealed by the script; with JavaScript off an anonymous
   reader sees what they always saw.
2. **The public threads JSON** (:func:`public_threads`, ``/reader/<id>/threads.json``):
   the thread roots an anonymous reader may see, trimmed to what painting highlights and
   filtering needs, as a table (no bodies, quotes, dates or selectors: a thread's full rows
   come from the API when it is opened), paged by id (``?after=<id>``,
   :data:`THREADS_PAGE_SIZE` a page, with a ``next`` link, as Hypothesis pages its
   search). Public, with a strong ETag.
3. **The viewer's own JSON** (:func:`mine`, ``/reader/<id>/mine.json``): who is signed
   in, whether they moderate, their roots the public set lacks (private, hidden, waiting,
   their reading groups' notes; for a moderator what they moderate), their own orphans,
   which orphans they may re-attach, and their reading groups. ``private, no-cache`` with an ETag.

Server-side work is a fixed, small number of queries whatever the number of
annotations (see docs/benchmarks.md, "Annotations").
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_cookie
from django_countries import countries

from apps.common import http_cache
from apps.common.validators import as_id
from apps.moderation.models import FlagReason
from apps.sources.models import Document, DocumentStatus

from . import group_selectors, reader_selectors, selectors
from .legend_selectors import legend_entries, legend_for_script
from .models import GROUP_MANAGERS, Motivation, Visibility
from .representation import ROW_FIELDS, annotation_json_from_row

# Roots per page of the public threads JSON. A trimmed root is ~50 bytes, so a page of
# 2,000 (~100 kB) weighs what Hypothesis' search page of 200 full annotations does; each
# page costs a query over the version's roots, so smaller pages cost more in all
# (docs/benchmarks.md, "Annotations": 200 a page took 5× longer for 2,000 roots).
THREADS_PAGE_SIZE = 2000
# Shared caches may keep a page of threads this long; browsers revalidate (ETag) every
# time (apps/common/http_cache.py, ADR 0007).
THREADS_S_MAXAGE = 60
# Everything the public threads JSON (and the orphans list) shows: the annotations, where
# they are placed, in which source and version, who wrote them (names), and what
# moderation hides.
THREADS_DEPENDS_ON = (
    "sources.Source",
    "sources.Document",
    "annotations.Annotation",
    "annotations.AnnotationAnchor",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
    "contenttypes.ContentType",
)
# Characters of an orphan's quote listed on the page (the thread shows it whole).
ORPHAN_QUOTE_CHARACTERS = 80

# A trimmed thread root is a row of these columns (the JSON says them once, as a table
# does, rather than naming every field of 2,000 objects). ``author`` indexes the page's
# ``authors`` list of [username, display name]; ``status``, ``start`` and ``end`` describe
# the root's anchor in this version (all null for a note on the whole source). A deleted
# or redacted root has no author or tags, as in the API's shape. Its text, quote, dates
# and replies come from the API when its thread is opened.
THREAD_ROOT_COLUMNS = (
    "id", "status", "start", "end", "motivation", "author", "tags", "hidden", "deleted",
)  # fmt: skip
_THREAD_ROOT_FIELDS = (
    "id", "start", "deleted_at", "redacted", "hidden", "tags_json", "motivation",
    "author__username", "author__display_name", "anchor_status", "anchor_start", "anchor_end",
)  # fmt: skip
# ``tags`` is read as JSON text: the non-empty lists of a page are decoded by one
# ``json.loads`` (one call per row was a third of the whole response's time).
_NO_TAGS = ("[]", "")


def _rows(queryset) -> list[dict]:
    return [annotation_json_from_row(row) for row in queryset.values(*ROW_FIELDS)]


def _thread_roots(rows) -> tuple[list[list], list[list[str]]]:
    """(rows in :data:`THREAD_ROOT_COLUMNS`, the authors they index) from
    ``values_list(*_THREAD_ROOT_FIELDS)`` rows."""
    authors: dict[str, int] = {}
    names: list[list[str]] = []
    table = []
    tagged: list[tuple[list, str]] = []  # (row, its tags as JSON text)
    for (pk, start, deleted_at, redacted, hidden, tags, motivation, username, display_name,
         status, anchor_start, anchor_end) in rows:  # fmt: skip
        deleted = deleted_at is not None
        placeholder = deleted or redacted
        author = None
        if not placeholder:
            author = authors.get(username)
            if author is None:
                # The same rule as User.public_name.
                author = authors[username] = len(names)
                names.append([username, display_name or username])
        if start is None or status is None:  # a source note, or no anchor here
            status = anchor_start = anchor_end = None
        row = [pk, status, anchor_start, anchor_end, motivation, author, [], hidden, deleted]
        if not placeholder and tags not in _NO_TAGS:
            tagged.append((row, tags))
        table.append(row)
    if tagged:
        decoded = json.loads("[" + ",".join(tags for _row, tags in tagged) + "]")
        for (row, _tags), tags in zip(tagged, decoded, strict=True):
            row[6] = tags
    return table, names


def _ready_document(document_id: int) -> Document:
    document = get_object_or_404(
        Document.objects.select_related("source").only(
            "id",
            "version",
            "status",
            "source_id",
            "source__id",
            "source__slug",
            "source__current_document_id",
        ),  # fmt: skip
        pk=document_id,
    )
    if document.status != DocumentStatus.READY:
        raise Http404("This version is not ready.")
    return document


def _json_with_etag(request, body: str, *, cache_control: str) -> HttpResponse:
    """``body`` with a strong ETag (a hash of its bytes) and ``304 Not Modified`` when the
    client already has it."""
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


def threads_url(document_id: int, *, after: int = 0) -> str:
    url = reverse("annotations:reader_threads", kwargs={"document_id": document_id})
    return f"{url}?after={after}" if after else url


def public_threads_page_json(document, *, after: int = 0) -> str:
    """One page of the JSON the reader fetches: up to :data:`THREADS_PAGE_SIZE` thread
    roots on ``document`` an anonymous reader may see, with ids above ``after``, trimmed
    (:func:`_thread_roots`), and the URL of the next page (null on the last). The same for
    everyone, so cached under the versions of what it shows."""

    def render() -> str:
        queryset = reader_selectors.public_thread_roots(document=document).filter(pk__gt=after)
        queryset = queryset.annotate(tags_json=Cast("tags", TextField())).order_by("pk")
        rows = list(queryset.values_list(*_THREAD_ROOT_FIELDS)[: THREADS_PAGE_SIZE + 1])
        more = len(rows) > THREADS_PAGE_SIZE
        rows = rows[:THREADS_PAGE_SIZE]
        table, authors = _thread_roots(rows)
        body = {
            "columns": THREAD_ROOT_COLUMNS,
            "annotations": table,
            "authors": authors,
            "next": threads_url(document.pk, after=rows[-1][0]) if more else None,
        }
        return json.dumps(body, separators=(",", ":"))

    return http_cache.fragment(
        "reader-threads", document.pk, after, depends_on=THREADS_DEPENDS_ON, render=render
    )


def public_orphans(document) -> list[dict]:
    """Thread roots an anonymous reader may see that could not be placed in ``document``
    (listed under "N annotations could not be placed"). Shared, so cached."""

    def render() -> list[dict]:
        if not reader_selectors.document_has_orphans(document=document):
            return []
        rows = reader_selectors.orphans_for_reader(
            viewer=AnonymousUser(), document=document
        ).values("id", "exact", "author__display_name", "author__username")
        return [_orphan(row) for row in rows]

    return http_cache.fragment(
        "reader-orphans", document.pk, depends_on=THREADS_DEPENDS_ON, render=render
    )


def _orphan(row: dict) -> dict:
    return {
        "pk": row["id"],
        "exact": row["exact"],
        "author_name": row["author__display_name"] or row["author__username"],
        "author_username": row["author__username"],
    }


@require_GET
def public_threads(request, document_id: int):
    """``GET /reader/<document id>/threads.json[?after=<id>]``: a page of the public thread
    roots (see :func:`public_threads_page_json`). Public, revalidated with a strong ETag;
    shared caches keep it :data:`THREADS_S_MAXAGE` seconds."""
    after = request.GET.get("after", "0")
    after_id = as_id(after)
    if after_id is None:
        return JsonResponse(
            {"detail": _("“after” must be the id of an annotation (a whole number).")},
            status=400,
        )
    document = _ready_document(document_id)
    return http_cache.public_response(
        request,
        depends_on=THREADS_DEPENDS_ON,
        render=lambda: HttpResponse(
            public_threads_page_json(document, after=after_id), content_type="application/json"
        ),
        s_maxage=THREADS_S_MAXAGE,
        vary=(),  # no translated strings in it
    )


@require_GET
@vary_on_cookie
def mine(request, document_id: int):
    """``GET /reader/<document id>/mine.json``: what the reader adds for the signed-in
    viewer (see the module's docstring). Anonymous: ``{"user": null, ...}`` with nothing
    in it, so the page's script needs no special case. Private, revalidated with an ETag."""
    document = _ready_document(document_id)
    viewer = request.user
    body = {
        "user": None,
        "canModerate": False,
        "annotations": [],
        "orphans": [],
        "reattach": [],
        "groups": [],
    }
    if viewer.is_authenticated:
        body = _mine(viewer, document)
        # The page is the same for everyone and carries no CSRF token: writes read it from
        # the cookie, set here if this session has none yet.
        get_token(request)
    text = json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"))
    return _json_with_etag(request, text, cache_control="private, no-cache")


def _mine(viewer, document) -> dict:
    can_moderate = selectors.can_moderate(viewer)
    own = _rows(reader_selectors.threads_for_reader_beyond_public(viewer=viewer, document=document))
    public = public_orphans(document)
    listed = {o["pk"] for o in public}
    # The viewer's orphans the public list lacks (private, hidden, waiting...).
    extra = [
        {
            "pk": a["id"],
            "exact": a["target"]["selector"][0]["exact"],
            "author_name": a["author"]["name"],
            "author_username": a["author"]["username"],
        }
        for a in own
        if a["author"] and (a["anchor"] or {}).get("status") == "orphaned" and a["id"] not in listed
    ]
    # The same rule as services.annotation_reattach (which enforces it).
    reattach = sorted(
        o["pk"]
        for o in [*public, *extra]
        if can_moderate or o["author_username"] == viewer.username
    )
    total = len(public) + len(extra)
    return {
        "user": viewer.username,
        "canModerate": can_moderate,
        "annotations": own,
        "orphans": [
            {
                "id": o["pk"],
                "quote": _truncate(o["exact"], ORPHAN_QUOTE_CHARACTERS),
                "author": o["author_name"],
            }
            for o in extra
        ],
        "orphansSummary": ngettext(
            "%(n)s annotation could not be placed in this version",
            "%(n)s annotations could not be placed in this version",
            total,
        )
        % {"n": total},
        "reattach": reattach,
        # The reader's group selector (writing) and filter (reading); ``manages``: may
        # hide and restore the group's notes.
        "groups": [
            {"slug": g.slug, "name": g.name, "manages": g.my_role in GROUP_MANAGERS}
            for g in group_selectors.groups_for_user(user=viewer)
        ],
    }


def _truncate(text: str, length: int) -> str:
    """As the template filter ``truncatechars`` does it."""
    return text if len(text) <= length else text[: length - 1] + "…"


def reader_extension(request, *, source, document) -> dict:
    """The reader's annotation slots. Never reads ``request.user``: the page is the same
    for every viewer (personal parts come from :func:`mine`)."""
    first_page = threads_url(document.pk)
    legend = legend_entries()
    payload = {
        "threads": first_page,
        "mine": reverse("annotations:reader_mine", kwargs={"document_id": document.pk}),
        "source": source.slug,
        "version": document.version,
        "isCurrent": document.pk == source.current_document_id,
        # Which tag → which colour (moderators edit it: /reader/legend/).
        "legend": legend_for_script(legend),
    }
    # The static part (its country list is most of the payload) is encoded once per
    # language; the object is the same as json_for_script({**payload, **static}).
    payload_json = mark_safe(  # noqa: S308 - both parts escaped by json_for_script
        json_for_script(payload)[:-1] + "," + _static_payload_json(get_language())[1:]
    )
    return {
        "context": {
            "annotation_payload_json": payload_json,
            "annotation_threads_url": first_page,
            "annotation_orphans": public_orphans(document),
            "annotation_visibilities": _visibilities(get_language()),
            "annotation_legend_entries": legend,
            "annotation_legend": _motivations(get_language()),
            "annotation_export_jsonld": reverse(
                "api-source-annotations-jsonld", kwargs={"slug": source.slug}
            ),
            "annotation_export_csv": reverse(
                "api-source-annotations-csv", kwargs={"slug": source.slug}
            ),
        },
        "templates": {
            "head": ["annotations/reader/_head.html"],
            "tools": ["annotations/reader/_tools.html"],
            "aside": ["annotations/reader/_aside.html"],
            "body_end": ["annotations/reader/_body_end.html"],
        },
    }


@functools.lru_cache(maxsize=16)
def _visibilities(language: str) -> tuple[tuple[str, str], ...]:
    """The visibility choices with their labels translated once per process and language
    (a lazy label is a translation look-up each time the page shows it)."""
    return tuple((value, str(label)) for value, label in Visibility.choices)


@functools.lru_cache(maxsize=16)
def _motivations(language: str) -> tuple[tuple[str, str], ...]:
    """The legend's kinds of note (all but replies), as :func:`_visibilities`."""
    return tuple((m.value, str(m.label)) for m in Motivation if m != Motivation.REPLYING)


@functools.lru_cache(maxsize=16)
def _static_payload_json(language: str) -> str:
    return json_for_script(_static_payload(language))


@functools.lru_cache(maxsize=16)
def _static_payload(language: str) -> dict:
    """The part of the reader's payload that depends only on the language: URLs, flag
    reasons and the script's strings, built once per process and language (about fifty
    translation look-ups a request otherwise). Returned dicts are shared: never mutate."""
    return {
        "api": reverse("api-annotation-list"),
        # Any version's threads and mine JSON: these with its document id in place of 0
        # (the side-by-side reader loads both sides', static/js/annotations/store.js).
        "readerThreads": reverse("annotations:reader_threads", kwargs={"document_id": 0}),
        "readerMine": reverse("annotations:reader_mine", kwargs={"document_id": 0}),
        # Tag suggestions (static/js/annotations/tags.js): "Germ" offers country:DE.
        "countries": [[code, str(name)] for code, name in countries],
        # Site-wide tags in public use (apps/annotations/api/tags.py).
        "tagsApi": reverse("api-annotation-tags"),
        # An annotation's share link is this with its id in place of 0 (/a/<id>/).
        "share": reverse("annotations:share", kwargs={"pk": 0}),
        "flagApi": reverse("api-flags"),
        "flagReasons": [[value, str(label)] for value, label in FlagReason.choices],
        "preview": reverse("api-annotation-preview"),
        "strings": {
            "reply": _("Reply"),
            "edit": _("Edit"),
            "delete": _("Delete"),
            "save": _("Save"),
            "cancel": _("Cancel"),
            "hide": _("Hide"),
            "restore": _("Restore"),
            "comment": _("Comment"),
            "tags": _("Tags"),
            "edited": _("edited"),
            "hidden": _("Hidden by a moderator"),
            "private": _("Only you can see this"),
            "groupNote": _("Only the group “%(name)s” can see this"),
            "yourGroups": _("Your reading groups"),
            "fuzzy": _("Placed approximately in this version"),
            "orphaned": _("Could not be placed in this version"),
            "confirmDelete": _("Delete this annotation?"),
            "saved": _("Saved."),
            "deleted": _("[deleted]"),
            "noThreads": _("No annotations here yet."),
            "newAnnotation": _("New annotation"),
            "wholePassage": _("The whole passage"),
            "failed": _("Something went wrong. Please try again."),
            "sourceNote": _("On the whole source"),
            "threadLabel": _("Thread"),
            "flag": _("Flag"),
            "flagReason": _("What is wrong?"),
            "flagText": _("Details (needed for “Other”)"),
            "flagSend": _("Send to the moderators"),
            "flagged": _("Thank you: a moderator will look at it."),
            "awaiting": _("Awaiting a moderator's approval"),
            "loading": _("Loading the thread…"),
            "annotate": _("Annotate"),
            "annotatePassage": _("Annotate passage"),
            # The side-by-side reader's combined thread (static/js/annotations/threads.js):
            # the heading of each side's threads; the language is the text's own name for
            # itself ("Deutsch").
            "onSide": _("On the %(language)s side"),
            "threadsOnPassage": _("Threads on this passage: %(n)s"),
            "loadFailed": _("The annotations could not be loaded. Reload the page to try again."),
            "reattachHere": _("Re-attach here"),
            "reattachPrompt": _(
                "Select the text this annotation belongs to in this version, then press "
                "“Re-attach here”."
            ),
            "reattached": _("Re-attached."),
            "reattach": _("Re-attach"),
            # Live updates (static/js/annotations/live.js).
            "newOne": _("1 new annotation — show"),
            "newMany": _("%(n)s new annotations — show"),
            "live": _("Live: new annotations appear as they are written"),
            "offline": _("Offline: reconnecting…"),
            # Keyboard (static/js/annotations/keyboard.js) and the live region.
            "savedHere": _("Saved. Your annotation is highlighted; focus is on it."),
            "shortcuts": _("Keyboard shortcuts"),
            "shortcutNext": _("Next passage"),
            "shortcutPrevious": _("Previous passage"),
            "shortcutAnnotate": _("Annotate the focused passage"),
            "shortcutReply": _("Reply in the open thread"),
            "shortcutHelp": _("Show these shortcuts"),
            "shortcutClose": _("Close the thread sheet or this list"),
            "signInFirst": _("Sign in to annotate."),
            "noOpenThread": _("Open a thread first (a highlight or a passage's count)."),
            "close": _("Close"),
            "shareLink": _("Link"),
            "shareLabel": _("Link to this annotation"),
            "copyLink": _("Copy link"),
            "linkCopied": _("Link copied."),
            "tagSuggestions": _("Tag suggestions"),
        },
    }


_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


def json_for_script(value) -> str:
    """JSON safe inside <script type="application/json">, as Django's ``json_script``
    escapes it; ``str.replace`` is several times faster than its ``str.translate`` on the
    megabyte-sized payload of a much-annotated source."""
    text = json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))
    for character, escape in _SCRIPT_ESCAPES:
        text = text.replace(character, escape)
    return mark_safe(text)  # noqa: S308 - escaped above, like django.utils.html.json_script
