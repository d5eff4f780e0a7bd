"""The annotations layer of the reader page (a reader extension, see
apps/sources/reader_extensions.py). Server side it only gathers data, in a fixed number of
queries: the thread roots visible on this version (placed, orphaned, and source notes),
serialised exactly as the API does, are embedded as JSON; static/js/annotations.js paints
highlights from them and fetches a thread's replies from the API when it is opened.

Replies are not embedded: a much-discussed source has several times more replies than
roots, and a reader opens a handful of threads (see docs/benchmarks.md, "Annotations").
"""

from __future__ import annotations

import json
from collections import Counter

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from apps.moderation.models import FlagReason

from . import selectors
from .api import ROW_FIELDS, annotation_json_from_row
from .models import AnchorStatus, Motivation, Visibility


def reader_extension(request, *, source, document, passages) -> dict:
    viewer = request.user
    rows = list(
        selectors.threads_for_reader(viewer=viewer, document=document).values(
            *ROW_FIELDS, "anchor_passage_id"
        )
    )
    roots = [row for row in rows if row["deleted_at"] is None]
    counts = Counter(
        row["anchor_passage_id"]
        for row in roots
        if row["anchor_passage_id"]
        and row["anchor_status"] in (AnchorStatus.ANCHORED, AnchorStatus.FUZZY)
    )
    signed_in = viewer.is_authenticated
    can_moderate = signed_in and selectors.can_moderate(viewer)
    orphans = [
        {
            "pk": row["id"],
            "exact": row["exact"],
            "author_name": row["author__display_name"] or row["author__username"],
            # The same rule as services.annotation_reattach (which enforces it).
            "can_reattach": can_moderate
            or (signed_in and row["author__username"] == viewer.username),
        }
        for row in roots
        if row["anchor_status"] == AnchorStatus.ORPHANED
    ]
    payload = {
        "annotations": [annotation_json_from_row(row) for row in rows],
        "user": viewer.username if signed_in else None,
        "canModerate": can_moderate,
        "source": source.slug,
        "version": document.version,
        "isCurrent": document.pk == source.current_document_id,
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
            "reattachHere": _("Re-attach here"),
            "reattachPrompt": _(
                "Select the text this annotation belongs to in this version, then press "
                "“Re-attach here”."
            ),
            "reattached": _("Re-attached."),
        },
    }
    return {
        "context": {
            "annotation_payload_json": json_for_script(payload),
            "annotation_counts": dict(counts),
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
            "passage": ["annotations/reader/_passage.html"],
            "aside": ["annotations/reader/_aside.html"],
            "body_end": ["annotations/reader/_body_end.html"],
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
