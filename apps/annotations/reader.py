"""The annotations layer of the reader page (a reader extension, see
apps/sources/reader_extensions.py). Server side it only gathers data, in a fixed number of
queries: the annotations visible on this version, serialised exactly as the API does, are
embedded as JSON; static/js/annotations.js paints highlights and runs the side panel.
"""

from __future__ import annotations

from collections import Counter

from django.urls import reverse
from django.utils.translation import gettext as _

from apps.moderation.models import FlagReason

from . import selectors
from .api import AnnotationSerializer
from .models import AnchorStatus, Motivation, Visibility


def reader_extension(request, *, source, document, passages) -> dict:
    viewer = request.user
    annotations = list(selectors.annotations_for_reader(viewer=viewer, document=document))
    roots = [a for a in annotations if not a.is_reply and not a.is_deleted]
    counts = Counter(
        a.anchor_passage_id
        for a in roots
        if a.anchor_passage_id and a.anchor_status in (AnchorStatus.ANCHORED, AnchorStatus.FUZZY)
    )
    orphans = [a for a in roots if a.anchor_status == AnchorStatus.ORPHANED]
    signed_in = viewer.is_authenticated
    payload = {
        "annotations": AnnotationSerializer(annotations, many=True).data,
        "user": viewer.username if signed_in else None,
        "canModerate": signed_in and selectors.can_moderate(viewer),
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
        },
    }
    return {
        "context": {
            "annotation_payload": payload,
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
