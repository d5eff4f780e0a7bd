"""Suggestions for an upload's bibliographic record, read from the file itself: a PDF's
information dictionary and first page, a web page's Highwire ``citation_*``, Dublin Core
and Open Graph tags, Markdown front matter. Run by the web process on the first step of
an upload (after validate_upload), so it only reads what is cheap: one PDF page, the
head of a web page, the start of a text. The uploader confirms or corrects every value;
nothing here is stored without them.

    suggest_metadata(data, import_format) -> dict   keys: title, authors (list), year,
                                                    doi, venue, publisher, url, abstract,
                                                    language; only those found
"""

from __future__ import annotations

import datetime
import re

from .base import normalize_whitespace
from .detect import decode_text

# A web page's head is where the tags live; past this the body begins in practice.
HTML_HEAD_CHARS = 300_000
TEXT_SAMPLE_CHARS = 20_000
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>]+)", re.I)
_YEAR = re.compile(r"\b(1[5-9]\d{2}|20\d{2})\b")
# A year next to one of these words is the publication's; any other year may be cited.
_DATED_YEAR = re.compile(
    r"(?:©|\(c\)|copyright|published|publication date|accepted|received)[^\n]{0,40}?"
    r"\b(1[5-9]\d{2}|20\d{2})\b",
    re.I,
)
_PDF_DATE = re.compile(r"^D?:?(\d{4})")
# Titles that producers write for the author: not a title.
_PLACEHOLDER_TITLE = re.compile(
    r"^\W*(untitled|anonymous|unknown|microsoft word|document\d*|title|slide \d+)\b"
    r"|\.(docx?|pdf|tex|odt)$",
    re.I,
)
_AUTHOR_SPLIT = re.compile(r"\s*;\s*|\s+and\s+|\s*&\s*|\n")
MAX_AUTHORS = 50
MAX_FIELD = {"title": 500, "venue": 300, "publisher": 300, "url": 1000, "abstract": 5000}


def suggest_metadata(data: bytes, import_format: str) -> dict:
    """Never raises for a file validate_upload accepted: a value that cannot be read is
    simply not suggested."""
    try:
        if import_format == "pdf":
            found = _from_pdf(data)
        else:
            text = decode_text(data)
            if import_format == "html":
                found = _from_html(text)
            elif import_format == "markdown":
                found = _from_front_matter(text)
            else:
                found = {}
            found = {**_from_text(text[:TEXT_SAMPLE_CHARS], title_from_first_line=True), **found}
    except Exception:  # noqa: BLE001 - suggestions are optional; the import reports real faults
        return {}
    return _tidy(found)


def _tidy(found: dict) -> dict:
    out: dict = {}
    for key, value in found.items():
        if key == "authors":
            authors = [normalize_whitespace(a)[:200] for a in value if normalize_whitespace(a)]
            if authors:
                out["authors"] = authors[:MAX_AUTHORS]
        elif key == "year":
            if isinstance(value, int) and 1000 <= value <= datetime.date.today().year + 1:
                out["year"] = value
        elif isinstance(value, str):
            cleaned = normalize_whitespace(value.replace("\x00", ""))
            if cleaned:
                out[key] = cleaned[: MAX_FIELD.get(key, 200)]
    return out


def _year_in(value: str | None) -> int | None:
    match = _YEAR.search(value or "")
    return int(match.group(1)) if match else None


def _doi_in(value: str | None) -> str:
    match = _DOI.search(value or "")
    return match.group(1).rstrip(".,;:)]}") if match else ""


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    parts = _AUTHOR_SPLIT.split(value)
    if len(parts) == 1 and value.count(",") >= 2:
        # "Ada Lovelace, Grace Hopper, Jane Doe": with two commas or more it is a list,
        # with one it may be "Lovelace, Ada".
        parts = value.split(",")
    return [p.strip() for p in parts if p.strip()]


