"""Writes for moderation, one module per feature. Every moderation action goes through a
function here (decisions through the action objects in actions.py) and writes exactly
one audit row with ``audit_record``.

- ``audit``     the audit log (``audit_record``)
- ``roles``     trusted contributors, moderators and their countries; user measures
                (pre-moderation, shadow-hiding)
- ``queue``     review items: open, refresh, claim, release
- ``settling``  review items closed outside the queue (decided elsewhere, made private)
- ``flags``     flags and their scores; hiding at the threshold
- ``notices``   decision notices (written to the inbox, apps/notifications)
- ``hiding``    ``HiddenContent`` for targets without a visibility field

Callers use the names re-exported here (``services.audit_record``); modules inside the
package import each other directly.
"""

from .audit import audit_record, describe_target
from .flags import flag_create, flag_hide_score, flagger_weight, flags_resolve
from .hiding import content_hide, content_unhide
from .notices import notice_create
from .queue import (
    DEFAULT_TYPE_PRIORITY,
    review_item_claim,
    review_item_open,
    review_item_release,
    review_items_refresh,
    type_priority,
)
from .roles import (
    role_grant_moderator,
    role_grant_trusted,
    role_remove_moderator_countries,
    role_revoke_moderator,
    role_revoke_trusted,
    trust_recompute,
    user_set_premoderation,
    user_set_shadow_hidden,
)
from .settling import review_items_close_as_private, review_items_settle

__all__ = [
    "DEFAULT_TYPE_PRIORITY",
    "audit_record",
    "content_hide",
    "content_unhide",
    "describe_target",
    "flag_create",
    "flag_hide_score",
    "flagger_weight",
    "flags_resolve",
    "notice_create",
    "review_item_claim",
    "review_item_open",
    "review_item_release",
    "review_items_close_as_private",
    "review_items_refresh",
    "review_items_settle",
    "role_grant_moderator",
    "role_grant_trusted",
    "role_remove_moderator_countries",
    "role_revoke_moderator",
    "role_revoke_trusted",
    "trust_recompute",
    "type_priority",
    "user_set_premoderation",
    "user_set_shadow_hidden",
]
