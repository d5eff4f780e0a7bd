"""``search_after`` cursors for the search API (issue 18).

Results are ordered by score (highest first), then by kind in display order, then newest
first (highest id). A cursor is the sort key of the last hit a client received —
``(score, kind, id)`` — and the next page is the hits that sort strictly after it. Unlike
page numbers, a cursor is stable under inserts: a new match that ranks above the cursor
is not shown on later pages (no hit is repeated), and one that ranks below it is shown in
its place (no hit is skipped). Caveat (docs/search.md): a kind with more than
``COUNT_CAP`` matches ranks a sample of them, so for very common words "every hit after
the cursor" means every *sampled* hit after it.

The cursor is opaque to clients (URL-safe base64 of a JSON list); a malformed one is a
400 with a clear message, never a server error.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass

MAX_CURSOR_LENGTH = 200


class CursorError(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    score: float
    kind: str
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.score, self.kind, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def sort_key(self, positions: dict[str, int]) -> tuple[float, int, int]:
        return (-self.score, positions[self.kind], -self.id)


def decode(text: str, *, kinds) -> Cursor:
    """The cursor in ``text``; raises CursorError for anything that is not one of ours
    (bad base64 or JSON, wrong shape, unknown kind, a score that is not a finite number)."""
    if not text or len(text) > MAX_CURSOR_LENGTH:
        raise CursorError("length")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        score, kind, pk = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise CursorError("format") from None
    if (
        not isinstance(score, (int, float))
        or isinstance(score, bool)
        or not math.isfinite(score)
        or kind not in kinds
        or not isinstance(pk, int)
        or isinstance(pk, bool)
    ):
        raise CursorError("values")
    return Cursor(float(score), kind, pk)
