"""Snippets: short excerpts with the matched words wrapped in ``<mark>``.

Every snippet is built escape-first: the text is HTML-escaped and only then are our own
``<mark>`` tags added, so a passage or title containing markup can never inject HTML
through a search result. The result is a ``SafeString`` only because of that order.

PostgreSQL's ``ts_headline`` marks matches with two private-use characters (which
``query.normalize_query`` strips from queries and which do not occur in imported text);
``from_headline`` escapes its output and then turns the markers into ``<mark>`` tags.
"""

from __future__ import annotations

import functools
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .languages import CJK_RANGES

START_MARKER = "\ue000"
STOP_MARKER = "\ue001"
_MARKED = re.compile(f"{START_MARKER}(.*?){STOP_MARKER}", re.S)
_ANY_MARKER = re.compile(f"[{START_MARKER}{STOP_MARKER}]")

SNIPPET_WORDS = 35
_CJK = re.compile(f"[{CJK_RANGES}]")
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")


def from_headline(headline: str) -> SafeString:
    """Escape a ``ts_headline`` result and turn its markers into ``<mark>`` tags."""
    parts = []
    position = 0
    for match in _MARKED.finditer(headline or ""):
        parts.append(escape(_ANY_MARKER.sub("", headline[position : match.start()])))
        parts.append(f"<mark>{escape(_ANY_MARKER.sub('', match.group(1)))}</mark>")
        position = match.end()
    parts.append(escape(_ANY_MARKER.sub("", (headline or "")[position:])))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above was escaped


def marked_words(headline: str) -> list[str]:
    """The words ``ts_headline`` marked (the forms that actually occur in the text)."""
    seen: dict[str, None] = {}
    for match in _MARKED.finditer(headline or ""):
        word = _ANY_MARKER.sub("", match.group(1)).strip().lower()
        if word:
            seen.setdefault(word, None)
    return list(seen)


def _pattern(words: list[str]) -> re.Pattern | None:
    return _compiled(tuple(words))


# A page highlights each hit's title and snippet with the same few words.
@functools.lru_cache(maxsize=256)
def _compiled(words: tuple[str, ...]) -> re.Pattern | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    # A word matches at the start of a word in the text, and may run on ("score" marks
    # "scores", "scoring"), a rough stand-in for the stemming PostgreSQL does.
    # CJK text has no spaces: a CJK word matches anywhere, as written (languages.py).
    cjk = [w for w in words if _CJK.search(w)]
    alternation = "|".join(re.escape(w) for w in words if w not in cjk)
    parts = [rf"(?<!\w)(?:{alternation})\w*"] if alternation else []
    parts += [re.escape(w) for w in cjk]
    return re.compile("|".join(parts), re.IGNORECASE | re.UNICODE)


def highlight(text: str, words: list[str], *, max_words: int = SNIPPET_WORDS) -> SafeString:
    """An escaped excerpt of ``text`` around the first match, matches in ``<mark>``.

    Without a match the excerpt is the start of the text.
    """
    text = _ANY_MARKER.sub("", text or "")
    pattern = _pattern(words)
    matches = list(pattern.finditer(text)) if pattern else []
    start, end = _window(text, matches[0].start() if matches else 0, max_words)
    parts = ["… " if start > 0 else ""]
    position = start
    for match in matches:
        if match.start() < start or match.end() > end:
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    parts.append(escape(text[position:end]))
    parts.append(" …" if end < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above was escaped


def _window(text: str, focus: int, max_words: int) -> tuple[int, int]:
    """Character bounds of about ``max_words`` words, starting a few words before
    ``focus``, cut at word boundaries."""
    if not _SPACE.search(text):
        # One run without spaces (Chinese): about two characters a word.
        start = max(0, focus - max_words // 2)
        return start, min(len(text), start + 2 * max_words)
    spaces = [m.start() for m in _SPACES.finditer(text)]
    before = [s for s in spaces if s < focus]
    lead = max_words // 4
    start = before[-lead] + 1 if len(before) >= lead and lead else 0
    if len(before) < lead:
        start = 0
    after = [s for s in spaces if s > start]
    end = after[max_words - 1] if len(after) >= max_words else len(text)
    return start, end
