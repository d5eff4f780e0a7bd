"""Errors moderation services raise besides PermissionDenied and ValidationError."""

from __future__ import annotations


class ModerationConflict(Exception):
    """Someone else got there first: the item is claimed by another moderator or already
    decided. Views answer 409 with ``message``; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TargetChanged(ModerationConflict):
    """The content changed since the moderator saw it: its version is no longer the one
    the decision was made for. Nothing was decided. ``changes`` lists the fields that
    differ (``{"field", "label", "before", "after"}``) between what the item showed and
    the content now; ``current_version`` is the version to decide on after reading them.
    Views answer 409 with both."""

    def __init__(
        self, message: str, *, seen_version: int, current_version: int, changes: list[dict]
    ):
        super().__init__(message)
        self.seen_version = seen_version
        self.current_version = current_version
        self.changes = changes
