"""What the user typed, understood the way PostgreSQL's ``websearch_to_tsquery`` does.

The same parse drives the SQLite fallback (so both backends accept the same syntax) and
the list of terms to highlight. It never raises: unbalanced quotes close at the end of the
query, stray operators are ignored, so no input can turn into a server error.

Syntax (as on PostgreSQL): words are ANDed; ``"a phrase"`` must appear as written;
``or`` between two terms accepts either; ``-word`` or ``-"a phrase"`` excludes. AND binds
tighter than OR: ``a b or c`` means (a AND b) OR c.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 1000

# Characters that are never meaningful in a query and that PostgreSQL refuses (NUL) or
# that we use as snippet markers (private use area, see snippets.py).
_STRIP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")
_WORD = re.compile(r"[\w][\w'’.-]*", re.UNICODE)


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False
    phrase: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    # OR of alternatives; each alternative is an AND of terms.
    alternatives: tuple[tuple[Term, ...], ...] = field(default_factory=tuple)

    @property
    def positive_terms(self) -> list[str]:
        """Terms the results contain (for highlighting), in order, without repeats."""
        seen: dict[str, None] = {}
        for alternative in self.alternatives:
            for term in alternative:
                if not term.negated:
                    seen.setdefault(term.text, None)
        return list(seen)

    @property
    def highlight_words(self) -> list[str]:
        """Single words to mark in a text (phrases split into their words)."""
        seen: dict[str, None] = {}
        for term in self.positive_terms:
            for word in _WORD.findall(term):
                seen.setdefault(word.lower(), None)
        return list(seen)

    @property
    def is_searchable(self) -> bool:
        """False when nothing is left to look for (only exclusions or punctuation)."""
        return bool(self.positive_terms)


def normalize_query(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw or "")
    text = _STRIP.sub(" ", text)
    return " ".join(text.split())


def _tokens(text: str):
    """Yield (token, negated, phrase). Quotes that do not close run to the end."""
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        negated = False
        if char == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            char = text[i]
        if char == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end
            phrase = " ".join(_WORD.findall(text[i + 1 : end]))
            i = end + 1
            if phrase:
                yield phrase, negated, " " in phrase
            continue
        end = i
        while end < n and not text[end].isspace() and text[end] != '"':
            end += 1
        words = _WORD.findall(text[i:end])
        i = end
        if not words:
            continue
        word = " ".join(words)
        if not negated and word.lower() == "or":
            yield None, False, False  # the OR operator
            continue
        yield word, negated, " " in word


def parse_query(raw: str) -> ParsedQuery:
    text = normalize_query(raw)
    alternatives: list[list[Term]] = [[]]
    pending_or = False
    for token, negated, phrase in _tokens(text):
        if token is None:
            # "or" at the start, twice in a row or at the end is ignored, like PostgreSQL.
            pending_or = bool(alternatives[-1])
            continue
        if pending_or:
            alternatives.append([])
            pending_or = False
        alternatives[-1].append(Term(text=token, negated=negated, phrase=phrase))
    return ParsedQuery(raw=text, alternatives=tuple(tuple(alt) for alt in alternatives if alt))
