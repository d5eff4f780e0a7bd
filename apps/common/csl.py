"""One bibliographic record, many formats: CSL-JSON is the record; RIS, COinS and the
Highwire Press ``citation_*`` meta tags are written from it, so what Zotero saves from a
page, from the API and from a downloaded file cannot disagree.

Each app builds the CSL-JSON item of its own things (apps/sources/citation.py,
apps/atlas/citation.py); nothing here knows a model. BibTeX stays with the apps (their
Cite boxes show it, with keys and notes of their own) and travels beside the item in a
:class:`Citation`.

References: CSL-JSON schema 1.0.2 (citationstyles.org), the RIS tags Zotero's RIS
translator reads, Highwire Press tags as Google Scholar's inclusion guidelines list them,
and OpenURL 1.0 KEV (Z39.88-2004) for COinS.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

CSL_JSON_MEDIA_TYPE = "application/vnd.citationstyles.csl+json"
RIS_MEDIA_TYPE = "application/x-research-info-systems"
BIBTEX_MEDIA_TYPE = "application/x-bibtex"

# CSL type -> RIS type (Zotero reads these back to the same item type).
_RIS_TYPES = {
    "article-journal": "JOUR",
    "report": "RPRT",
    "legislation": "STAT",
    "article-newspaper": "NEWS",
    "webpage": "ELEC",
    "entry-encyclopedia": "ENCYC",
    "dataset": "DATA",
}


@dataclass(frozen=True)
class Citation:
    """A thing's CSL-JSON item and its BibTeX entry (the API's citation formats)."""

    csl: dict
    bibtex: str


def name(family: str, given: list[str] | str = "") -> dict:
    """A CSL name; a name with no given part (an organisation, "Plato") is a literal so
    no style inverts or abbreviates it."""
    given = " ".join(given) if isinstance(given, list) else given
    if not given:
        return {"literal": family}
    return {"family": family, "given": given}


def date_parts(*parts: int | None) -> dict:
    """``{"date-parts": [[2021, 6, 17]]}`` from the parts known (a year alone is fine)."""
    known: list[int] = []
    for part in parts:
        if part is None:
            break
        known.append(int(part))
    return {"date-parts": [known]} if known else {}


def _display_name(person: dict, *, inverted: bool) -> str:
    if "literal" in person:
        return person["literal"]
    if inverted:
        return f"{person['family']}, {person['given']}"
    return f"{person['given']} {person['family']}"


def _year_month_day(item: dict, key: str = "issued") -> list[int]:
    parts = (item.get(key) or {}).get("date-parts") or [[]]
    return list(parts[0])


def _first_last_page(item: dict) -> tuple[str, str]:
    pages = str(item.get("page", ""))
    for dash in ("–", "—", "-"):
        if dash in pages:
            first, last = pages.split(dash, 1)
            return first.strip(), last.strip()
    return pages.strip(), ""


def to_ris(item: dict) -> str:
    """The item as one RIS record (CRLF line ends, as the RIS specification asks)."""
    lines = [("TY", _RIS_TYPES.get(item.get("type", ""), "GEN"))]
    lines += [("AU", _display_name(p, inverted=True)) for p in item.get("author", [])]
    lines.append(("TI", item.get("title", "")))
    date = _year_month_day(item)
    if date:
        lines.append(("PY", str(date[0])))
        lines.append(("DA", "/".join(_pad(date))))
    first, last = _first_last_page(item)
    for tag, value in (
        ("T2", item.get("container-title", "")),
        ("VL", item.get("volume", "")),
        ("IS", item.get("issue", "")),
        ("SP", first),
        ("EP", last),
        ("PB", item.get("publisher", "")),
        ("ET", item.get("version", "")),
        ("M3", item.get("genre", "")),
        ("DO", item.get("DOI", "")),
        ("UR", item.get("URL", "")),
        ("LA", item.get("language", "")),
        ("AB", item.get("abstract", "")),
    ):
        if value:
            lines.append((tag, str(value)))
    accessed = _year_month_day(item, "accessed")
    if accessed:
        lines.append(("Y2", "/".join(_pad(accessed))))
    lines.append(("ER", ""))
    # RIS is one field per line: a line break inside a value would start a bogus tag.
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)


def highwire_tags(item: dict, *, html_url: str, pdf_url: str = "") -> list[tuple[str, str]]:
    """``(name, content)`` pairs for ``<meta name=… content=…>``: Google Scholar's and
    Zotero's "Embedded Metadata" names. Authors one tag each, in order."""
    tags = [("citation_title", item.get("title", ""))]
    tags += [("citation_author", _display_name(p, inverted=True)) for p in item.get("author", [])]
    date = _year_month_day(item)
    if date:
        tags.append(("citation_publication_date", "/".join(_pad(date))))
    kind = item.get("type")
    container = item.get("container-title", "")
    if container:
        container_tag = {
            "article-journal": "citation_journal_title",
            "report": "citation_technical_report_institution",
        }.get(kind, "citation_inbook_title")
        tags.append((container_tag, container))
    first, last = _first_last_page(item)
    for tag, value in (
        ("citation_volume", item.get("volume", "")),
        ("citation_issue", item.get("issue", "")),
        ("citation_firstpage", first),
        ("citation_lastpage", last),
        ("citation_publisher", item.get("publisher", "")),
        ("citation_doi", item.get("DOI", "")),
        ("citation_language", item.get("language", "")),
        ("citation_abstract_html_url", html_url),
        ("citation_fulltext_html_url", html_url),
        ("citation_pdf_url", pdf_url),
    ):
        if value:
            tags.append((tag, str(value)))
    return [(tag, " ".join(value.split())) for tag, value in tags if value]


