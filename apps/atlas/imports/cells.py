"""Reading the import file's JSON cells (contributors, lifecycle changes, passage links)."""

from __future__ import annotations

import json


def json_objects(raw: str, errors: list[str], message: str) -> list[dict] | None:
    """The cell as a JSON list of objects, or None with ``message`` appended to
    ``errors`` (a check, not an ``assert``: ``python -O`` drops those)."""
    try:
        items = json.loads(raw)
    except ValueError:
        items = None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        errors.append(message)
        return None
    return items
