"""Re-anchoring: property-based (hypothesis) and worked examples."""

from __future__ import annotations

import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apps.annotations.anchoring import (
    ANCHORED,
    FUZZY,
    ORPHANED,
    PositionMap,
    anchor_quote,
    context_around,
)

TEXT_ALPHABET = string.ascii_lowercase + " .,"
# Spans in the deletion test are drawn from characters the rest of the text never uses,
# so "deleted" really means nothing like it is left to find.
QUOTE_ALPHABET = string.ascii_uppercase

edit = st.tuples(
    st.sampled_from(["insert", "delete", "replace"]),
    st.floats(min_value=0, max_value=1),
    st.text(TEXT_ALPHABET, min_size=1, max_size=30),
)


def apply_edits_outside(text: str, start: int, end: int, edits, margin: int = 0) -> tuple[str, int]:
    """Apply edits that stay ``margin`` characters clear of [start, end); return (new text,
    new start of the span)."""
    near_start = max(0, start - margin)
    before, kept, after = text[:near_start], text[near_start : end + margin], text[end + margin :]
    for kind, where, payload in edits:
        target_before = where < 0.5 and before
        part = before if target_before else after
        index = int(where * 2 % 1 * len(part))
        if kind == "insert":
            part = part[:index] + payload + part[index:]
        elif kind == "delete":
            part = part[:index] + part[index + len(payload) :]
        else:
            part = part[:index] + payload + part[index + len(payload) :]
        if target_before:
            before = part
        else:
            after = part
    return before + kept + after, len(before) + (start - near_start)


def is_word_boundary(text: str, index: int) -> bool:
    """Not between two word characters (letters, digits, underscore)."""
    if index <= 0 or index >= len(text):
        return True
    return not (text[index - 1].isalnum() or text[index - 1] == "_") or not (
        text[index].isalnum() or text[index] == "_"
    )


def occurrences(haystack: str, needle: str) -> int:
    """Overlapping count (str.count does not overlap)."""
    count, position = 0, haystack.find(needle)
    while position != -1:
        count += 1
        position = haystack.find(needle, position + 1)
    return count


def locate(old: str, new: str, start: int, end: int):
    exact, prefix, suffix = context_around(old, start, end)
    mapping = PositionMap(old, new)
    return anchor_quote(
        new, exact=exact, prefix=prefix, suffix=suffix, start=start,
        hint=mapping(start), hint_end=mapping(end),
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(TEXT_ALPHABET, min_size=20, max_size=400),
    span=st.tuples(st.floats(0, 1), st.integers(1, 60)),
    edits=st.lists(edit, max_size=8),
    clear_of_context=st.booleans(),
)
def test_any_span_reanchors_exactly_after_edits_elsewhere(text, span, edits, clear_of_context):
    """Edits anywhere outside the span when the quote is unique; edits clear of its 32
    characters of context when only the context tells repeated quotes apart."""
    start = int(span[0] * (len(text) - 1))
    end = min(len(text), start + span[1])
    margin = 32 if clear_of_context else 0
    new_text, new_start = apply_edits_outside(text, start, end, edits, margin=margin)
    quote = text[start:end]
    exact, prefix, suffix = context_around(text, start, end)
    if clear_of_context:
        # Identical quote *and* context twice is ambiguous to anyone.
        assume(occurrences(new_text, prefix + exact + suffix) == 1)
    else:
        assume(occurrences(new_text, exact) == 1)
    # An edit that glues a word onto a quote that began or ended a word makes the span
    # take that word in (test_a_word_glued_to_the_quote_is_taken_in_whole).
    new_end = new_start + len(quote)
    assume(is_word_boundary(new_text, new_start) or not is_word_boundary(text, start))
    assume(is_word_boundary(new_text, new_end) or not is_word_boundary(text, end))

    result = locate(text, new_text, start, end)

    assert result.status == ANCHORED
    assert (result.start, result.end) == (new_start, new_start + len(quote))


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(TEXT_ALPHABET, max_size=200),
    quote=st.text(QUOTE_ALPHABET, min_size=1, max_size=80),
    after=st.text(TEXT_ALPHABET, max_size=200),
    edits=st.lists(edit, max_size=5),
)
def test_a_deleted_span_is_orphaned(before, quote, after, edits):
    text = before + quote + after
    start, end = len(before), len(before) + len(quote)
    edited, new_start = apply_edits_outside(text, start, end, edits)
    new_text = edited[:new_start] + edited[new_start + len(quote) :]

    result = locate(text, new_text, start, end)

    assert result.status == ORPHANED
    assert result.start is None and result.end is None


