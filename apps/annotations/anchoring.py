"""Finding a quote again in a changed text (re-anchoring).

Pure functions, no database: ``anchor_quote`` takes what an annotation knew about its
place in the old text (quote, 32 characters of context either side, old position, and
optionally a better guess of where that position moved to) and returns where it is in the
new text, as (status, score, start, end).

The search follows hypothesis/client's ``match-quote`` and tries, in order:

(a) the position itself (the old one, or where a diff of the two texts maps it), if the
    quote and its context are still there: ``anchored``, score 1;
(b) every exact occurrence of the quote, picking the best by context and closeness:
    ``anchored``;
(c) approximate matches: diff-match-patch's Bitap ``match_main`` near the expected place
    for the quote's head and tail (Bitap is quadratic in the pattern length in pure
    Python, so long quotes are matched by their first and last 32 characters), plus
    RapidFuzz's alignment over a window and then over the whole text; each candidate's span
    is refined with a Levenshtein alignment and scored: ``fuzzy``.

Scores use h's weights: quote 50, prefix 20, suffix 20, position 2, normalised to 0..1.
A candidate whose quote is less than ``MIN_QUOTE_SIMILARITY`` alike is not a match, so a
deleted quote is ``orphaned`` rather than pinned to some unrelated words.

Words are never cut: when the quote started (ended) on a word boundary of the old text, the
span found starts (ends) on a word boundary of the new text. Exact occurrences that are
whole words win over ones inside longer words; any other span kept whose edge falls inside
a word is moved to that word's start or end, whichever leaves the span more like the quote
(a character-level alignment otherwise happily starts a span at "nd the system" when
"and" lost its "a" to a neighbouring edit).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

ANCHORED = "anchored"
FUZZY = "fuzzy"
ORPHANED = "orphaned"

CONTEXT_LENGTH = 32
QUOTE_WEIGHT, PREFIX_WEIGHT, SUFFIX_WEIGHT, POSITION_WEIGHT = 50.0, 20.0, 20.0, 2.0
TOTAL_WEIGHT = QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT
MIN_QUOTE_SIMILARITY = 0.65
# Short quotes match by accident easily: they also need most of their context.
SHORT_QUOTE = 20
MIN_SHORT_QUOTE_CONTEXT = 0.6
BITAP_PATTERN = 32  # Bitap's classic word size; longer quotes search head and tail.
BITAP_DISTANCE = 500
GOOD_ENOUGH = 0.8  # a fuzzy stage finding a quote this alike ends the search
MIN_MOVED_CONTEXT = 0.5  # context a half-alike quote needs away from its mapped place
MIN_RUN = 3  # characters aligned in a row that count as part of a refined span
MAX_OCCURRENCES = 2000  # exact hits scored per quote; more is a degenerate quote ("the")
# Above this size the texts are not diffed (memory/time); the old position is the guess.
MAX_DIFF_LENGTH = 2_000_000


@dataclass(frozen=True)
class AnchorResult:
    status: str
    score: float
    start: int | None
    end: int | None


ORPHAN = AnchorResult(ORPHANED, 0.0, None, None)


def context_around(text: str, start: int, end: int) -> tuple[str, str, str]:
    """(exact, prefix, suffix) for text[start:end], with up to 32 characters of context."""
    return (
        text[start:end],
        text[max(0, start - CONTEXT_LENGTH) : start],
        text[end : end + CONTEXT_LENGTH],
    )


def _similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return Levenshtein.normalized_similarity(a, b)


def _context_scores(
    text: str, start: int, end: int, prefix: str, suffix: str
) -> tuple[float, float]:
    prefix_score = _similarity(text[max(0, start - len(prefix)) : start], prefix) if prefix else 1.0
    suffix_score = _similarity(text[end : end + len(suffix)], suffix) if suffix else 1.0
    return prefix_score, suffix_score


def _score(
    text: str, start: int, end: int, *, quote_score: float, prefix: str, suffix: str, hint: int
) -> tuple[float, float]:
    """(normalised score, mean context score) as h's match-quote weighs them."""
    prefix_score, suffix_score = _context_scores(text, start, end, prefix, suffix)
    position_score = 1.0 - abs(start - hint) / max(len(text), 1)
    raw = (
        QUOTE_WEIGHT * quote_score
        + PREFIX_WEIGHT * prefix_score
        + SUFFIX_WEIGHT * suffix_score
        + POSITION_WEIGHT * position_score
    )
    return raw / TOTAL_WEIGHT, (prefix_score + suffix_score) / 2


def _context_matches(text: str, start: int, end: int, prefix: str, suffix: str) -> bool:
    return (
        text[max(0, start - len(prefix)) : start] == prefix
        and text[end : end + len(suffix)] == suffix
    )


