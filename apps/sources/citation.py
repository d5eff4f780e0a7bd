"""Citations of a source: the original publication (journal, volume, issue, DOI or the
publisher's URL) in APA 7, BibTeX and CSL-JSON, and apart from it the annotated edition
a reader read at Creditscape (version N, accessed on a date). The reader's Cite box, its
meta tags and COinS, and the API's citation formats are all written from here."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.utils import formats
from django.utils.translation import gettext as _

from apps.common import csl

from .models import Document, Source, SourceType

_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _split_name(name: str) -> tuple[str, list[str]]:
    name = name.strip()
    if "," in name:
        family, given = name.split(",", 1)
        return family.strip(), given.split()
    parts = name.split()
    return (parts[-1], parts[:-1]) if parts else ("", [])


def apa_author(name: str) -> str:
    family, given = _split_name(name)
    initials = " ".join(f"{part[0]}." for part in given if part)
    return f"{family}, {initials}" if initials else family


def apa_authors(names: list[str]) -> str:
    formatted = [apa_author(n) for n in names]
    if not formatted:
        return ""
    if len(formatted) == 1:
        return formatted[0]
    return ", ".join(formatted[:-1]) + ", & " + formatted[-1]


def apa(source: Source, url: str = "") -> str:
    authors = apa_authors(source.authors)
    year = source.year or "n.d."
    title = source.title.rstrip(".")
    if not title.endswith(("?", "!")):
        title += "."
    # APA 7: without an author the title takes the author's place.
    parts = [f"{authors} ({year}). {title}" if authors else f"{title} ({year})."]
    if source.venue:
        venue = source.venue
        if source.volume:
            venue += f", {source.volume}"
            if source.issue:
                venue += f"({source.issue})"
        elif source.issue:
            venue += f", ({source.issue})"
        if source.pages:
            # APA (and every CSL style) joins a page range with an en dash.
            venue += ", " + re.sub(r"(?<=\w)\s*-+\s*(?=\w)", "–", source.pages)
        parts.append(f"{venue}.")
    elif source.publisher:
        parts.append(f"{source.publisher}.")
    if source.doi:
        parts.append(f"https://doi.org/{source.doi}")
    elif source.url or url:
        parts.append(source.url or url)
    return " ".join(parts)


def _bibtex_escape(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", value)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def bibtex_key(source: Source) -> str:
    # Keys must be ASCII; transliterate so "Müller" gives "muller", not "mller".
    family = _ascii(_split_name(source.authors[0])[0]) if source.authors else "anon"
    words = re.findall(r"[A-Za-z]+", _ascii(source.title))
    first_word = next((w for w in words if len(w) > 3), "source")
    key = f"{family}{source.year or ''}{first_word}".lower()
    return re.sub(r"[^a-z0-9]", "", key)


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex(source: Source, url: str = "") -> str:
    entry_type = {
        SourceType.PAPER: "article" if source.venue else "misc",
        SourceType.REPORT: "techreport",
    }.get(source.source_type, "misc")
    fields: list[tuple[str, str]] = [
        ("author", " and ".join(_bibtex_escape(a) for a in source.authors)),
        ("title", "{" + _bibtex_escape(source.title) + "}"),
    ]
    if source.venue:
        fields.append(
            ("journal" if entry_type == "article" else "howpublished", _bibtex_escape(source.venue))
        )
    for name, value in (
        ("volume", source.volume),
        ("number", source.issue),
        ("pages", source.pages),
        ("publisher" if entry_type != "techreport" else "institution", source.publisher),
        ("year", str(source.year or "")),
        ("doi", source.doi),
        ("url", source.url or url),
        ("note", f"Licence: {source.licence}" if source.licence else ""),
    ):
        if value:
            fields.append((name, _bibtex_escape(value) if name not in ("url", "doi") else value))
    lines = [f"  {name} = {{{value}}}" for name, value in fields]
    if source.published_on:
        # BibTeX's month macro (unbraced, so styles print the month's name) and biblatex's
        # ISO date, which Zotero and biber read as the full date.
        at = next((i + 1 for i, (name, _v) in enumerate(fields) if name == "year"), len(lines))
        lines[at:at] = [
            f"  month = {_MONTHS[source.published_on.month - 1]}",
            f"  date = {{{source.published_on.isoformat()}}}",
        ]
    body = ",\n".join(lines)
    return f"@{entry_type}{{{bibtex_key(source)},\n{body}\n}}"


# Source type -> CSL type; a paper without a venue is a manuscript, not an article.
_CSL_TYPES = {
    SourceType.REPORT: "report",
    SourceType.LAW: "legislation",
    SourceType.NEWS: "article-newspaper",
    SourceType.WEB_PAGE: "webpage",
    SourceType.OTHER: "document",
}


def csl_item(source: Source) -> dict:
    """The original publication as one CSL-JSON item (``id`` is the source's slug)."""
    if source.source_type == SourceType.PAPER:
        kind = "article-journal" if source.venue else "manuscript"
    else:
        kind = _CSL_TYPES.get(source.source_type, "document")
    item: dict = {
        "id": source.slug,
        "citation-key": bibtex_key(source),
        "type": kind,
        "title": source.title,
        "author": [csl.name(*_split_name(author)) for author in source.authors or []],
    }
    if source.published_on:
        date = source.published_on
        item["issued"] = csl.date_parts(date.year, date.month, date.day)
    elif source.year:
        item["issued"] = csl.date_parts(source.year)
    for variable, value in (
        ("container-title", source.venue),
        ("volume", source.volume),
        ("issue", source.issue),
        ("page", source.pages),
        ("publisher", source.publisher),
        ("DOI", source.doi),
        ("URL", source.url or (f"https://doi.org/{source.doi}" if source.doi else "")),
        ("language", source.language),
        ("abstract", source.abstract),
    ):
        if value:
            item[variable] = value
    return item


def for_source(source: Source) -> csl.Citation:
    """The original publication in the API's citation formats."""
    return csl.Citation(csl=csl_item(source), bibtex=bibtex(source))


def accessed_display(accessed: datetime.date) -> str:
    """The access date as APA writes it ("December 4, 2026")."""
    return formats.date_format(accessed, "F j, Y")


def edition_apa(source: Source, document: Document, url: str, accessed: datetime.date) -> str:
    """The annotated edition read at Creditscape, apart from the original: "Wong, K. L.
    X. (2021). Title [Annotated edition, version 1]. Creditscape. Retrieved <date>, from
    <the version's URL>" (APA 7 for a page whose content changes)."""
    authors = apa_authors(source.authors)
    year = source.year or "n.d."
    title = source.title.rstrip(".")
    label = _("Annotated edition, version %(version)s") % {"version": document.version}
    head = f"{authors} ({year}). {title} [{label}]." if authors else f"{title} [{label}]. ({year})."
    retrieved = _("Retrieved %(date)s, from %(url)s") % {
        "date": accessed_display(accessed),
        "url": url,
    }
    return f"{head} Creditscape. {retrieved}"