@settings(max_examples=100, deadline=None)
@given(
    before=st.text(TEXT_ALPHABET, min_size=5, max_size=200),
    quote=st.text(QUOTE_ALPHABET, min_size=30, max_size=120),
    after=st.text(TEXT_ALPHABET, min_size=5, max_size=200),
    where=st.floats(0.2, 0.8),
)
def test_a_small_rewrite_inside_a_long_quote_is_found_fuzzily(before, quote, after, where):
    index = int(where * len(quote))
    rewritten = quote[:index] + "xyz" + quote[index + 2 :]
    old_text = before + quote + after
    new_text = before + rewritten + after

    result = locate(old_text, new_text, len(before), len(before) + len(quote))

    assert result.status == FUZZY
    assert 0.6 < result.score < 1
    # The span covers the rewritten quote, give or take characters that happen to align.
    assert abs(result.start - len(before)) <= 3
    assert abs(result.end - (len(before) + len(rewritten))) <= 3


def test_old_position_is_used_when_the_quote_is_still_there():
    text = "The state keeps a red list and a black list. The black list matters."
    start = text.index("black list")
    result = anchor_quote(
        text, exact="black list", prefix=text[:start][-32:], suffix=" matters"[:0], start=start
    )
    assert (result.status, result.score, result.start) == (ANCHORED, 1.0, start)


def test_repeated_quote_is_told_apart_by_its_context():
    old = "a black list here. Then another black list there."
    second = old.rindex("black list")
    new = "Inserted. " + old
    result = locate(old, new, second, second + len("black list"))
    assert result.start == new.rindex("black list")


def test_long_quote_beyond_bitap_word_size_with_edits_is_found_without_a_diff_hint():
    quote = (
        "Sesame Credit scores citizens on shopping habits, friendships and bill payment histories"
    )
    old = "Intro text. " + quote + " More text follows here."
    new = (
        "A new first sentence was added. Intro text. "
        + quote.replace("shopping", "buying")
        + " More text follows here."
    )
    exact, prefix, suffix = context_around(old, old.index(quote), old.index(quote) + len(quote))
    result = anchor_quote(new, exact=exact, prefix=prefix, suffix=suffix, start=old.index(quote))
    assert result.status == FUZZY
    assert new[result.start : result.end].startswith("Sesame Credit")
    assert new[result.start : result.end].endswith("histories")


def test_empty_quote_or_text_is_orphaned():
    assert anchor_quote("", exact="x").status == ORPHANED
    assert anchor_quote("abc", exact="").status == ORPHANED


def test_a_sentence_inserted_inside_a_quote_stretches_the_span():
    quote = "scores citizens on shopping habits and bill payments"
    old = "Intro text here. Sesame Credit " + quote + ", the report says."
    new = old.replace("habits and", "habits (a new sentence was added here) and")
    start = old.index(quote)
    result = locate(old, new, start, start + len(quote))
    assert result.status == FUZZY
    assert new[result.start : result.end] == quote.replace(
        "habits and", "habits (a new sentence was added here) and"
    )


def test_a_quote_that_lost_a_few_words_is_placed_where_the_rest_is():
    quote = "the neighbourhood pilot scored substandard households by their credit"
    old = "Before this. In 2019 " + quote + " and their ties. After that."
    new = old.replace("substandard ", "")
    start = old.index(quote)
    result = locate(old, new, start, start + len(quote))
    assert result.status == FUZZY
    assert new[result.start : result.end] == quote.replace("substandard ", "")


def test_a_quote_replaced_by_other_words_is_orphaned():
    quote = "the neighbourhood pilot scored households"
    old = "Before this. In 2019 " + quote + " and their ties. After that."
    new = old.replace(quote, "a different sentence sits here now")
    start = old.index(quote)
    assert locate(old, new, start, start + len(quote)).status == ORPHANED


def test_a_deleted_sentence_is_not_pinned_to_a_similar_sentence_elsewhere():
    sentence = (
        "We discuss the similar structures which are already present and in place in "
        "Western liberal democratic countries."
    )
    old = (
        "The paper explores power. " + sentence + " The paper shows that China focuses "
        "on platforms. Everyday life has formed structures and cultures of social media use "
        "and quantification that are already well in place in Western liberal democratic "
        "countries. The growth of technology continues."
    )
    new = old.replace(sentence + " ", "")
    start = old.index(sentence)
    assert locate(old, new, start, start + len(sentence)).status == ORPHANED