def _is_word_character(character: str) -> bool:
    return character.isalnum() or character == "_"


def _is_boundary(text: str, index: int) -> bool:
    """Whether ``index`` (0..len) falls between words: not between two word characters."""
    if index <= 0 or index >= len(text):
        return True
    return not (_is_word_character(text[index - 1]) and _is_word_character(text[index]))


@dataclass(frozen=True)
class _Edges:
    """Which edges of the quote sat on word boundaries of the old text: those must land on
    word boundaries of the new one."""

    start: bool
    end: bool

    @classmethod
    def of(cls, exact: str, prefix: str, suffix: str) -> _Edges:
        # An empty prefix (suffix) means the quote began (ended) the text.
        return cls(
            start=not (prefix and _is_word_character(prefix[-1]) and _is_word_character(exact[0])),
            end=not (suffix and _is_word_character(exact[-1]) and _is_word_character(suffix[0])),
        )

    def respected(self, text: str, start: int, end: int) -> bool:
        return (not self.start or _is_boundary(text, start)) and (
            not self.end or _is_boundary(text, end)
        )


def _edge_options(text: str, index: int) -> list[int]:
    """``index`` if it is a word boundary, else the start and the end of the word it cuts."""
    if _is_boundary(text, index):
        return [index]
    left = index
    while left > 0 and _is_word_character(text[left - 1]):
        left -= 1
    right = index
    while right < len(text) and _is_word_character(text[right]):
        right += 1
    return [left, right]


def _snap_to_words(
    text: str, start: int, end: int, *, exact: str, prefix: str, suffix: str, edges: _Edges
) -> tuple[int, int]:
    """[start, end) with each edge that must be a word boundary moved to the nearer-fitting
    boundary: the start or end of the word it cuts, whichever makes the span most like the
    quote in its context. Spaces at such an edge are left out (unless the quote has them)."""
    starts = _edge_options(text, start) if edges.start else [start]
    ends = _edge_options(text, end) if edges.end else [end]
    best: tuple[float, int, int] | None = None
    for candidate_start in starts:
        for candidate_end in ends:
            if edges.start and not exact[0].isspace():
                while candidate_start < candidate_end and text[candidate_start].isspace():
                    candidate_start += 1
            if edges.end and not exact[-1].isspace():
                while candidate_end > candidate_start and text[candidate_end - 1].isspace():
                    candidate_end -= 1
            if candidate_end <= candidate_start:
                continue
            score, _context = _score(
                text,
                candidate_start,
                candidate_end,
                quote_score=_quote_score(text[candidate_start:candidate_end], exact),
                prefix=prefix,
                suffix=suffix,
                hint=start,
            )
            if best is None or score > best[0]:
                best = (score, candidate_start, candidate_end)
    if best is None:  # cannot happen: the outward span always holds the word cut
        return _edge_options(text, start)[0], _edge_options(text, end)[-1]
    return best[1], best[2]


def _exact_occurrences(text: str, exact: str):
    position = text.find(exact)
    found = 0
    while position != -1 and found < MAX_OCCURRENCES:
        yield position
        found += 1
        position = text.find(exact, position + 1)


def _quote_score(candidate: str, exact: str) -> float:
    """How much of the quote is in ``candidate``, 0..1: a weighted Levenshtein distance
    where a quote character missing or changed costs 1 and a character inserted into the
    quote costs 1/4. A sentence added inside a quote still leaves the quote there (the
    annotation should cover the longer span); a quote half rewritten does not."""
    if not candidate:
        return 0.0
    distance = Levenshtein.distance(exact, candidate, weights=(1, 4, 4))
    return max(0.0, 1.0 - distance / (4 * len(exact)))


def _refine_span(
    text: str, exact: str, around_start: int, around_end: int
) -> tuple[int, int] | None:
    """The span near [around_start, around_end) that best aligns with ``exact``.

    A Levenshtein alignment of the quote against a window with some slack; the span runs
    from the first to the last run of at least ``MIN_RUN`` characters that aligned
    exactly (a global alignment also matches stray single characters in the slack, which
    would stretch the span).
    """
    slack = len(exact) // 4 + 8
    window_start = max(0, around_start - slack)
    window_end = min(len(text), around_end + slack)
    window = text[window_start:window_end]
    if not window:
        return None
    min_run = min(MIN_RUN, len(exact))
    first = last = None
    for tag, _src_start, _src_end, dest_start, dest_end in Levenshtein.opcodes(exact, window):
        if tag == "equal" and dest_end - dest_start >= min_run:
            if first is None:
                first = dest_start
            last = dest_end
    if first is None or last is None or last <= first:
        return None
    return window_start + first, window_start + last