def _from_text(text: str, *, title_from_first_line: bool = False) -> dict:
    found: dict = {}
    doi = _doi_in(text)
    if doi:
        found["doi"] = doi
    dated = _DATED_YEAR.search(text)
    if dated:
        found["year"] = int(dated.group(1))
    if title_from_first_line:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        first = first.lstrip("#").strip()
        if 3 <= len(first) <= 300:
            found["title"] = first
    return found


def _from_pdf(data: bytes) -> dict:
    from .pdf import pdf_info

    info, first_page = pdf_info(data)
    found = _from_text(first_page)
    title = (info.get("title") or "").strip()
    if title and not _PLACEHOLDER_TITLE.search(title):
        found["title"] = title
    else:
        # The first line of the first page: usually the title, sometimes a journal's
        # name; the uploader sees it and corrects it.
        line = next((ln.strip() for ln in first_page.splitlines() if len(ln.strip()) > 3), "")
        if line:
            found["title"] = line
    authors = [a for a in _authors(info.get("author")) if not _PLACEHOLDER_TITLE.search(a)]
    if authors:
        found["authors"] = authors
    if "year" not in found:
        year = _year_in((_PDF_DATE.match(info.get("creationdate", "")) or [None, ""])[1])
        if year:
            found["year"] = year
    for key in ("subject", "keywords"):
        if "doi" not in found and _doi_in(info.get(key)):
            found["doi"] = _doi_in(info.get(key))
    return found


# Highwire Press tags first (what Google Scholar and Zotero read), then Dublin Core,
# then Open Graph and the plain <title>.
_HTML_KEYS = {
    "title": ("citation_title", "dc.title", "og:title"),
    "authors": ("citation_author", "dc.creator", "author"),
    "date": (
        "citation_publication_date",
        "citation_date",
        "citation_online_date",
        "citation_year",
        "dc.date",
        "article:published_time",
    ),
    "doi": ("citation_doi", "prism.doi", "dc.identifier"),
    "venue": ("citation_journal_title", "citation_conference_title", "og:site_name"),
    "publisher": ("citation_publisher", "dc.publisher"),
    "url": ("citation_public_url", "citation_abstract_html_url", "og:url"),
    "abstract": ("citation_abstract", "dc.description", "description", "og:description"),
    "language": ("citation_language", "dc.language"),
}


def _from_html(text: str) -> dict:
    from lxml import html as lxml_html

    head = text[:HTML_HEAD_CHARS]
    end = head.lower().find("</head>")
    if end >= 0:
        head = head[: end + len("</head>")]
    root = lxml_html.document_fromstring(head or "<html></html>")
    values: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if name and content:
            values.setdefault(name, []).append(content)
    found: dict = {}
    for field, keys in _HTML_KEYS.items():
        for key in keys:
            if key not in values:
                continue
            if field == "authors":
                authors = values[key] if len(values[key]) > 1 else _authors(values[key][0])
                found["authors"] = authors
            elif field == "date":
                year = _year_in(values[key][0])
                if year:
                    found["year"] = year
            elif field == "doi":
                doi = _doi_in(values[key][0])
                if not doi:
                    continue
                found["doi"] = doi
            else:
                found[field] = values[key][0]
            break
    if "title" not in found:
        title = root.find(".//title")
        if title is not None and (title.text or "").strip():
            found["title"] = title.text
    if "doi" not in found and _doi_in(head):
        found["doi"] = _doi_in(head)
    return found


def _from_front_matter(text: str) -> dict:
    from .markdown import front_matter

    values = front_matter(text)
    found: dict = {}
    if values.get("title"):
        found["title"] = values["title"]
    for key in ("authors", "author"):
        if values.get(key):
            found["authors"] = _authors(values[key])
            break
    year = _year_in(values.get("year") or values.get("date"))
    if year:
        found["year"] = year
    for key, field in (("doi", "doi"), ("journal", "venue"), ("venue", "venue")):
        if values.get(key):
            found[field] = _doi_in(values[key]) if field == "doi" else values[key]
    for key in ("publisher", "url", "abstract", "language"):
        if values.get(key):
            found[key] = values[key]
    return {k: v for k, v in found.items() if v}
