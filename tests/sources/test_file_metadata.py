"""Metadata suggestions read from an uploaded file (apps/sources/importers/file_metadata.py)."""

from __future__ import annotations

import datetime

import pytest

from apps.sources.importers.file_metadata import suggest_metadata
from tests import samples as shared_samples

from . import samples


def test_pdf_information_dictionary():
    data = shared_samples.pdf_bytes(title="Geo-scoring in Europe", author="Jane Doe and John Roe")
    found = suggest_metadata(data, "pdf")
    assert found["title"] == "Geo-scoring in Europe"
    assert found["authors"] == ["Jane Doe", "John Roe"]


def test_pdf_placeholder_title_falls_back_to_the_first_line():
    """reportlab writes "untitled" and "anonymous" when nothing is given."""
    found = suggest_metadata(shared_samples.pdf_bytes(), "pdf")
    assert found["title"] == "Scoring in practice"
    assert "authors" not in found


def test_pdf_first_page_doi_and_dated_year():
    data = samples.make_pdf(
        [[("h", "Scoring in practice"), ("l", "Published 12 March 2019. doi:10.5555/abc-12."),
          ("l", "Body text that cites a 1998 paper.")]],
        header=None,
    )  # fmt: skip
    found = suggest_metadata(data, "pdf")
    assert found["doi"] == "10.5555/abc-12"
    assert found["year"] == 2019


def test_html_highwire_tags_win_over_the_page_title():
    page = (
        b"<html><head><title>Site | Page</title>"
        b'<meta name="citation_title" content="Social credit in practice">'
        b'<meta name="citation_author" content="Ada Lovelace">'
        b'<meta name="citation_author" content="Grace Hopper">'
        b'<meta name="citation_date" content="2020-01-02">'
        b'<meta name="citation_journal_title" content="Journal of Scoring">'
        b'<meta name="DC.Identifier" content="https://doi.org/10.1234/xyz">'
        b"</head><body><p>Text</p></body></html>"
    )
    found = suggest_metadata(page, "html")
    assert found == {
        "title": "Social credit in practice",
        "authors": ["Ada Lovelace", "Grace Hopper"],
        "year": 2020,
        "venue": "Journal of Scoring",
        "doi": "10.1234/xyz",
    }


def test_html_without_tags_uses_the_title_element():
    assert suggest_metadata(samples.HTML, "html")["title"] == "Scoring in Europe"


def test_markdown_front_matter():
    found = suggest_metadata(samples.MARKDOWN, "markdown")
    assert found == {"title": "Scoring notes", "authors": ["Ada Lovelace"], "year": 2020}


@pytest.mark.parametrize(
    "data",
    [
        b"<html><head><title>" + b"A" * 2048 + b"</title></head><body><p>x</p></body></html>",
        b'<html><head><meta name="citation_title" content="Bad\x00title"></head></html>',
        b"<html><head>" + b"<div>" * 5000 + b"</head><body><p>x</p></body></html>",
        b'<html><head><meta name="citation_date" content="9999"></head></html>',
    ],
    ids=["2kb-title", "nul-byte", "deep-head", "far-future-year"],
)
def test_hostile_html_gives_bounded_clean_suggestions(data):
    found = suggest_metadata(data, "html")
    assert all(len(value) <= 500 for value in found.values() if isinstance(value, str))
    assert all("\x00" not in value for value in found.values() if isinstance(value, str))
    assert found.get("year", 0) <= datetime.date.today().year + 1


def test_a_damaged_file_gives_no_suggestions_rather_than_an_error():
    assert suggest_metadata(samples.broken_pdf(), "pdf") == {}
    assert suggest_metadata(b"\xff\xfe\x00", "text") == {}
