"""An entry's history (every version with what changed), restoring a version, and the
one way the atlas compares two states of an entry (diff.py)."""