def _bitap_candidates(region: str, exact: str, expected: int) -> list[tuple[int, int]]:
    """Approximate (start, end) guesses in ``region`` from diff-match-patch's Bitap."""
    matcher = diff_match_patch()
    matcher.Match_Threshold = 0.4
    # Bitap is pure Python: its cost grows with the distance it scans, so it only looks
    # near the expected place (RapidFuzz covers the rest of the text).
    matcher.Match_Distance = BITAP_DISTANCE
    candidates = []
    if len(exact) <= BITAP_PATTERN:
        position = matcher.match_main(region, exact, expected)
        if position != -1:
            candidates.append((position, position + len(exact)))
        return candidates
    head, tail = exact[:BITAP_PATTERN], exact[-BITAP_PATTERN:]
    position = matcher.match_main(region, head, expected)
    if position != -1:
        candidates.append((position, position + len(exact)))
    position = matcher.match_main(region, tail, expected + len(exact) - BITAP_PATTERN)
    if position != -1:
        end = position + BITAP_PATTERN
        candidates.append((max(0, end - len(exact)), end))
    return candidates


def _fuzzy(
    text: str,
    *,
    exact: str,
    prefix: str,
    suffix: str,
    hint: int,
    hint_end: int | None,
    edges: _Edges,
) -> AnchorResult:
    """Approximate search in stages, cheapest and most local first; a stage that finds a
    good match (quote at least ``GOOD_ENOUGH`` alike) ends the search."""
    window = max(2000, 2 * len(exact))
    region_start = max(0, hint - window)
    region_end = min(len(text), hint + len(exact) + window)
    region = text[region_start:region_end]

    def mapped_span():
        if hint_end is not None and hint_end > hint:
            return [(hint, hint_end)]
        return [(hint, hint + len(exact))]

    def bitap():
        near_start = max(0, hint - BITAP_DISTANCE)
        near = text[near_start : hint + len(exact) + BITAP_DISTANCE]
        return [
            (near_start + s, near_start + e)
            for s, e in _bitap_candidates(near, exact, hint - near_start)
        ]

    def aligned(haystack_start: int, haystack: str):
        alignment = fuzz.partial_ratio_alignment(
            exact, haystack, score_cutoff=MIN_QUOTE_SIMILARITY * 100
        )
        if alignment is None:
            return []
        return [(haystack_start + alignment.dest_start, haystack_start + alignment.dest_end)]

    # (stage, quote score that ends the search). Where the diff maps the quote is trusted
    # as soon as the quote is recognisably there: the diff saw the text around it too.
    stages = (
        (mapped_span, MIN_QUOTE_SIMILARITY),
        (lambda: aligned(region_start, region), GOOD_ENOUGH),
        (bitap, GOOD_ENOUGH),
        (lambda: aligned(0, text), GOOD_ENOUGH),
    )
    best: AnchorResult = ORPHAN
    best_quote_score = 0.0
    seen: set[tuple[int, int]] = set()

    def consider(start: int, end: int, *, mapped: bool) -> None:
        nonlocal best, best_quote_score
        start, end = max(0, start), min(end, len(text))
        if end <= start or (start, end) in seen:
            return
        seen.add((start, end))
        quote_score = _quote_score(text[start:end], exact)
        if quote_score < MIN_QUOTE_SIMILARITY:
            return
        score, context = _score(
            text, start, end, quote_score=quote_score, prefix=prefix, suffix=suffix, hint=hint
        )
        if len(exact) < SHORT_QUOTE and context < MIN_SHORT_QUOTE_CONTEXT:
            return
        # Away from where the diff puts it, a half-alike quote is a coincidence (a similar
        # sentence elsewhere) unless its context came along.
        if not mapped and quote_score < GOOD_ENOUGH and context < MIN_MOVED_CONTEXT:
            return
        if score > best.score:
            best = AnchorResult(FUZZY, round(score, 4), start, end)
            best_quote_score = quote_score

    for stage, good_enough in stages:
        mapped = stage is mapped_span
        for rough_start, rough_end in stage():
            consider(rough_start, rough_end, mapped=mapped)
            refined = _refine_span(text, exact, rough_start, rough_end)
            if refined is not None:
                consider(*refined, mapped=mapped)
        if best_quote_score >= good_enough:
            break
    if best.start is None:
        return best
    # Candidates are judged as found (snapping first would turn a good match with a cut
    # word into a worse one, and orphan some); the one kept is then given whole words.
    start, end = _snap_to_words(
        text, best.start, best.end, exact=exact, prefix=prefix, suffix=suffix, edges=edges
    )
    if (start, end) == (best.start, best.end):
        return best
    score, _context = _score(
        text,
        start,
        end,
        quote_score=_quote_score(text[start:end], exact),
        prefix=prefix,
        suffix=suffix,
        hint=hint,
    )
    return AnchorResult(FUZZY, round(score, 4), start, end)


