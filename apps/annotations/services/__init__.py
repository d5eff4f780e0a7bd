"""Writes for annotations, one module per feature. Each function is the only way its
change happens; each checks permission first, validates everything before storing
anything, and runs in one transaction. Follow-up work (re-anchoring newer versions,
emails) is enqueued on commit.

- ``annotations``    create, update (incl. public ⇄ private), delete
- ``threads``        reply
- ``groups``         reading groups: create, join, add, remove, leave, roles, invite
                     link; hide and restore inside a group
- ``review``         hide, restore, approve; review items annotations open or close
- ``reanchoring``    re-anchor a version, the repair sweep, re-attach an orphan by hand
- ``notifications``  reply/mention notifications (written to apps/notifications)
- ``targets``        the W3C selectors, checked against a version's text
- ``validation``     tags, body, choices; the checks every write makes first

Callers use the names re-exported here (``services.annotation_create``); modules inside
the package import each other directly.

Errors: ValidationError with a message per field (``target``, ``body``, ``tags``,
``motivation``, ``visibility``, ``parent``, ``document``), PermissionDenied when the user
may see the annotation but not do this to it. Callers fetch the annotation through
selectors first, so an invisible one is already a 404.
"""

from .annotations import annotation_create, annotation_delete, annotation_update
from .groups import (
    group_annotation_hide,
    group_annotation_restore,
    group_create,
    group_delete,
    group_invite_rotate,
    group_join,
    group_leave,
    group_member_add,
    group_member_remove,
    group_rename,
)
from .legend import legend_entry_create, legend_entry_delete, legend_entry_update
from .reanchoring import (
    REANCHOR_SETTLE,
    annotation_reattach,
    document_reanchor,
    reanchor_sweep,
)
from .review import (
    annotation_approve,
    annotation_hide,
    annotation_hide_pending_review,
    annotation_restore,
)
from .tag_usage import (
    tag_usage_rebuild,
    tag_usage_refresh,
    tag_usage_refresh_for_annotation,
    tag_usage_refresh_for_author,
)
from .targets import TextPositionSelector, TextQuoteSelector, resolve_target
from .threads import annotation_reply
from .validation import normalize_tags

__all__ = [
    "REANCHOR_SETTLE",
    "TextPositionSelector",
    "TextQuoteSelector",
    "annotation_approve",
    "annotation_create",
    "annotation_delete",
    "annotation_hide",
    "annotation_hide_pending_review",
    "annotation_reattach",
    "annotation_reply",
    "legend_entry_create",
    "legend_entry_delete",
    "legend_entry_update",
    "tag_usage_rebuild",
    "tag_usage_refresh",
    "tag_usage_refresh_for_annotation",
    "tag_usage_refresh_for_author",
    "annotation_restore",
    "annotation_update",
    "document_reanchor",
    "group_annotation_hide",
    "group_annotation_restore",
    "group_create",
    "group_delete",
    "group_rename",
    "group_invite_rotate",
    "group_join",
    "group_leave",
    "group_member_add",
    "group_member_remove",
    "normalize_tags",
    "reanchor_sweep",
    "resolve_target",
]