# --- Words are never cut ---------------------------------------------------------------------

WORDS = [
    "the",
    "state",
    "credit",
    "score",
    "social",
    "system",
    "citizens",
    "shopping",
    "habits",
    "list",
    "black",
    "red",
    "pilot",
    "scored",
    "households",
    "by",
    "their",
    "ties",
    "report",
    "says",
    "in",
    "of",
    "and",
    "to",
    "is",
    "a",
]
word_edit = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "respell"]),
    st.floats(min_value=0, max_value=1),
    st.sampled_from(WORDS),
)


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=6, max_size=40),
    span=st.tuples(st.floats(0, 1), st.integers(1, 12)),
    edits=st.lists(word_edit, min_size=1, max_size=4),
    typos=st.lists(st.tuples(st.floats(0, 1), st.sampled_from("abcxyz .")), max_size=3),
    punctuation=st.sampled_from([" ", ", ", "; "]),
)
def test_a_quote_of_whole_words_is_placed_on_whole_words(words, span, edits, typos, punctuation):
    """Whatever happened around or inside a quote that began and ended on word boundaries
    (words replaced, added, removed or respelt nearby; stray characters typed anywhere), a
    span found for it begins and ends on word boundaries of the new text: never "nd the
    system" for "and system"."""
    first = int(span[0] * (len(words) - 1))
    last = min(len(words), first + span[1])
    old = punctuation.join(words) + "."
    start = len(punctuation.join(words[:first])) + (len(punctuation) if first else 0)
    end = start + len(punctuation.join(words[first:last]))
    new_words = list(words)
    near = range(max(0, first - 2), min(len(words), last + 2))
    for kind, where, word in edits:
        index = near[int(where * (len(near) - 1))] if len(near) else 0
        index = min(index, len(new_words) - 1)
        if kind == "insert":
            new_words.insert(index, word)
        elif kind == "delete" and len(new_words) > 2:
            del new_words[index]
        elif kind == "replace":
            new_words[index] = word
        else:
            current = new_words[index]
            cut = int(where * len(current))
            new_words[index] = current[:cut] + word[:1] + current[cut + 1 :]
    new = punctuation.join(new_words) + "."
    for where, character in typos:
        index = int(where * len(new))
        new = new[:index] + character + new[index:]
    assert is_word_boundary(old, start) and is_word_boundary(old, end)

    result = locate(old, new, start, end)

    if result.status != ORPHANED:
        assert is_word_boundary(new, result.start), (new[: result.start], new[result.start :])
        assert is_word_boundary(new, result.end), (new[: result.end], new[result.end :])
        assert new[result.start : result.end].strip() == new[result.start : result.end]


def test_a_fuzzy_match_does_not_cut_the_first_character_of_the_quote():
    """The reproduction (issue 12): a word before the quote was removed and one inside
    respelt; the alignment started the span one character late, at "o list stage"."""
    old = "The platform lists firms to list state and private scores."
    new = "The platform to list stage and private scores."
    quote = "to list state and private scores"
    start = old.index(quote)

    result = locate(old, new, start, start + len(quote))

    assert result.status == FUZZY
    assert new[result.start : result.end] == "to list stage and private scores"


def test_a_whole_word_occurrence_beats_one_inside_a_longer_word():
    old = "Courts publish a list of debtors; the list is public."
    new = "Courts publish a blacklist of debtors; that list is public."
    start = old.index("list")

    result = locate(old, new, start, start + len("list"))

    assert result.status == ANCHORED
    assert result.start == new.rindex("list")


def test_a_word_glued_to_the_quote_is_taken_in_whole():
    old = "Firms share a credit score with the bureau."
    new = "Firms share a creditscore with the bureau."
    start = old.index("credit")

    result = locate(old, new, start, start + len("credit"))

    assert result.status == FUZZY
    assert new[result.start : result.end] == "creditscore"


def test_a_quote_inside_a_word_may_still_start_inside_one():
    """Only quotes that began on a word boundary are kept to word boundaries: a selection
    that itself began mid-word ("redit score") is found as it was."""
    old = "Firms share a credit score with the bureau."
    new = "Firms now share a credit score with the bureau."
    start = old.index("redit score")

    result = locate(old, new, start, start + len("redit score"))

    assert result.status == ANCHORED
    assert new[result.start : result.end] == "redit score"
