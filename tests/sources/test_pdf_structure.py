"""The content-stream scan behind the PDF structure checks reads operators exactly as a
PDF reader does: pdfminer.six's own content parser is the oracle."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfminer.pdfinterp import PDFContentParser
from pdfminer.pdftypes import PDFStream
from pdfminer.psexceptions import PSSyntaxError
from pdfminer.psparser import PSEOF, PSKeyword, PSLiteral

from apps.sources.importers.base import ImportRejected
from apps.sources.importers.pdf_structure import MAX_EXACT_SCAN_STOPS, scan_content


def read_like_pdfminer(data: bytes) -> tuple[int, Counter]:
    """Deepest q nesting and forms painted by name, from pdfminer's tokens."""
    parser = PDFContentParser([PDFStream({}, data)])
    depth = deepest = 0
    painted: Counter = Counter()
    previous = None
    while True:
        try:
            _, token = parser.nextobject()
        except (PSEOF, PSSyntaxError):  # a syntax error ends what pdfminer runs
            break
        if isinstance(token, PSKeyword):
            if token.name == b"q":
                depth += 1
                deepest = max(deepest, depth)
            elif token.name == b"Q":
                depth = max(0, depth - 1)
            elif token.name == b"Do" and isinstance(previous, PSLiteral):
                painted[previous.name] += 1
        previous = token
    return deepest, painted


@pytest.mark.parametrize(
    ("content", "depth", "painted"),
    [
        (b"(a (b) c) q /X Do Q", 1, {"X": 1}),
        (b"(f(g(h(x)))) q", 1, {}),
        (b"(((((deep))))) /X Do q q", 2, {"X": 1}),
        (b"((((( %))))) /X Do", 0, {"X": 1}),
        (b"% a comment (with /Y Do\n/X Do", 0, {"X": 1}),
        (b"(escaped \\) q q) /X Do", 0, {"X": 1}),
        (b"(escaped backslash \\\\) q q", 2, {}),
        (b"/X#31 Do /#58 Do", 0, {"X1": 1, "X": 1}),
        (b"BI /W 1 /H 1 ID \x00(q q /Z Do EI /X Do", 0, {"X": 1}),
        (b"(((((unterminated q /X Do", 0, {}),
        (b"q Q Q Q q q", 2, {}),
        (b"/X () Do /Y (((a))) Do", 0, {}),  # the operand is the string
        (b"/X ] Do /X /Y 1 Tf Do", 0, {}),  # malformed: counted as the costliest form
    ],
)
def test_operators_are_read_as_a_pdf_reader_reads_them(content, depth, painted):
    scan = scan_content(content)
    assert (scan.graphics_depth, dict(scan.painted)) == (depth, painted)


def test_deeply_nested_strings_by_the_million_are_refused_rather_than_scanned_slowly():
    with pytest.raises(ImportRejected, match="cannot be checked safely"):
        scan_content(b"((((((x))))))" * (MAX_EXACT_SCAN_STOPS // 12 + 1))


_words = st.sampled_from([b"q", b"Q", b"Do", b"cm", b"Tj", b"1", b"0.5"])
# Operators inside an array or dictionary are not run by a reader (pdfminer keeps them as
# elements); the scan counts them anyway, which can only make it stricter.
_brackets = st.sampled_from([b"[", b"]", b"<<", b">>"])
_names = st.sampled_from([b"/X", b"/Y", b"/X#31", b"/#58", b"/Fm0"])
_string_text = st.lists(
    st.sampled_from([b"a", b" ", b"q", b"Q", b"/X Do", b"%", b"\\(", b"\\)", b"\\\\", b"\n"]),
    max_size=6,
).map(b"".join)


@st.composite
def _strings(draw, depth=0):
    parts = draw(st.lists(_string_text, min_size=1, max_size=3))
    if depth < 5 and draw(st.booleans()):
        parts.insert(1, draw(_strings(depth=depth + 1)))
    return b"(" + b"".join(parts) + b")"


_comments = _string_text.map(lambda text: b"%" + text.replace(b"\n", b"") + b"\n")
_tokens = st.one_of(_words, _names, _strings(), _comments)


def _names_painted(painted: Counter) -> Counter:
    return Counter(
        {
            (name.decode("latin-1") if isinstance(name, bytes) else name): count
            for name, count in painted.items()
        }
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(_tokens, max_size=40))
def test_scan_agrees_with_pdfminer_on_any_mix_of_strings_comments_and_operators(tokens):
    content = b" ".join(tokens)
    scan = scan_content(content)
    depth, painted = read_like_pdfminer(content)
    assert scan.graphics_depth == depth
    assert Counter(scan.painted) == _names_painted(painted)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_tokens, _brackets), max_size=40))
def test_scan_never_sees_less_than_pdfminer_runs(tokens):
    content = b" ".join(tokens)
    scan = scan_content(content)
    depth, painted = read_like_pdfminer(content)
    assert scan.graphics_depth >= depth
    # What the scan cannot name, it counts as "the costliest form" (unattributed).
    missed = _names_painted(painted) - Counter(scan.painted)
    assert sum(missed.values()) <= scan.unattributed
