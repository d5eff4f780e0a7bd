"""Citations of a source in APA 7 and BibTeX (for the reader's Cite box and the API)."""

from __future__ import annotations

import re
import unicodedata

from .models import Source, SourceType

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
            venue += f", {source.pages}"
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
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{bibtex_key(source)},\n{body}\n}}"