def _pad(date: list[int]) -> list[str]:
    return [str(date[0]), *(f"{part:02d}" for part in date[1:])]


def coins(item: dict) -> str:
    """The ``title`` of a COinS ``<span class="Z3988">`` (OpenURL 1.0 KEV): a journal
    article as such, a report as a book-genre report, anything else as Dublin Core."""
    kind = item.get("type")
    date = "-".join(_pad(_year_month_day(item))) if _year_month_day(item) else ""
    authors = item.get("author", [])
    pairs: list[tuple[str, str]] = [("ctx_ver", "Z39.88-2004")]
    if kind in ("article-journal", "report"):
        journal = kind == "article-journal"
        pairs.append(("rft_val_fmt", "info:ofi/fmt:kev:mtx:" + ("journal" if journal else "book")))
        pairs.append(("rft.genre", "article" if journal else "report"))
        pairs.append(("rft.atitle" if journal else "rft.btitle", item.get("title", "")))
        if item.get("container-title"):
            pairs.append(("rft.jtitle" if journal else "rft.series", item["container-title"]))
        for person in authors:
            if "literal" in person:
                pairs.append(("rft.aucorp" if not journal else "rft.au", person["literal"]))
            else:
                pairs.append(("rft.au", _display_name(person, inverted=True)))
        for key, variable in (
            ("rft.volume", "volume"),
            ("rft.issue", "issue"),
            ("rft.pages", "page"),
            ("rft.pub", "publisher"),
        ):
            if item.get(variable):
                pairs.append((key, str(item[variable])))
        if date:
            pairs.append(("rft.date", date))
    else:
        pairs.append(("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"))
        pairs.append(("rft.type", item.get("genre") or kind or "document"))
        pairs.append(("rft.title", item.get("title", "")))
        pairs += [("rft.creator", _display_name(p, inverted=True)) for p in authors]
        if item.get("container-title"):
            pairs.append(("rft.source", item["container-title"]))
        if item.get("publisher"):
            pairs.append(("rft.publisher", item["publisher"]))
        if date:
            pairs.append(("rft.date", date))
        if item.get("URL"):
            pairs.append(("rft.identifier", item["URL"]))
    if item.get("DOI"):
        pairs.append(("rft_id", f"info:doi/{item['DOI']}"))
    if item.get("URL"):
        pairs.append(("rft_id", item["URL"]))
    return urlencode([(key, value) for key, value in pairs if value])
