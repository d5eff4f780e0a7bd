"""The files of a release, written from its snapshot alone (never from the live tables),
so building them again gives the same bytes. Each builder yields text in pieces; the
service streams them into stored chunks (services.py, ``_write_file``) while hashing.

Pure formatting: builders take the release and iterables the services read; no queries
of their own.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator

import yaml

from apps.atlas.citation import DATASET_TITLE, GROUP_AUTHOR, LICENCE_NAME, LICENCE_URL
from apps.coding import releases as coding_releases
from apps.common import csv_safe
from apps.common.site import absolute_url

from . import citation
from .models import Release

SPDX_LICENCE = "CC-BY-4.0"
DESCRIPTION = (
    "Published entries of the Creditscape atlas: social-credit-like systems by country, "
    "each described on the same comparative dimensions of the codebook and tied to dated "
    "evidence, passage links and its contributors."
)

# name, media type, description; in build order (datapackage.json describes the files
# before it, SHA256SUMS lists every other file).
FILES = [
    ("entries.csv", "text/csv; charset=utf-8", "Entries, one row each (the atlas CSV export)."),
    ("entries.geojson", "application/geo+json", "Entries as points at their country's centroid."),
    ("entries.jsonld", "application/ld+json", "Entries as a schema.org Dataset in JSON-LD."),
    ("codebook.md", "text/markdown; charset=utf-8", "The codebook as it stood."),
    (
        "value-citations.csv",
        "text/csv; charset=utf-8",
        "Where each coded value came from: one row per value citation of an entry.",
    ),
    (
        "agreement.csv",
        "text/csv; charset=utf-8",
        "Coder agreement (Krippendorff's alpha with a bootstrap interval) per coded field.",
    ),
    ("CHANGELOG.md", "text/markdown; charset=utf-8", "What changed since the previous release."),
    ("CITATION.cff", "text/yaml; charset=utf-8", "How to cite this release (CFF 1.2.0)."),
    (".zenodo.json", "application/json", "Metadata for a Zenodo deposit."),
    ("datapackage.json", "application/json", "A Frictionless Data Package of the files."),
    ("SHA256SUMS", "text/plain; charset=utf-8", "SHA-256 of every other file."),
]
FILE_NAMES = [name for name, _type, _description in FILES]
MEDIA_TYPES = {name: media_type for name, media_type, _description in FILES}

# Columns of the CSV files with a type other than text (Table Schema); others are strings.
CSV_TYPES = {
    "entries.csv": {
        "id": "integer",
        "start_year": "integer",
        "end_year": "integer",
        "version": "integer",
        "supranational": "boolean",
    },
    "value-citations.csv": {"entry_id": "integer", "since_version": "integer"},
    "agreement.csv": {
        "alpha": "number",
        "ci_low": "number",
        "ci_high": "number",
        "n_units": "integer",
        "n_coders": "integer",
        "n_values": "integer",
    },
}
PRIMARY_KEYS = {"entries.csv": ["id"], "agreement.csv": ["field"]}


def release_url(release: Release) -> str:
    return absolute_url(release.get_absolute_url())


def _orcid_url(orcid: str) -> str:
    return f"https://orcid.org/{orcid}" if orcid else ""


class Authors:
    """Everyone credited on an entry of the release, gathered record by record (one pass
    over the snapshot): once per (public name, ORCID iD)."""

    def __init__(self):
        self._people: dict[tuple[str, str], dict] = {}

    def add(self, record: dict) -> None:
        for person in record["contributors"]:
            key = (person["name"], person["orcid"])
            if key not in self._people:
                self._people[key] = {"name": person["name"], "orcid": person["orcid"]}

    def sorted(self) -> list[dict]:
        return sorted(
            self._people.values(), key=lambda p: (p["name"].casefold(), p["name"], p["orcid"])
        )


def authors(records: Iterable[dict]) -> list[dict]:
    """Everyone credited on an entry of the release, once, by public name (sorted), with
    their ORCID iD where their profile has one."""
    people = Authors()
    for record in records:
        people.add(record)
    return people.sorted()


# --- Entries ---------------------------------------------------------------------------------


# Each entries file is a head, the entries' parts (from the snapshot, in file order) and a
# tail. ``EntryFile`` writes one piece by piece as a cut's single pass over the snapshot
# feeds it; ``entries_csv`` and the others give the same text from an iterable.


def _entries_csv_head(release: Release) -> str:
    return release.csv_header


def _entries_geojson_head(release: Release) -> str:
    head = {
        "type": "FeatureCollection",
        "name": DATASET_TITLE,
        "version": release.version,
        "licence": LICENCE_NAME,
        "licence_url": LICENCE_URL,
        "citation": citation.apa_at_build(release),
    }
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['


def _entries_jsonld_head(release: Release) -> str:
    url = release_url(release)
    head = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": url,
        "url": url,
        "name": DATASET_TITLE,
        "version": release.version,
        "datePublished": release.date_released.isoformat(),
        "description": DESCRIPTION,
        "license": LICENCE_URL,
        "creditText": citation.apa_at_build(release),
    }
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "hasPart": ['


# name: (head, snapshot column, items joined as a JSON array?, tail)
_ENTRY_FILES = {
    "entries.csv": (_entries_csv_head, "csv_row", False, ""),
    "entries.geojson": (_entries_geojson_head, "geojson", True, "\n]}\n"),
    "entries.jsonld": (_entries_jsonld_head, "jsonld", True, "\n]}\n"),
}
ENTRY_FILE_COLUMNS = {name: spec[1] for name, spec in _ENTRY_FILES.items()}


class EntryFile:
    """One entries file written as the snapshot passes: ``head()``, then ``item(part)``
    per entry in file order, then ``tail()``; each returns the text to append."""

    def __init__(self, release: Release, name: str):
        self._head, self.column, self._array, self._tail = _ENTRY_FILES[name]
        self._release = release
        self._count = 0

    def head(self) -> str:
        return self._head(self._release)

    def item(self, part: str) -> str:
        self._count += 1
        if not self._array:
            return part
        return (",\n" if self._count > 1 else "\n") + part

    def tail(self) -> str:
        return self._tail


def _entry_file(release: Release, name: str, parts: Iterable[str]) -> Iterator[str]:
    writer = EntryFile(release, name)
    yield writer.head()
    for part in parts:
        yield writer.item(part)
    yield writer.tail()


def entries_csv(release: Release, rows: Iterable[str]) -> Iterator[str]:
    return _entry_file(release, "entries.csv", rows)


def entries_geojson(release: Release, features: Iterable[str]) -> Iterator[str]:
    return _entry_file(release, "entries.geojson", features)


def entries_jsonld(release: Release, parts: Iterable[str]) -> Iterator[str]:
    return _entry_file(release, "entries.jsonld", parts)


# --- Coding (apps/coding/releases.py, kept in the snapshot) ------------------------------------


class ValueCitationsFile:
    """``value-citations.csv`` written as the snapshot passes: ``head()``, then
    ``item(record)`` per entry in file order (a snapshot record), then ``tail()``."""

    def __init__(self):
        self._out = io.StringIO()
        self._writer = csv_safe.DictWriter(self._out, fieldnames=coding_releases.CITATION_COLUMNS)

    def _take(self) -> str:
        text = self._out.getvalue()
        self._out.seek(0)
        self._out.truncate()
        return text

    def head(self) -> str:
        self._writer.writeheader()
        return self._take()

    def item(self, record: dict) -> str:
        citations = record.get("citations")
        if not citations:
            return ""
        self._writer.writerows(coding_releases.citation_rows(record["id"], citations))
        return self._take()

    def tail(self) -> str:
        return ""


def value_citations_csv(records: Iterable[dict]) -> Iterator[str]:
    """One row per value citation, entries in file order (``records``: snapshot records)."""
    writer = ValueCitationsFile()
    yield writer.head()
    for record in records:
        yield writer.item(record)
    yield writer.tail()


def agreement_csv(release: Release) -> Iterator[str]:
    yield (
        release.coding.get("agreement_csv") or ",".join(coding_releases.AGREEMENT_COLUMNS) + "\r\n"
    )


def _coding_notes(release: Release) -> Iterator[str]:
    lines = release.coding.get("notes") or []
    if lines:
        yield "\n### Coding\n\n"
        yield from (f"- {line}\n" for line in lines)


# --- Codebook and changelog --------------------------------------------------------------------


def codebook_md(release: Release) -> Iterator[str]:
    book = release.codebook
    yield f"# Codebook — {DATASET_TITLE}, version {release.version}\n\n"
    yield f"{book.get('unknown', '')}\n\n## Categories\n\n"
    for category in book.get("categories", []):
        description = f": {category['description']}" if category["description"] else ""
        yield f"- **{category['name']}** (`{category['slug']}`){description}\n"
    for dimension in book.get("dimensions", []):
        kind = "several values" if dimension["multiple"] else "one value"
        yield f"\n## {dimension['label']} (`{dimension['name']}`, {kind})\n\n"
        yield f"{dimension['question']}\n\n"
        for value in dimension["values"]:
            yield f"- `{value['value']}` — **{value['label']}**: {value['definition']}\n"


def _show(value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value).replace("\n", " ")
    return text if len(text) <= 120 else text[:119] + "…"


def _line(record: dict) -> str:
    place = record["country"] or record["scope"]
    return f"[#{record['id']}]({record['url']}) {record['title']} ({place}, {record['category']})"


def _list_changes(before: list, after: list, what: str) -> list[str]:
    if before == after:
        return []
    removed = len([item for item in before if item not in after])
    added = len([item for item in after if item not in before])
    parts = []
    if added:
        parts.append(f"{added} added")
    if removed:
        parts.append(f"{removed} removed")
    if not parts:
        parts.append("reordered or edited")
    return [f"{what}: {', '.join(parts)}"]


def record_changes(before: dict, after: dict, fields: Iterable[str]) -> list[str]:
    """One line per field that differs: "lifecycle: pilot → active"."""
    lines = [
        f"{name}: {_show(before.get(name))} → {_show(after.get(name))}"
        for name in fields
        if before.get(name) != after.get(name)
    ]
    lines += _list_changes(before["evidence"], after["evidence"], "evidence")
    lines += _list_changes(before["passages"], after["passages"], "passage links")
    # Releases frozen before lifecycle events existed have no key: read as none.
    lines += _list_changes(
        before.get("lifecycle_events", []), after.get("lifecycle_events", []), "lifecycle changes"
    )
    lines += _list_changes(
        [p["name"] for p in before["contributors"]],
        [p["name"] for p in after["contributors"]],
        "contributors",
    )
    return lines


def changelog_md(
    release: Release, pairs: Iterable[tuple[dict | None, dict | None]], fields: Iterable[str]
) -> Iterator[str]:
    """``pairs``: (record in the previous release, record in this one) per entry id,
    either side None when the entry is new or gone. Added, changed field by field and
    withdrawn entries, each section in entry id order."""
    fields = tuple(fields)
    yield f"# Changelog — {DATASET_TITLE}\n\n## {release.version} ({release.date_released})\n\n"
    if release.previous is None:
        yield f"First release: {release.entry_count} entries.\n"
        yield from _coding_notes(release)
        return
    yield f"Compared with {release.previous.version} ({release.previous.date_released}).\n"
    added, changed, withdrawn = [], [], []
    for before, after in pairs:
        if before is None:
            added.append(f"- {_line(after)}\n")
        elif after is None:
            withdrawn.append(f"- {_line(before)}\n")
        else:
            lines = record_changes(before, after, fields)
            if lines:
                changed.append(f"- {_line(after)}\n" + "".join(f"  - {line}\n" for line in lines))
    for heading, items in (("Added", added), ("Changed", changed), ("Withdrawn", withdrawn)):
        yield f"\n### {heading} ({len(items)})\n\n"
        yield from items or ["None.\n"]
    yield from _coding_notes(release)


# --- Citation and deposit metadata -------------------------------------------------------------


def citation_cff(release: Release, people: list[dict]) -> Iterator[str]:
    cff_authors = [
        {"name": p["name"], **({"orcid": _orcid_url(p["orcid"])} if p["orcid"] else {})}
        for p in people
    ] or [{"name": GROUP_AUTHOR}]
    document = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": DATASET_TITLE,
        "abstract": f"{release.title}. {DESCRIPTION}",
        "version": release.version,
        "date-released": release.date_released.isoformat(),
        "authors": cff_authors,
        "license": SPDX_LICENCE,
        "url": release_url(release),
        "repository": absolute_url("/api/releases/"),
        "keywords": ["social credit", "scoring", "comparative dataset", "surveillance"],
    }
    yield yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000)


def zenodo_json(release: Release, people: list[dict]) -> Iterator[str]:
    creators = [
        {"name": p["name"], **({"orcid": p["orcid"]} if p["orcid"] else {})} for p in people
    ] or [{"name": GROUP_AUTHOR}]
    document = {
        "upload_type": "dataset",
        "title": f"{DATASET_TITLE} (version {release.version})",
        "version": release.version,
        "publication_date": release.date_released.isoformat(),
        "description": release.notes_html or release.title,
        "creators": creators,
        "license": SPDX_LICENCE.lower(),
        "access_right": "open",
        "keywords": ["social credit", "scoring", "comparative dataset", "surveillance"],
        "related_identifiers": [
            {"identifier": release_url(release), "relation": "isAlternateIdentifier"}
        ],
        "notes": f"{release.title}. Licence: {LICENCE_NAME}.",
    }
    yield json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _csv_columns(release: Release, name: str) -> list[str]:
    if name == "value-citations.csv":
        return list(coding_releases.CITATION_COLUMNS)
    if name == "agreement.csv":
        return list(coding_releases.AGREEMENT_COLUMNS)
    return [column.strip() for column in release.csv_header.strip().split(",")]


def datapackage_json(release: Release, built: dict[str, tuple[int, str]]) -> Iterator[str]:
    """``built``: name → (size, sha256) of the files written before this one."""
    descriptions = {name: description for name, _type, description in FILES}
    resources = []
    for name, (size, sha256) in built.items():
        media_type = MEDIA_TYPES[name].split(";")[0]
        resource = {
            "name": name.lstrip(".").lower().replace("_", "-"),
            "path": name,
            "title": descriptions[name],
            "mediatype": media_type,
            "bytes": size,
            "hash": f"sha256:{sha256}",
        }
        if name in CSV_TYPES:
            types = CSV_TYPES[name]
            schema: dict = {
                "fields": [
                    {"name": column, "type": types.get(column, "string")}
                    for column in _csv_columns(release, name)
                ]
            }
            if name in PRIMARY_KEYS:
                schema["primaryKey"] = PRIMARY_KEYS[name]
            resource.update(
                {
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "encoding": "utf-8",
                    "schema": schema,
                }
            )
        else:
            resource["encoding"] = "utf-8"
        resources.append(resource)
    document = {
        "profile": "data-package",
        "name": "creditscape-atlas",
        "id": release_url(release),
        "title": DATASET_TITLE,
        "description": DESCRIPTION,
        "version": release.version,
        "created": (release.frozen_at or release.created_at).isoformat(),
        "homepage": release_url(release),
        "licenses": [{"name": SPDX_LICENCE, "path": LICENCE_URL, "title": LICENCE_NAME}],
        "contributors": [{"title": GROUP_AUTHOR, "role": "author"}],
        "resources": resources,
    }
    yield json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def sha256sums(built: dict[str, tuple[int, str]]) -> Iterator[str]:
    for name in sorted(built):
        yield f"{built[name][1]}  {name}\n"
