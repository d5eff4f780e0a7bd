"""The annotations layer of the reader page (a reader extension, see
apps/sources/reader_extensions.py).

The thread roots everyone may see on a version (placed, orphaned, source notes) are
served as JSON by :func:`public_threads`, a public payload with an ETag over the models it
reads (apps/common/http_cache.py, ADR 0007): browsers and proxies revalidate it. The page itself embeds only what is personal: the viewer's own roots that
the public set lacks (private, hidden, waiting) or, for a moderator, what they moderate
(cached per viewer under the same versions), plus the strings and URLs the script
needs. Counts and the Annotate passage buttons are painted by the script, so the passage
markup stays the same for every viewer and is cached too (ADR 0004). Replies are fetched
per thread when a thread is opened.

Server-side work is then a fixed, small number of queries whatever the number of
annotations (see docs/benchmarks.md, "Annotations").
"""

from __future__ import annotations

import functools
import json

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.common import http_cache
from apps.moderation.models import FlagReason
from apps.sources.models import Document, DocumentStatus

from . import selectors
from .models import Motivation, Visibility
from .representation import ROW_FIELDS, annotation_json_from_row

# Everything the public threads JSON (and the orphans list) shows: the annotations, where
# they are placed, who wrote them (names), and what moderation hides.
THREADS_DEPENDS_ON = (
    "sources.Source",
    "sources.Document",
    "annotations.Annotation",
    "annotations.AnnotationAnchor",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
)


def _rows(queryset) -> list[dict]:
    return [annotation_json_from_row(row) for row in queryset.values(*ROW_FIELDS)]


def public_threads_json(document) -> str:
    """The JSON the reader fetches: thread roots on ``document`` an anonymous reader may
    see, in the API's shape. The same for everyone."""

    def render() -> str:
        rows = _rows(selectors.threads_for_reader(viewer=AnonymousUser(), document=document))
        return json.dumps({"annotations": rows}, cls=DjangoJSONEncoder, separators=(",", ":"))

    return render()


def public_orphans(document) -> list[dict]:
    """Thread roots an anonymous reader may see that could not be placed in ``document``
    (listed under "N annotations could not be placed"). Shared, so cached."""

    def render() -> list[dict]:
        rows = selectors.orphans_for_reader(viewer=AnonymousUser(), document=document).values(
            "id", "exact", "author__display_name", "author__username"
        )
        return [
            {
                "pk": row["id"],
                "exact": row["exact"],
                "author_name": row["author__display_name"] or row["author__username"],
                "author_username": row["author__username"],
            }
            for row in rows
        ]

    return http_cache.fragment(
        "reader-orphans", document.pk, depends_on=THREADS_DEPENDS_ON, render=render
    )


@require_GET
def public_threads(request, document_id: int):
    """``GET /reader/<document id>/threads.json``: public, with an ETag over what it
    shows; revalidated by browsers and proxies (never ``immutable``: its URL stays)."""
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
    return http_cache.public_response(
        request,
        depends_on=THREADS_DEPENDS_ON,
        render=lambda: HttpResponse(public_threads_json(document), content_type="application/json"),
        vary=(),  # no translated strings in it
    )


def reader_extension(request, *, source, document) -> dict:
    viewer = request.user
    signed_in = viewer.is_authenticated
    can_moderate = signed_in and selectors.can_moderate(viewer)
    own = []
    if signed_in:

        def render_own() -> list[dict]:
            return _rows(
                selectors.threads_for_reader_beyond_public(viewer=viewer, document=document)
            )

        # Keyed by the viewer and their moderator status, under the versions of what it
        # shows: every write that could change this set bumps one of them.
        own = http_cache.fragment(
            "reader-own",
            document.pk,
            viewer.pk,
            f"{selectors.is_moderator(viewer):d}{can_moderate:d}",
            depends_on=THREADS_DEPENDS_ON,
            render=render_own,
        )
    # The public orphans are shared (cached); the viewer's own come with their rows.
    orphans = {o["pk"]: o for o in public_orphans(document)}
    for a in own:
        if a["parent"] is None and a["author"] and (a["anchor"] or {}).get("status") == "orphaned":
            orphans[a["id"]] = {
                "pk": a["id"],
                "exact": a["target"]["selector"][0]["exact"],
                "author_name": a["author"]["name"],
                "author_username": a["author"]["username"],
            }
    orphans = [
        # The same rule as services.annotation_reattach (which enforces it).
        {
            **o,
            "can_reattach": can_moderate or (signed_in and o["author_username"] == viewer.username),
        }
        for _, o in sorted(orphans.items())
    ]
    threads_url = reverse("annotations:reader_threads", kwargs={"document_id": document.pk})
    payload = {
        "annotations": own,
        "threads": threads_url,
        "user": viewer.username if signed_in else None,
        "canModerate": can_moderate,
        "source": source.slug,
        "version": document.version,
        "isCurrent": document.pk == source.current_document_id,
        **_static_payload(get_language()),
    }

    return {
        "context": {
            "annotation_payload_json": json_for_script(payload),
            "annotation_threads_url": threads_url,
            "annotation_orphans": orphans,
            "annotation_can_write": signed_in,
            "annotation_visibilities": Visibility.choices,
            "annotation_legend": [
                (m.value, m.label) for m in Motivation if m != Motivation.REPLYING
            ],
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
def _static_payload(language: str) -> dict:
    """The part of the reader's payload that depends only on the language: URLs, flag
    reasons and the script's strings, built once per process and language (about fifty
    translation look-ups a request otherwise). Returned dicts are shared: never mutate."""
    return {
        "api": reverse("api-annotation-list"),
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
            "threadsOnPassage": _("Threads on this passage: %(n)s"),
            "loadFailed": _("The annotations could not be loaded. Reload the page to try again."),
            "reattachHere": _("Re-attach here"),
            "reattachPrompt": _(
                "Select the text this annotation belongs to in this version, then press "
                "“Re-attach here”."
            ),
            "reattached": _("Re-attached."),
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
