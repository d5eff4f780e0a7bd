"""Suggested edits: proposals for an entry someone else wrote, decided by its author or a
moderator."""
