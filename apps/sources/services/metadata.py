"""A source's bibliographic record: the metadata an upload carries (``SourceMetadata``),
DOIs, slugs, and the empty fields a file's own metadata may fill."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import Source

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")


def normalize_doi(value: str) -> str:
    value = (value or "").strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    return value


def validate_doi(value: str) -> None:
    if value and not DOI_PATTERN.match(value):
        raise ValidationError(
            {"doi": _("A DOI looks like 10.1234/abcd (it starts with “10.” and has a slash).")}
        )


@dataclass(frozen=True)
class SourceMetadata:
    title: str
    authors: list[str]
    year: int | None = None
    published_on: datetime.date | None = None
    venue: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""
    doi: str = ""
    url: str = ""
    licence: str = ""
    licence_url: str = ""
    source_type: str = "paper"
    language: str = "en"
    abstract: str = ""
    slug: str = ""


def _unique_slug(base: str) -> str:
    base = slugify(base)[:100] or "source"
    slug = base
    counter = 2
    while Source.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def suggest_slug(metadata: SourceMetadata) -> str:
    first_author = (metadata.authors[0].split()[-1] if metadata.authors else "") or ""
    parts = [first_author, str(metadata.year or ""), " ".join(metadata.title.split()[:5])]
    return slugify(" ".join(p for p in parts if p))[:100]


# Source fields an imported file may fill when the uploader left them empty, and the
# metadata keys (Markdown front matter, lower-cased; trafilatura's HTML metadata) that
# hold them, in order of preference. Title and authors are required on upload.
FILE_METADATA_FIELDS = {
    "year": ("year", "date"),
    "venue": ("venue", "journal", "sitename"),
    "volume": ("volume",),
    "issue": ("issue",),
    "pages": ("pages",),
    "publisher": ("publisher",),
    "doi": ("doi",),
    "url": ("url",),
    "licence": ("licence", "license"),
    "licence_url": ("licence_url", "license_url"),
    "abstract": ("abstract", "description", "summary"),
}
_YEAR = re.compile(r"\b(1[0-9]{3}|2[0-9]{3})\b")


def _fill_from_file_metadata(source: Source, metadata: dict) -> list[str]:
    """Fill the source's empty fields from the file's own metadata, never overwriting
    what the uploader typed; a value that would not pass the field's validation (a
    malformed DOI or URL, a future year, too long) is left out rather than stored.
    Returns the names of the fields filled."""
    filled = []
    for name, keys in FILE_METADATA_FIELDS.items():
        if getattr(source, name) not in (None, ""):
            continue
        raw = next(
            (str(metadata[k]).strip() for k in keys if str(metadata.get(k) or "").strip()), ""
        )
        if not raw:
            continue
        value: object = raw
        if name == "year":
            match = _YEAR.search(raw)
            value = int(match.group(1)) if match else None
        elif name == "doi":
            value = normalize_doi(raw)
            if not DOI_PATTERN.match(value):
                continue
        try:
            value = Source._meta.get_field(name).clean(value, source)
        except ValidationError:
            continue
        if value in (None, ""):
            continue
        setattr(source, name, value)
        filled.append(name)
    return filled
