"""APA 7 and BibTeX citations (no database: unsaved Source objects)."""

from __future__ import annotations

import pytest

from apps.sources.citation import apa, apa_authors, bibtex, bibtex_key
from apps.sources.models import Source
from apps.sources.starter import FOUNDING_PAPER

URL = "https://creditscape.example/sources/x/"


def source(**fields) -> Source:
    values = {"slug": "x", "title": "A study of scores", "authors": ["Ada Lovelace"], "year": 2020}
    values.update(fields)
    return Source(**values)


def test_founding_paper_apa_and_bibtex():
    paper = Source(**FOUNDING_PAPER)
    assert apa(paper, URL) == (
        "Wong, K. L. X. (2021). Exploring China's Social Credit System: Comparative "
        "Infrastructure Possibilities for Social Credit System in Westernised States. "
        f"Global Media Journal, 19(57). {URL}"
    )
    entry = bibtex(paper, URL)
    assert entry.startswith("@article{wong2021exploring,\n")
    assert "  author = {Karen Li Xan Wong},\n" in entry
    assert "  journal = {Global Media Journal},\n" in entry
    assert "  volume = {19},\n  number = {57},\n" in entry
    assert "  note = {Licence: CC BY}\n}" in entry
    assert entry.count("{") == entry.count("}")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ""),
        (["Ada Lovelace"], "Lovelace, A."),
        (["Lovelace, Ada Augusta"], "Lovelace, A. A."),
        (["Ada Lovelace", "Grace Hopper"], "Lovelace, A., & Hopper, G."),
        (["A B", "C D", "E F"], "B, A., D, C., & F, E."),
        (["Plato"], "Plato"),
    ],
)
def test_apa_authors(names, expected):
    assert apa_authors(names) == expected


def test_apa_prefers_doi_then_url():
    assert apa(source(doi="10.1234/abc", url="https://e.org"), URL).endswith(
        "https://doi.org/10.1234/abc"
    )
    assert apa(source(url="https://e.org"), URL).endswith("https://e.org")
    assert apa(source(), URL).endswith(URL)


def test_apa_without_year_or_authors():
    assert apa(source(year=None)).startswith("Lovelace, A. (n.d.). A study of scores.")
    # APA: with no author the title moves to the author position.
    assert (
        apa(source(authors=[], publisher="The Ministry"))
        == "A study of scores. (2020). The Ministry."
    )


def test_apa_keeps_a_title_question_mark():
    assert apa(source(title="Is scoring fair?")) == "Lovelace, A. (2020). Is scoring fair?"


def test_bibtex_escapes_and_types():
    entry = bibtex(
        source(title="Scores & 100% of {us}", source_type="report", publisher="R_Institute"), URL
    )
    assert entry.startswith("@techreport{")
    assert r"title = {{Scores \& 100\% of \{us\}}}" in entry
    assert r"institution = {R\_Institute}" in entry
    assert f"url = {{{URL}}}" in entry
    assert bibtex(source(source_type="law")).startswith("@misc{")


def test_bibtex_key_is_ascii_and_keeps_accented_letters():
    assert (
        bibtex_key(source(authors=["Jürgen Müller"], title="Über die Bonität")) == "muller2020uber"
    )
    assert bibtex_key(source(authors=[], title="On it", year=None)) == "anonsource"
