"""Importers: format detection by content, extraction per format, rejections, layout.

These run without the database: importers are pure functions from bytes to an
ExtractedDocument (or an ImportRejected with a message for the uploader).
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sources.importers import ImportRejected, detect_format, extract, validate_upload
from apps.sources.importers.base import Block, anchor_for
from apps.sources.importers.pipeline import PASSAGE_SEPARATOR, layout
from apps.sources.starter import FOUNDING_PAPER_FILE

from . import samples


def assert_offsets_exact(extracted) -> None:
    for passage in extracted.passages:
        assert extracted.text[passage.start : passage.end] == passage.text
    anchors = [p.anchor for p in extracted.passages]
    assert len(anchors) == len(set(anchors))
    assert [p.order for p in extracted.passages] == list(range(len(extracted.passages)))


def texts(extracted, kind: str | None = None) -> list[str]:
    return [p.text for p in extracted.passages if kind is None or p.kind == kind]


# --- Detection by content ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.PLAIN_TEXT, "text"),
        (samples.MARKDOWN, "markdown"),
        (b"Title\n=====\n\nSome words in a paragraph.\n", "markdown"),
        (samples.HTML, "html"),
        (b"<div><p>one</p><p>two</p><p>three</p></div>", "html"),
        (samples.article_pdf(), "pdf"),
    ],
    ids=["text", "markdown", "markdown-setext", "html", "html-fragment", "pdf"],
)
def test_format_is_detected_by_content(data, expected):
    assert detect_format(data)[0] == expected
    assert validate_upload(data) == expected
    assert extract(data).import_format == expected


def test_utf8_bom_and_utf16_are_decoded():
    text = "Überwachung und Bonität\n\nEin Absatz über Scores, die Menschen sortieren."
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        extracted = extract(data)
        assert extracted.import_format == "text"
        assert texts(extracted) == ["Überwachung und Bonität", text.split("\n\n")[1]]


def test_latin1_text_is_detected_and_decoded():
    extracted = extract(samples.LATIN1)
    assert extracted.import_format == "text"
    assert texts(extracted) == samples.LATIN1_TEXT.split("\n\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.PNG, "looks like a PNG image"),
        (samples.ZIP, "looks like a ZIP archive"),
        (b"%!PS-Adobe\x00\x01\x02" + samples.BINARY, "binary"),
        (samples.BINARY, "its content is binary"),
        (b"", "empty|No readable text"),
        (b"  \n\n\t  \n", "empty|No readable text"),
        (samples.INVALID_UTF8, "not valid UTF-8"),
        (samples.broken_pdf(), "This PDF is damaged"),
        (b"%PDF-1.4\nthis is not really a pdf", "This PDF is damaged"),
        (samples.encrypted_pdf(), "password-protected"),
        (samples.no_text_pdf(), "no extractable text"),
        (samples.DEEP_HTML, "nested too deeply"),
    ],
    ids=[
        "png",
        "zip",
        "nul-bytes",
        "binary",
        "empty",
        "whitespace",
        "invalid-utf8",
        "truncated-pdf",
        "fake-pdf",
        "encrypted-pdf",
        "no-text-pdf",
        "deep-html",
    ],
)
def test_unacceptable_files_are_rejected_with_a_clear_message(data, message):
    # The import task sees every file the form let through; both must reject.
    with pytest.raises(ImportRejected, match=message):
        extract(data)
    if data == samples.DEEP_HTML:
        return  # depth is checked by the (slower) extraction, not the upload form
    with pytest.raises(ImportRejected, match=message):
        validate_upload(data)


def test_text_without_a_paragraph_is_rejected():
    with pytest.raises(ImportRejected, match="No readable text"):
        extract(b"Just A Heading\n\nAnother Heading\n")


def test_oversize_upload_is_rejected(settings):
    settings.SOURCE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ImportRejected, match="the limit is 100"):
        validate_upload(b"A long paragraph. " * 10)


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_headings_split_paragraph_hyphenation_and_running_heads():
    extracted = extract(samples.article_pdf())
    assert texts(extracted, "heading") == ["Introduction", "Method", "Conclusion"]
    paragraphs = texts(extracted, "paragraph")
    assert paragraphs == [
        samples.FILLER_TEXT,
        samples.SPLIT_PARAGRAPH,
        samples.FILLER_TEXT,
        samples.FILLER_TEXT,
    ]
    assert "prac-" not in extracted.text
    assert samples.RUNNING_HEADER not in extracted.text
    assert "\n2\n" not in extracted.text and not extracted.text.rstrip().endswith("3")
    sections = [p.section for p in extracted.passages if p.kind == "paragraph"]
    assert sections == ["Introduction", "Introduction", "Method", "Conclusion"]
    assert_offsets_exact(extracted)


def test_pdf_with_permission_only_encryption_is_imported():
    extracted = extract(samples.permissions_only_pdf())
    assert samples.SPLIT_PARAGRAPH in texts(extracted)


def test_pdf_identical_paragraphs_get_distinct_stable_anchors():
    first, second = extract(samples.article_pdf()), extract(samples.article_pdf())
    assert [p.anchor for p in first.passages] == [p.anchor for p in second.passages]
    filler_anchors = [p.anchor for p in first.passages if p.text == samples.FILLER_TEXT]
    base = anchor_for(samples.FILLER_TEXT)
    assert filler_anchors == [base, f"{base}-2", f"{base}-3"]


# --- The founding paper ------------------------------------------------------------------

FOUNDING_HEADINGS = [
    "Description",
    "China's social credit system",
    "The comparative of similar structure possibilities of social credit systems in Western states",
    "Conclusion",
]


@pytest.fixture(scope="module")
def founding():
    return extract(FOUNDING_PAPER_FILE.read_bytes())


def test_founding_paper_has_exactly_its_four_headings(founding):
    assert founding.import_format == "text"
    assert texts(founding, "heading") == FOUNDING_HEADINGS
    assert founding.passages[0].text == "Description"


def test_founding_paper_front_matter_is_not_in_passages(founding):
    body = founding.text
    for front in (
        "Corresponding author",
        "Received date",
        "Copyright:",
        "Citation:",
        "Karen Li Xan Wong*",
    ):
        assert front not in body
        assert front in founding.front_matter


def test_founding_paper_page_break_paragraph_is_one_passage(founding):
    joined = [
        p
        for p in founding.passages
        if "have cooperated together in running pilot projects" in p.text
    ]
    assert len(joined) == 1
    assert joined[0].text.startswith("The social credit systems currently being piloted")
    assert joined[0].text.endswith("frowned upon by those in power.")
    assert joined[0].section == "China's social credit system"
    assert not any(p.text.startswith("together in running") for p in founding.passages)


def test_founding_paper_offsets_and_anchors(founding):
    assert_offsets_exact(founding)
    assert len(founding.passages) == 10
    again = extract(FOUNDING_PAPER_FILE.read_bytes())
    assert [p.anchor for p in again.passages] == [p.anchor for p in founding.passages]
    assert again.content_hash == founding.content_hash


def test_founding_paper_schufa_passage(founding):
    (schufa,) = [p for p in founding.passages if "Schufa uses geo-scoring" in p.text]
    assert schufa.section == FOUNDING_HEADINGS[2]


# --- HTML --------------------------------------------------------------------------------


def test_html_keeps_main_content_and_drops_boilerplate():
    extracted = extract(samples.HTML)
    assert texts(extracted, "heading") == ["Scoring in Europe", "Germany"]
    paragraphs = texts(extracted, "paragraph")
    assert len(paragraphs) == 3
    assert paragraphs[1].startswith("In Germany, Schufa uses geo-scoring")
    for marker in ("SCRIPT_MARKER", "NAV_MARKER", "FOOTER_MARKER", "var tracking", "console.log"):
        assert marker not in extracted.text
    assert extracted.metadata.get("title") == "Scoring in Europe"
    assert_offsets_exact(extracted)


def test_html_without_main_text_is_rejected():
    with pytest.raises(ImportRejected):
        extract(
            b"<!doctype html><html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>"
        )


# --- Markdown ----------------------------------------------------------------------------


def test_markdown_headings_paragraphs_and_front_matter():
    extracted = extract(samples.MARKDOWN)
    assert [(p.kind, p.text) for p in extracted.passages] == [
        ("heading", "Introduction"),
        ("paragraph", "Credit scores sort people into groups, see the report."),
        ("heading", "Background"),
        ("paragraph", "A second paragraph that spans two lines."),
    ]
    assert extracted.metadata == {
        "title": "Scoring notes",
        "author": "Ada Lovelace",
        "year": "2020",
    }
    assert "Scoring notes" not in extracted.text
    assert [p.section for p in extracted.passages] == ["", "Introduction", "", "Background"]
    assert_offsets_exact(extracted)


def test_markdown_raw_html_stays_literal_text():
    extracted = extract(
        b"# Title\n\nA paragraph with <b>bold</b> and a [link](https://example.org).\n"
    )
    assert texts(extracted, "paragraph") == ["A paragraph with <b>bold</b> and a link."]


def test_markdown_images_keep_their_alt_text():
    extracted = extract(b"# Title\n\nScores by district: ![map of scores](map.png) in 2020.\n")
    assert texts(extracted, "paragraph") == ["Scores by district: map of scores in 2020."]


# --- Plain text --------------------------------------------------------------------------


def test_text_hyphenation_is_undone_and_lines_joined():
    data = b"Heading\n\nA para-\ngraph that was wrapped\nat the end of each line.\n"
    assert texts(extract(data), "paragraph") == [
        "A paragraph that was wrapped at the end of each line."
    ]


def test_text_windows_line_endings():
    data = b"Heading\r\n\r\nA paragraph\r\nwith CRLF.\r\n\r\nAnother one.\r\n"
    assert texts(extract(data)) == ["Heading", "A paragraph with CRLF.", "Another one."]


# --- Properties --------------------------------------------------------------------------

block_text = st.text(min_size=1, max_size=80).filter(lambda s: s.strip())
blocks_strategy = st.lists(
    st.builds(Block, kind=st.sampled_from(["heading", "paragraph"]), text=block_text),
    max_size=30,
)


@given(blocks_strategy)
def test_layout_offsets_are_exact_for_any_blocks(blocks):
    text, passages = layout(blocks)
    assert text == PASSAGE_SEPARATOR.join(b.text for b in blocks)
    assert len(passages) == len(blocks)
    for block, passage in zip(blocks, passages, strict=True):
        assert passage.text == block.text
        assert text[passage.start : passage.end] == block.text
        assert passage.kind == block.kind
    anchors = [p.anchor for p in passages]
    assert len(set(anchors)) == len(anchors)
    assert all(len(anchor) <= 24 for anchor in anchors)


@given(blocks_strategy)
def test_layout_anchors_are_deterministic(blocks):
    first = [p.anchor for p in layout(blocks)[1]]
    copies = [Block(b.kind, b.text) for b in blocks]
    assert [p.anchor for p in layout(copies)[1]] == first


@given(blocks_strategy, st.data())
def test_anchor_of_a_unique_passage_survives_edits_elsewhere(blocks, data):
    """Permalinks of unchanged text stay valid when other passages are added."""
    inserted = data.draw(st.builds(Block, kind=st.just("paragraph"), text=block_text))
    position = data.draw(st.integers(min_value=0, max_value=len(blocks)))
    before = {p.text: p.anchor for p in layout(blocks)[1]}
    edited = [*blocks[:position], inserted, *blocks[position:]]
    after = layout(edited)[1]
    normalized = anchor_for(inserted.text)
    for passage in after:
        duplicates = sum(anchor_for(b.text) == anchor_for(passage.text) for b in edited)
        if duplicates == 1 and anchor_for(passage.text) != normalized:
            assert passage.anchor == before[passage.text]


words = st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12)
sentence = st.lists(words, min_size=3, max_size=25).map(lambda ws: " ".join(ws) + ".")


@settings(max_examples=60, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=12))
def test_extracted_plain_text_keeps_every_paragraph_with_exact_offsets(paragraphs):
    data = "\n\n".join(paragraphs).encode()
    extracted = extract(data)
    assert_offsets_exact(extracted)
    expected = unicodedata.normalize("NFC", " ".join(" ".join(paragraphs).split()))
    assert " ".join(extracted.text.split()) == expected


def test_front_matter_labels_are_recognised_but_body_words_are_not():
    data = (
        b"A Paper Title\n\nReceived 27 May 2021; accepted 10 June 2021\n\n"
        b"Copyright \xc2\xa9 2021 The Author.\n\nIntroduction\n\n"
        b"The body starts here and goes on for a while.\n\n"
        b"Copyright law shapes how credit scores may be published and shared.\n\n"
        b"Citation practices differ between fields, and so do scoring practices.\n"
    )
    extracted = extract(data)
    assert "Received 27 May" in extracted.front_matter
    assert texts(extracted)[:2] == ["Introduction", "The body starts here and goes on for a while."]
    assert "Copyright law shapes how credit scores may be published and shared." in texts(extracted)
    assert "Citation practices differ between fields, and so do scoring practices." in texts(
        extracted
    )
