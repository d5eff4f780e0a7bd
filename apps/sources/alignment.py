"""Aligning a translation's passages with the original's (ADR 0019). A text engine: it
sees passage kinds and lengths, never a model.

``align(original, translation)`` takes two lists of :class:`Unit` (a passage's kind and
length in characters, in document order) and returns the aligned groups as
``[(original indices, translation indices), ...]`` covering both lists in order, each
group one of 1–1, 1–2, 2–1, 1–0, 0–1 (or 2–2).

1. **Structure first.** When both texts have the same number of headings, headings pair
   with headings in order, and each section's paragraphs are aligned inside that section
   only: equal counts pair one to one (a careful translation keeps its paragraphs), other
   counts go to step 2. With different heading counts the whole text goes to step 2.
2. **Lengths.** Gale and Church (1993, "A program for aligning sentences in bilingual
   corpora"): a passage and its translation have lengths in a roughly constant ratio, with
   a normally distributed difference; dynamic programming picks the cheapest sequence of
   merges, each costing −log(prior of its shape) − log P(length difference). The same
   costs and priors as ``nltk/translate/gale_church.py``; the ratio is the texts' own
   (German runs about a fifth longer than English) rather than a fixed 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Group = tuple[list[int], list[int]]

# Gale & Church's priors for each shape (original passages, translated passages).
PRIORS = {(1, 1): 0.89, (1, 0): 0.0099, (0, 1): 0.0099, (2, 1): 0.089, (1, 2): 0.089, (2, 2): 0.011}
# Variance of the length difference per character (Gale & Church's 6.8).
VARIANCE_PER_CHARACTER = 6.8
# Cells further than this from the diagonal are not searched: a long text stays linear.
BAND_MINIMUM = 20


@dataclass(frozen=True)
class Unit:
    kind: str  # "heading" | "paragraph"
    length: int


def align(original: list[Unit], translation: list[Unit]) -> list[Group]:
    """The aligned groups of two passage lists (see the module's docstring)."""
    if not original and not translation:
        return []
    heads_o = [i for i, unit in enumerate(original) if unit.kind == "heading"]
    heads_t = [j for j, unit in enumerate(translation) if unit.kind == "heading"]
    if len(heads_o) != len(heads_t):
        return _length_align(original, translation, range(len(original)), range(len(translation)))
    groups: list[Group] = []
    bounds_o = [*heads_o, len(original)]
    bounds_t = [*heads_t, len(translation)]
    # The paragraphs before the first heading, then each heading and its paragraphs.
    previous_o, previous_t = 0, 0
    for k in range(len(bounds_o)):
        body_o = range(previous_o, bounds_o[k])
        body_t = range(previous_t, bounds_t[k])
        groups.extend(_section(original, translation, body_o, body_t))
        if k < len(heads_o):
            groups.append(([heads_o[k]], [heads_t[k]]))
            previous_o, previous_t = heads_o[k] + 1, heads_t[k] + 1
    return groups


def _section(original, translation, body_o: range, body_t: range) -> list[Group]:
    if len(body_o) == len(body_t):
        return [([i], [j]) for i, j in zip(body_o, body_t, strict=True)]
    return _length_align(original, translation, body_o, body_t)


def _norm_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _cost(shape: tuple[int, int], length_o: int, length_t: int, ratio: float) -> float:
    prior = -math.log(PRIORS[shape])
    if length_o == 0 and length_t == 0:
        return prior
    mean = (length_o + length_t / ratio) / 2
    delta = (length_o * ratio - length_t) / math.sqrt(max(mean, 1) * VARIANCE_PER_CHARACTER)
    probability = 2 * (1 - _norm_cdf(abs(delta)))
    return prior - math.log(max(probability, 1e-300))


def _length_align(original, translation, span_o: range, span_t: range) -> list[Group]:
    units_o = [original[i].length for i in span_o]
    units_t = [translation[j].length for j in span_t]
    n, m = len(units_o), len(units_t)
    if n == 0 or m == 0:
        return [([i], []) for i in span_o] + [([], [j]) for j in span_t]
    ratio = (sum(units_t) or 1) / (sum(units_o) or 1)
    band = max(BAND_MINIMUM, abs(n - m) + 2)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        diagonal = i * m / n
        for j in range(max(0, int(diagonal) - band), min(m, int(diagonal) + band) + 1):
            if i == 0 and j == 0:
                continue
            best, best_shape = inf, None
            for di, dj in PRIORS:
                if di > i or dj > j or cost[i - di][j - dj] == inf:
                    continue
                total = cost[i - di][j - dj] + _cost(
                    (di, dj), sum(units_o[i - di : i]), sum(units_t[j - dj : j]), ratio
                )
                if total < best:
                    best, best_shape = total, (di, dj)
            cost[i][j], back[i][j] = best, best_shape
    groups: list[Group] = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]
        groups.append(
            ([span_o[k] for k in range(i - di, i)], [span_t[k] for k in range(j - dj, j)])
        )
        i, j = i - di, j - dj
    groups.reverse()
    return groups
