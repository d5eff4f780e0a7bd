"""Errors moderation services raise besides PermissionDenied and ValidationError."""

from __future__ import annotations


class ModerationConflict(Exception):
    """Someone else got there first: the item is claimed by another moderator or already
    decided. Views answer 409 with ``message``; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
