"""The alignment engine (apps/sources/alignment.py): structure first, then Gale–Church."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from apps.sources.alignment import Unit, align

H, P = "heading", "paragraph"


def units(*spec):
    return [Unit(kind, length) for kind, length in spec]


def covers(groups, n, m) -> bool:
    original = [i for o, _t in groups for i in o]
    translated = [j for _o, t in groups for j in t]
    return original == list(range(n)) and translated == list(range(m))


def test_same_structure_aligns_one_to_one():
    original = units((H, 10), (P, 500), (H, 20), (P, 300), (P, 40))
    translation = units((H, 12), (P, 610), (H, 25), (P, 350), (P, 55))
    assert align(original, translation) == [([i], [i]) for i in range(5)]


def test_a_paragraph_split_in_two_is_a_one_to_two_merge():
    original = units((H, 10), (P, 400), (P, 800), (P, 300))
    # The translator cut the 800-character paragraph in two.
    translation = units((H, 12), (P, 460), (P, 430), (P, 470), (P, 350))
    assert align(original, translation) == [
        ([0], [0]),
        ([1], [1]),
        ([2], [2, 3]),
        ([3], [4]),
    ]


def test_two_paragraphs_joined_is_a_two_to_one_merge():
    original = units((P, 300), (P, 310), (P, 900), (P, 200))
    translation = units((P, 700), (P, 1000), (P, 230))
    assert align(original, translation) == [([0, 1], [0]), ([2], [1]), ([3], [2])]


def test_a_short_untranslated_paragraph_joins_a_neighbour_and_the_rest_stays_paired():
    original = units((P, 400), (P, 20), (P, 600), (P, 500))
    translation = units((P, 420), (P, 640), (P, 520))
    groups = align(original, translation)
    assert groups[0] == ([0], [0]) and groups[-1] == ([3], [2])
    assert covers(groups, 4, 3)


def test_headings_fence_the_sections():
    # Without the heading fence, lengths alone would pair the second section's first
    # paragraph with the first section's last.
    original = units((H, 10), (P, 300), (P, 300), (H, 10), (P, 300))
    translation = units((H, 10), (P, 650), (H, 10), (P, 330))
    groups = align(original, translation)
    assert groups[0] == ([0], [0])
    assert ([3], [2]) in groups
    assert ([4], [3]) in groups
    assert ([1, 2], [1]) in groups


def test_empty_sides():
    assert align([], []) == []
    assert align(units((P, 5)), []) == [([0], [])]
    assert align([], units((P, 5))) == [([], [0])]


@given(
    st.lists(st.tuples(st.sampled_from([H, P]), st.integers(1, 3000)), max_size=40),
    st.lists(st.tuples(st.sampled_from([H, P]), st.integers(1, 3000)), max_size=40),
)
def test_every_passage_is_in_exactly_one_group_in_order(original, translation):
    groups = align(units(*original), units(*translation))
    assert covers(groups, len(original), len(translation))
    for o, t in groups:
        assert (len(o), len(t)) in {(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2)}
