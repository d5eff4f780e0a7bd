"""E-mail subjects are plain text on one line.

A subject is a header, not HTML: rendering it through an autoescaping template turned
"China's" into "China&#x27;s", and a newline in it would end the header. Text another
user chose (a display name, a title) goes in quotes and is cut short, so it cannot pass
itself off as the site's own words ("[Creditscape] Your account will be closed — …").
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.text import Truncator

SUBJECT_LIMIT = 150
QUOTED_LIMIT = 40
_WHITESPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces; control and format
    characters (bidirectional overrides, zero-width joiners…) removed."""
    text = "".join(
        " " if char.isspace() else char
        for char in str(text)
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf")
    )
    return _WHITESPACE.sub(" ", text).strip()


def quoted(text: str, *, limit: int = QUOTED_LIMIT) -> str:
    """Someone's free text for a subject: one line, at most ``limit`` characters, in
    quotes."""
    return f"“{Truncator(one_line(text)).chars(limit)}”"


def subject_line(text: str) -> str:
    """The finished subject: one line, at most SUBJECT_LIMIT characters, never escaped."""
    return Truncator(one_line(text)).chars(SUBJECT_LIMIT)
