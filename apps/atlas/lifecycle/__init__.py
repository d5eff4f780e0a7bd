"""Lifecycle changes of an entry as dated events with evidence (issue 15)."""
