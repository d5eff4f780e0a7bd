"""Merging duplicate entries and undoing a merge (see services.py)."""
