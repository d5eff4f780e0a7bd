"""Comparing systems: 2–4 published entries side by side across every codebook dimension
(/atlas/compare/?entries=12,40,7 and its CSV and JSON). Country comparison is the rest of
the aggregates package; this compares entries, one column each.

Each cell carries the entry's value and points at what backs it: a codebook value its
citations (evidence or passage, quote and note, as on the entry's page, or "uncited"),
any other cell the entry's evidence and linked passages (listed in the last rows), so a
reader can check any cell. A row whose values differ between the entries is marked."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.common.validators import as_id

from .. import extensions
from ..codebook import DIMENSIONS as CODEBOOK_DIMENSIONS
from ..entries.selectors import published_examples, with_details
from ..models import Example

MIN_ENTRIES = 2
MAX_ENTRIES = 4
CODEBOOK_NAMES = {d["name"] for d in CODEBOOK_DIMENSIONS}


def parse_entry_ids(values: list[str]) -> list[int]:
    """Ids from ``?entries=12,40,7`` (or ``entries=12&entries=40``, as the table's
    checkboxes send them): distinct, in the order given, 2 to 4. ValidationError with a
    message a reader can act on otherwise."""
    ids: list[int] = []
    for value in values:
        for piece in str(value).replace(";", ",").split(","):
            piece = piece.strip()
            if not piece:
                continue
            entry_id = as_id(piece)
            if entry_id is None:
                raise ValidationError(
                    _("“%(value)s” is not an entry number.") % {"value": piece[:30]}
                )
            if entry_id not in ids:
                ids.append(entry_id)
    if len(ids) < MIN_ENTRIES:
        raise ValidationError(_("Choose at least 2 entries to compare."))
    if len(ids) > MAX_ENTRIES:
        raise ValidationError(_("Compare at most %(n)s entries at once.") % {"n": MAX_ENTRIES})
    return ids


def entries_for_comparison(*, ids: list[int]) -> list[Example]:
    """The published entries with these ids, in that order, with their evidence and
    passages (a fixed number of queries). ValidationError naming any id that is not a
    published entry: a comparison never silently drops a column."""
    found = {e.pk: e for e in with_details(published_examples().filter(pk__in=ids))}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError(
            ngettext(
                "Entry %(ids)s is not a published entry.",
                "Entries %(ids)s are not published entries.",
                len(missing),
            )
            % {"ids": ", ".join(missing)}
        )
    return [found[i] for i in ids]


@dataclass
class Cell:
    values: list[str]
    # Not shown on the page: machine values for the JSON (codes, slugs, numbers).
    raw: object = None
    # The entry whose value this is (the page links the cell to its evidence).
    example: Example | None = None
    # A codebook value's citations, one part per coded field ("years": start and end):
    # [{"field", "label", "cites"}]; None for rows nothing cites (country, region…) or
    # when no app cites values. The page shows them as on the entry's own page.
    cites: list[dict] | None = None


@dataclass
class Row:
    name: str
    label: str
    cells: list[Cell]
    codebook: bool = False
    differs: bool = field(init=False)

    def __post_init__(self):
        self.differs = len({tuple(c.values) for c in self.cells}) > 1


def _values(example: Example, name: str) -> Cell:
    if name == "country":
        return Cell([f"{example.place_name} ({example.place_code})"], example.place_code)
    if name == "region":
        return Cell([example.region] if example.region else [], example.region)
    if name == "category":
        return Cell([example.category.name], example.category.slug)
    if name == "years":
        return Cell(
            [example.years_display],
            {"start_year": example.start_year, "end_year": example.end_year},
        )
    if name == "legal_note":
        return Cell([example.legal_note] if example.legal_note else [], example.legal_note)
    if name == "data_sources":
        return Cell(example.data_sources_display(), list(example.data_sources))
    if name == "consequences":
        return Cell(example.consequences_display(), list(example.consequences))
    return Cell([str(getattr(example, f"get_{name}_display")())], getattr(example, name))


def _cell(example: Example, name: str, citations: dict[str, list] | None) -> Cell:
    cell = _values(example, name)
    cell.example = example
    if citations is not None and (name in CODEBOOK_NAMES or name == "years"):
        parts = (
            [("start_year", _("start")), ("end_year", _("end"))]
            if name == "years"
            else [(name, "")]
        )
        cell.cites = [
            {"field": field, "label": label, "cites": citations.get(field, [])}
            for field, label in parts
        ]
    return cell


def _label(name: str) -> str:
    if name == "years":
        return _("Years")
    return str(Example._meta.get_field(name).verbose_name).capitalize()


# Every codebook dimension, in the codebook's order, framed by where and when.
ROW_NAMES = (
    "country", "region", "category",
    *(d["name"] for d in CODEBOOK_DIMENSIONS),
    "legal_note", "years",
)  # fmt: skip


def comparison_rows(examples: list[Example]) -> list[Row]:
    # Prefetched with the entries (with_details): no query per cell.
    citations = [extensions.value_citations(e) for e in examples]
    return [
        Row(
            name=name,
            label=_label(name),
            cells=[_cell(e, name, cites) for e, cites in zip(examples, citations, strict=True)],
            codebook=name in CODEBOOK_NAMES,
        )
        for name in ROW_NAMES
    ]


def _cell_json(cell: Cell, absolute) -> dict:
    data = {"value": cell.raw, "label": cell.values}
    if cell.cites is not None:  # a codebook value: its citations, [] when uncited
        data["citations"] = [
            extensions.citation_json(c, absolute) for part in cell.cites for c in part["cites"]
        ]
    return data


def comparison_json(examples: list[Example], rows: list[Row], *, absolute) -> dict:
    """The comparison as data: per entry its id, title, address and evidence, and per
    dimension each entry's value (machine value and label, and a codebook value's
    citations) and whether they differ."""
    return {
        "entries": [
            {
                "id": e.pk,
                "title": e.title,
                "url": absolute(e.get_absolute_url()),
                "evidence": [
                    {
                        "title": item.title,
                        "url": absolute(item.link) if item.link.startswith("/") else item.link,
                        "publisher": item.publisher,
                        "published": item.published.isoformat() if item.published else None,
                    }
                    for item in e.evidence.all()
                ],
                "passages": [
                    {
                        "source": link.passage.document.source.slug,
                        "version": link.passage.document.version,
                        "anchor": link.passage.html_id,
                        "url": absolute(
                            f"{link.passage.document.get_absolute_url()}#{link.passage.html_id}"
                        ),
                        "relation": link.relation,
                    }
                    for link in e.passage_links.all()
                ],
            }
            for e in examples
        ],
        "dimensions": [
            {
                "name": row.name,
                "label": row.label,
                "differs": row.differs,
                "values": [_cell_json(c, absolute) for c in row.cells],
            }
            for row in rows
        ],
    }
