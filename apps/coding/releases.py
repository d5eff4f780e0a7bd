"""What a release of the atlas takes from the coding app (ADR 0011): ``agreement.csv``,
each entry's value citations, the codebook version it was made under, and lines for the
release notes. Pure reads; the releases code (another package) calls these at freezing
time and keeps what they return, the coding app never imports it."""

from __future__ import annotations

import io

from apps.common import csv_safe

from . import representation, selectors

AGREEMENT_COLUMNS = [
    "field", "level", "alpha", "ci_low", "ci_high", "n_units", "n_coders", "n_values",
]  # fmt: skip


# value-citations.csv: one row per public value citation of an entry in the release.
CITATION_COLUMNS = [
    "entry_id", "field", "evidence_title", "source", "source_version", "anchor", "quote",
    "note", "since_version",
]  # fmt: skip


def codebook_number() -> int:
    """The number of the coding codebook version in force."""
    return selectors.current_codebook().number


def citation_records(example) -> list[dict]:
    """The entry's public value citations as JSON-ready dicts (the API's shape), from the
    citations its detailed queryset prefetched (no query in a list)."""
    return [representation.citation_json(c) for c in selectors.public_citations(example)]


def citation_rows(entry_id: int, records: list[dict]) -> list[dict]:
    """``citation_records`` output as rows of ``value-citations.csv``."""
    rows = []
    for record in records:
        passage = record.get("passage") or {}
        rows.append(
            {
                "entry_id": entry_id,
                "field": record["field"],
                "evidence_title": record.get("evidence_title") or "",
                "source": passage.get("source", ""),
                "source_version": passage.get("version", ""),
                "anchor": passage.get("anchor", ""),
                "quote": record.get("quote") or "",
                "note": record.get("note") or "",
                "since_version": record.get("since_version") or "",
            }
        )
    return rows


def agreement_csv(*, country: str | None = None) -> str:
    """``agreement.csv``: one row per coded field (alpha empty when undefined)."""
    out = io.StringIO()
    writer = csv_safe.DictWriter(out, fieldnames=AGREEMENT_COLUMNS)
    writer.writeheader()
    for row in selectors.agreement_for(country=country):
        data = row.as_json()
        ci = data.pop("ci") or [None, None]
        writer.writerow({**data, "ci_low": ci[0], "ci_high": ci[1]})
    return out.getvalue()


def release_notes_lines(*, since_codebook: int | None = None) -> list[str]:
    """The codebook version in force, the changes since ``since_codebook`` (the previous
    release's), and one line of agreement per field with enough data."""
    current = selectors.current_codebook()
    lines = [f"Codebook version {current.number}."]
    for version in selectors.codebook_versions():
        if since_codebook is not None and version.number > since_codebook:
            lines.append(f"Codebook change (version {version.number}): {version.reason}")
    rated = [r for r in selectors.agreement_for() if r.alpha is not None]
    if rated:
        lines.append(
            "Coder agreement (Krippendorff's alpha): "
            + "; ".join(f"{r.field} {r.alpha:.2f} (N={r.n_units})" for r in rated)
            + "."
        )
    return lines
