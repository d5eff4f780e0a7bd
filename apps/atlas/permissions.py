"""Who may do what in the atlas. Services and selectors both ask these questions, so the
answer is written once."""

from __future__ import annotations

MODERATE_PERMISSION = "atlas.moderate_example"


def is_moderator(user) -> bool:
    """Staff, or anyone granted ``atlas.moderate_example`` (directly or through a group)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.has_perm(MODERATE_PERMISSION))
