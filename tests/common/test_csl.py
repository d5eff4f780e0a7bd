"""CSL-JSON to RIS, Highwire meta tags and COinS (no database)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from apps.common import csl

ARTICLE = {
    "id": "x",
    "type": "article-journal",
    "title": "Scores\nand lists",
    "author": [csl.name("Wong", ["Karen", "Li"]), csl.name("The Ministry")],
    "issued": csl.date_parts(2021, 6, 17),
    "container-title": "Global Media Journal",
    "volume": "19",
    "issue": "57",
    "page": "1-9",
    "DOI": "10.1234/abc",
    "URL": "https://doi.org/10.1234/abc",
}


def test_names_and_dates():
    assert csl.name("Plato") == {"literal": "Plato"}
    assert csl.name("Wong", ["Karen", "Li"]) == {"family": "Wong", "given": "Karen Li"}
    assert csl.date_parts(2021, None, 3) == {"date-parts": [[2021]]}
    assert csl.date_parts(None) == {}


def test_ris_is_one_record_with_one_field_a_line():
    ris = csl.to_ris(ARTICLE)
    lines = ris.split("\r\n")
    assert lines[0] == "TY  - JOUR"
    assert lines[1:3] == ["AU  - Wong, Karen Li", "AU  - The Ministry"]
    # A line break inside a value would start a bogus tag: it becomes a space.
    assert "TI  - Scores and lists" in lines
    assert "PY  - 2021" in lines and "DA  - 2021/06/17" in lines
    assert "SP  - 1" in lines and "EP  - 9" in lines
    assert "T2  - Global Media Journal" in lines and "DO  - 10.1234/abc" in lines
    assert ris.endswith("ER  - \r\n") and ris.count("ER  - ") == 1


def test_ris_unknown_type_is_generic():
    assert csl.to_ris({"type": "song", "title": "T"}).startswith("TY  - GEN\r\n")


def test_highwire_tags():
    tags = csl.highwire_tags(ARTICLE, html_url="https://cs.example/sources/x/")
    assert tags[:3] == [
        ("citation_title", "Scores and lists"),
        ("citation_author", "Wong, Karen Li"),
        ("citation_author", "The Ministry"),
    ]
    assert ("citation_publication_date", "2021/06/17") in tags
    assert ("citation_journal_title", "Global Media Journal") in tags
    assert ("citation_firstpage", "1") in tags and ("citation_lastpage", "9") in tags
    assert ("citation_doi", "10.1234/abc") in tags
    assert ("citation_fulltext_html_url", "https://cs.example/sources/x/") in tags
    assert not [name for name, content in tags if not content]


def test_coins_journal_article_and_dublin_core():
    pairs = parse_qsl(csl.coins(ARTICLE))
    assert ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal") in pairs
    assert ("rft.atitle", "Scores\nand lists") in pairs
    assert ("rft.jtitle", "Global Media Journal") in pairs
    assert ("rft.date", "2021-06-17") in pairs
    assert ("rft_id", "info:doi/10.1234/abc") in pairs
    page = parse_qsl(csl.coins({"type": "webpage", "title": "T", "URL": "https://e.org"}))
    assert ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc") in page
    assert ("rft.identifier", "https://e.org") in page
