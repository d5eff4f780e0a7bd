"""The difference between two versions of a source, passage by passage and word by word.

Computed from the passages already stored (never by re-importing): passages are paired
first by anchor (a hash of the normalised text, so equal anchors mean the same text),
then, among the rest, by similarity (RapidFuzz's ratio, best pairs first); a pair whose
text differs gets word-level insertions and deletions from diff-match-patch (each word,
run of spaces or punctuation mark encoded as one character, then ``diff_main`` and
``diff_cleanupSemantic``). Pairs out of order, outside the longest run that keeps its
order, are *moved*; unpaired passages are *added* or *removed*. Entries come in the new
version's order, each removed passage after the passage that preceded it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz

#: Passages this similar (0-100) or more are the same passage, edited.
SIMILARITY_CUTOFF = 55.0
#: Above this many unpaired old × new passages, similarity is sought only among passages
#: at nearby positions (a diff must stay fast whatever two texts it is given).
FULL_COMPARISON_LIMIT = 40_000
NEARBY = 40
#: diff-match-patch gives up refining one passage's diff after this many seconds.
WORD_DIFF_TIMEOUT = 0.5

TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
WORD = re.compile(r"\w+", re.UNICODE)

UNCHANGED, CHANGED, ADDED, REMOVED, MOVED = "unchanged", "changed", "added", "removed", "moved"
OPS = {-1: "delete", 0: "equal", 1: "insert"}


@dataclass
class DiffEntry:
    status: str
    old: dict | None = None
    new: dict | None = None
    #: Whether the text differs (a moved passage may be edited as well).
    changed: bool = False
    #: ``[(op, text)]`` with op "equal", "insert" or "delete"; empty when unchanged (a
    #: moved passage whose text stayed the same has its text as one "equal" op).
    ops: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return (self.new or self.old or {}).get("anchor", "")


@dataclass
class VersionDiff:
    from_document: object
    to_document: object
    entries: list[DiffEntry]
    counts: dict[str, int]

    @property
    def identical(self) -> bool:
        return not any(self.counts[key] for key in ("changed", "added", "removed", "moved"))


def _tokens_to_chars(a: str, b: str) -> tuple[str, str, list[str]]:
    """Encode each token (word, space run, punctuation mark) as one character, as
    diff-match-patch's ``diff_linesToChars`` does with lines."""
    table: list[str] = [""]
    index: dict[str, int] = {}

    def encode(text: str) -> str:
        chars = []
        for token in TOKEN.findall(text):
            number = index.get(token)
            if number is None:
                number = index[token] = len(table)
                table.append(token)
            chars.append(chr(number))
        return "".join(chars)

    return encode(a), encode(b), table


