"""What a release of the atlas takes from the coding app (ADR 0011): ``agreement.csv``,
the codebook version it was made under, and lines for the release notes. Pure reads;
the releases code (another package) calls these, the coding app never imports it."""

from __future__ import annotations

import io

from apps.common import csv_safe

from . import selectors

AGREEMENT_COLUMNS = [
    "field", "level", "alpha", "ci_low", "ci_high", "n_units", "n_coders", "n_values",
]  # fmt: skip


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