def anchor_quote(
    text: str,
    *,
    exact: str,
    prefix: str = "",
    suffix: str = "",
    start: int | None = None,
    hint: int | None = None,
    hint_end: int | None = None,
) -> AnchorResult:
    """Where ``exact`` (seen between ``prefix`` and ``suffix`` at ``start`` in an older
    text) is in ``text``. ``hint`` is a better guess of where ``start`` moved to (from a
    diff); without it the old position is the guess. ``hint_end`` is where the old end
    moved to, which lets a rewritten quote be found at its mapped place first.

    Returns an ``AnchorResult``; ``start``/``end`` are code point offsets into ``text``
    (None when orphaned). Never raises for odd input: an empty quote is orphaned.
    """
    if not exact or not text:
        return ORPHAN
    guesses = [g for g in (hint, start) if g is not None]
    expected = guesses[0] if guesses else 0
    edges = _Edges.of(exact, prefix, suffix)

    # (a) the expected place, if quote and context are unchanged there.
    for guess in dict.fromkeys(guesses):
        if (
            text[guess : guess + len(exact)] == exact
            and _context_matches(text, guess, guess + len(exact), prefix, suffix)
            and edges.respected(text, guess, guess + len(exact))
        ):
            return AnchorResult(ANCHORED, 1.0, guess, guess + len(exact))

    # (b) the best exact occurrence; one that is whole words where the quote was beats
    # any inside longer words.
    best: tuple[bool, float, int] | None = None
    for position in _exact_occurrences(text, exact):
        score, _context = _score(
            text,
            position,
            position + len(exact),
            quote_score=1.0,
            prefix=prefix,
            suffix=suffix,
            hint=expected,
        )
        candidate = (edges.respected(text, position, position + len(exact)), score, position)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is not None:
        whole_words, score, position = best
        if whole_words:
            return AnchorResult(ANCHORED, round(score, 4), position, position + len(exact))
        # Only inside longer words (the text glued a word to it): the span takes in the
        # words it would cut, so it is no longer exactly the quote.
        snapped_start, snapped_end = _snap_to_words(
            text,
            position,
            position + len(exact),
            exact=exact,
            prefix=prefix,
            suffix=suffix,
            edges=edges,
        )
        quote_score = _quote_score(text[snapped_start:snapped_end], exact)
        if quote_score >= MIN_QUOTE_SIMILARITY:
            score, _context = _score(
                text,
                snapped_start,
                snapped_end,
                quote_score=quote_score,
                prefix=prefix,
                suffix=suffix,
                hint=expected,
            )
            return AnchorResult(FUZZY, round(score, 4), snapped_start, snapped_end)

    # (c) approximate.
    return _fuzzy(
        text,
        exact=exact,
        prefix=prefix,
        suffix=suffix,
        hint=expected,
        hint_end=hint_end,
        edges=edges,
    )


class PositionMap:
    """Maps code point offsets of an old text to the new text through a Levenshtein diff
    (RapidFuzz, C++; ~0.15 s for two 50,000-character texts). Offsets inside deleted or
    replaced stretches map to the start of what replaced them."""

    def __init__(self, old: str, new: str):
        self._identity = old == new
        self._too_large = max(len(old), len(new)) > MAX_DIFF_LENGTH
        self._blocks: list[tuple[str, int, int, int, int]] = []
        self._starts: list[int] = []
        if not self._identity and not self._too_large:
            self._blocks = [tuple(op) for op in Levenshtein.opcodes(old, new)]
            self._starts = [block[1] for block in self._blocks]

    def __call__(self, position: int) -> int:
        if self._identity or self._too_large or not self._blocks:
            return position
        index = bisect.bisect_right(self._starts, position) - 1
        if index < 0:
            return 0
        tag, src_start, src_end, dest_start, dest_end = self._blocks[index]
        if tag == "equal":
            return dest_start + min(position - src_start, max(dest_end - dest_start, 0))
        return dest_start


class Relocator:
    """Finds quotes of older versions in ``new_text`` (value citations, passage links: the
    same move annotations make), one PositionMap per old version."""

    def __init__(self, new_text: str):
        self.new_text = new_text
        self._maps: dict[int, PositionMap] = {}

    def relocate(self, old, *, exact, prefix, suffix, start, end) -> AnchorResult:
        """``old`` is the quote's version (a Document: ``pk``, ``text``)."""
        if old.pk not in self._maps:
            self._maps[old.pk] = PositionMap(old.text, self.new_text)
        position_map = self._maps[old.pk]
        return anchor_quote(
            self.new_text, exact=exact, prefix=prefix, suffix=suffix, start=start,
            hint=position_map(start) if start is not None else None,
            hint_end=position_map(end) if end is not None else None,
        )  # fmt: skip