def word_ops(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level edit script turning ``old`` into ``new``."""
    matcher = diff_match_patch()
    matcher.Diff_Timeout = WORD_DIFF_TIMEOUT
    chars_old, chars_new, table = _tokens_to_chars(old, new)
    diffs = matcher.diff_main(chars_old, chars_new, False)
    matcher.diff_cleanupSemantic(diffs)
    matcher.diff_charsToLines(diffs, table)
    return [(OPS[op], text) for op, text in diffs if text]


def _word_count(text: str) -> int:
    return len(WORD.findall(text))


def _pair_by_similarity(old_rest: list[dict], new_rest: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs of unpaired passages similar enough to be one passage edited, best first,
    each passage in at most one pair."""
    if not old_rest or not new_rest:
        return []
    candidates: list[tuple[float, int, int]] = []
    old_texts = [p["text"] for p in old_rest]
    new_texts = [p["text"] for p in new_rest]
    everything = len(old_rest) * len(new_rest) <= FULL_COMPARISON_LIMIT
    scale = len(new_rest) / len(old_rest)
    for i, text in enumerate(old_texts):
        if everything:
            low, high = 0, len(new_rest)
        else:
            centre = int(i * scale)
            low, high = max(0, centre - NEARBY), min(len(new_rest), centre + NEARBY + 1)
        for j in range(low, high):
            score = fuzz.ratio(text, new_texts[j], score_cutoff=SIMILARITY_CUTOFF)
            if score >= SIMILARITY_CUTOFF:
                candidates.append((score, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = []
    for _score, i, j in candidates:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((old_rest[i], new_rest[j]))
    return pairs


def _in_order(pairs: list[tuple[dict, dict]]) -> set[int]:
    """Indexes (into ``pairs``, sorted by new order) of the longest run of pairs whose
    old order also increases: those stayed in place; the others moved."""
    tails: list[int] = []  # smallest old order ending a run of each length
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(pairs)
    for index, (old, _new) in enumerate(pairs):
        position = bisect.bisect_left(tails, old["order"])
        if position == len(tails):
            tails.append(old["order"])
            tail_index.append(index)
        else:
            tails[position] = old["order"]
            tail_index[position] = index
        previous[index] = tail_index[position - 1] if position else -1
    kept: set[int] = set()
    index = tail_index[-1] if tail_index else -1
    while index != -1:
        kept.add(index)
        index = previous[index]
    return kept


def _public(passage: dict) -> dict:
    return {"anchor": passage["anchor"], "order": passage["order"], "kind": passage["kind"]}


def diff_passages(
    old: list[dict], new: list[dict], *, from_document=None, to_document=None
) -> VersionDiff:
    """Compare two versions given as lists of passages (dicts with ``anchor``,
    ``order``, ``kind``, ``text``, in order)."""
    new_by_anchor = {p["anchor"]: p for p in new}
    pairs: list[tuple[dict, dict]] = []
    paired_new: set[str] = set()
    old_rest = []
    for passage in old:
        match = new_by_anchor.get(passage["anchor"])
        if match is not None:
            pairs.append((passage, match))
            paired_new.add(match["anchor"])
        else:
            old_rest.append(passage)
    new_rest = [p for p in new if p["anchor"] not in paired_new]
    similar = _pair_by_similarity(old_rest, new_rest)
    pairs.extend(similar)
    paired_old = {id(o) for o, _n in pairs}
    paired_new_ids = {id(n) for _o, n in pairs}
    pairs.sort(key=lambda pair: pair[1]["order"])
    kept = _in_order(pairs)

    counts = dict.fromkeys(
        ("unchanged", "changed", "added", "removed", "moved", "words_inserted", "words_deleted"),
        0,
    )
    # Sort keys: each new passage at its position; each removed passage just after the
    # new position of the old passage that preceded it and stayed in place.
    keyed: list[tuple[float, int, DiffEntry]] = []
    new_position_of_old: dict[int, int] = {}
    for index, (old_passage, new_passage) in enumerate(pairs):
        moved = index not in kept
        if index in kept:
            new_position_of_old[old_passage["order"]] = new_passage["order"]
        edited = old_passage["text"] != new_passage["text"] and (
            old_passage["anchor"] != new_passage["anchor"]
        )
        ops = word_ops(old_passage["text"], new_passage["text"]) if edited else []
        if moved and not edited:
            ops = [("equal", new_passage["text"])]  # show what moved
        for op, text in ops:
            if op == "insert":
                counts["words_inserted"] += _word_count(text)
            elif op == "delete":
                counts["words_deleted"] += _word_count(text)
        status = MOVED if moved else (CHANGED if edited else UNCHANGED)
        counts["moved"] += moved
        counts["changed"] += edited
        counts["unchanged"] += not moved and not edited
        entry = DiffEntry(
            status=status,
            old=_public(old_passage),
            new=_public(new_passage),
            changed=edited,
            ops=ops,
        )
        keyed.append((float(new_passage["order"]), 0, entry))
    for passage in new:
        if id(passage) not in paired_new_ids:
            counts["added"] += 1
            counts["words_inserted"] += _word_count(passage["text"])
            entry = DiffEntry(
                status=ADDED, new=_public(passage), changed=True, ops=[("insert", passage["text"])]
            )
            keyed.append((float(passage["order"]), 0, entry))
    stayed = sorted(new_position_of_old)
    for passage in old:
        if id(passage) in paired_old:
            continue
        counts["removed"] += 1
        counts["words_deleted"] += _word_count(passage["text"])
        before = bisect.bisect_left(stayed, passage["order"]) - 1
        key = new_position_of_old[stayed[before]] + 0.5 if before >= 0 else -0.5
        entry = DiffEntry(
            status=REMOVED, old=_public(passage), changed=True, ops=[("delete", passage["text"])]
        )
        keyed.append((key, 1 + passage["order"], entry))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return VersionDiff(
        from_document=from_document,
        to_document=to_document,
        entries=[entry for _key, _tie, entry in keyed],
        counts=counts,
    )
