"""Reading an import file: CSV text → one ParsedRow per line, with the row number a
spreadsheet shows (the header is row 1) and every problem found while reading it.

Accepts the atlas's own CSV export as it is (evidence_json, passage_links_json; the
apostrophe the export puts before formula-like cells is taken off again) and simpler
spreadsheets: one evidence item from evidence_title / evidence_url / evidence_publisher /
evidence_date, countries and categories by name or code, lists separated by ";".
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from apps.common.countries import country_code
from apps.common.csv_safe import FORMULA_PREFIXES
from apps.common.validators import as_id
from apps.sources.models import Passage

from ..dimensions import Scope
from ..entries.data import EvidenceData, ExampleData, PassageLinkData
from ..lifecycle.services import LifecycleEventData
from ..models import Category
from .cells import json_objects
from .credits import parse_credits

MAX_ROWS = 20_000
MAX_CELL = 20_000
REQUIRED = ("title", "summary", "country", "category")
ENTRY_FIELDS = (
    "title", "summary", "country", "category", "region", "operator", "scored", "data_sources",
    "consequences", "transparency", "contestable", "legal_basis", "legal_note", "lifecycle",
    "start_year", "end_year", "confidence",
)  # fmt: skip
EVIDENCE_FIELDS = ("evidence_title", "evidence_url", "evidence_publisher", "evidence_date")
OPTIONAL_FIELDS = ("evidence_json", "passage_links_json", "lifecycle_events_json",
                   "contributors_json", *EVIDENCE_FIELDS)  # fmt: skip
# What a mapping may point at: our column names.
MAPPABLE = (*ENTRY_FIELDS, *OPTIONAL_FIELDS)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV, no header, too many rows)."""


@dataclass
class ParsedRow:
    number: int
    data: ExampleData | None = None
    evidence: list[EvidenceData] = field(default_factory=list)
    passages: list[PassageLinkData] = field(default_factory=list)
    lifecycle_events: list[LifecycleEventData] = field(default_factory=list)
    # [{"name", "orcid", "role"}] from contributors_json (credits.py says who is who).
    credits: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    title: str = ""


def _undefuse(value: str) -> str:
    """The export prefixes formula-like cells with an apostrophe (apps/common/csv_safe.py);
    the cell's own text is what follows it."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def read_table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """(headers, rows as {header: cell}). ImportFileError if it is not a CSV table."""
    text = (text or "").lstrip("\ufeff").replace("\x00", "")
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    try:
        sniffed = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    else:
        # Only the delimiter is guessed: the Sniffer also guesses "no doubled quotes"
        # from a sample whose JSON cells hold "" (an empty string), and then reads
        # every such cell wrongly. Spreadsheets and our export always double quotes.
        class dialect(csv.excel):  # noqa: N801 - a csv dialect is a class
            delimiter = sniffed.delimiter

    csv.field_size_limit(MAX_CELL * 4)
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        headers = [h.strip() for h in next(reader)]
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                rows.append(None)  # keeps row numbers right
                continue
            rows.append({h: _undefuse(c) for h, c in zip(headers, cells, strict=False)})
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(n)s rows: split it.") % {"n": f"{MAX_ROWS:,}"}
                )
    except csv.Error as exc:
        raise ImportFileError(_("The file is not readable as CSV: %(e)s") % {"e": exc}) from exc
    return headers, rows


def suggested_mapping(headers: list[str]) -> dict[str, str]:
    """Our column → their header, where a header is ours (any case, spaces for
    underscores)."""
    normalised = {h.strip().lower().replace(" ", "_"): h for h in headers}
    return {name: normalised[name] for name in MAPPABLE if name in normalised}


def missing_required(mapping: dict[str, str]) -> list[str]:
    return [name for name in REQUIRED if not mapping.get(name)]


def _list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.replace(",", ";").split(";") if v.strip())


def _year(value: str, label: str, errors: list[str]) -> int | None:
    value = value.strip()
    if not value:
        return None
    year = as_id(value)
    if year is None or year > 9999:
        errors.append(
            _("%(field)s: “%(value)s” is not a year.") % {"field": label, "value": value[:20]}
        )
        return None
    return year


def _date(value, label: str, errors: list[str]) -> datetime.date | None:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.append(
            _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD).")
            % {"field": label, "value": str(value)[:20]}
        )
        return None


class RowReader:
    """Reads rows with one lookup of categories and sources for the whole file."""

    def __init__(self, mapping: dict[str, str]):
        self.mapping = mapping
        categories = list(Category.objects.values_list("slug", "name"))
        self.categories = {slug: slug for slug, _name in categories}
        self.categories.update({name.lower(): slug for slug, name in categories})
        self._passages: dict[tuple, int | None] = {}
        self._places: dict[str, str] = {}

    def cell(self, row: dict[str, str], name: str) -> str:
        header = self.mapping.get(name)
        value = row.get(header, "") if header else ""
        return (value or "")[:MAX_CELL].strip()

    def passage_id(self, source: str, version, anchor: str) -> int | None:
        key = (source, version, anchor)
        if key not in self._passages:
            qs = Passage.objects.filter(document__source__slug=source, anchor=anchor)
            if version not in (None, ""):
                qs = qs.filter(document__version=as_id(version))
            self._passages[key] = (
                qs.order_by("-document__version").values_list("pk", flat=True).first()
            )
        return self._passages[key]

    def read(self, number: int, row: dict[str, str]) -> ParsedRow:
        parsed = ParsedRow(number=number, title=self.cell(row, "title"))
        errors = parsed.errors
        # Names become codes and slugs here; what matches nothing is left for the entry
        # validation to report, in the same words as the form.
        country_text = self.cell(row, "country")
        if country_text not in self._places:  # names are looked up once per file
            self._places[country_text] = (
                country_code(country_text, extra=dict(Scope.choices)) if country_text else ""
            )
        country = self._places[country_text]
        category_text = self.cell(row, "category")
        category = self.categories.get(category_text) or self.categories.get(category_text.lower())
        values = {name: self.cell(row, name) for name in ENTRY_FIELDS}
        for name in ("operator", "scored", "transparency", "contestable", "legal_basis",
                     "lifecycle", "confidence"):  # fmt: skip
            if not values[name]:
                values.pop(name)
        data_sources = _list(values.pop("data_sources"))
        consequences = _list(values.pop("consequences"))
        start = _year(values.pop("start_year"), _("start year"), errors)
        end = _year(values.pop("end_year"), _("end year"), errors)
        values.update(country=country or country_text, category=category or category_text)
        parsed.data = ExampleData(
            **values,
            **({"data_sources": data_sources} if data_sources else {}),
            **({"consequences": consequences} if consequences else {}),
            start_year=start,
            end_year=end,
        )
        parsed.evidence = self._evidence(row, errors)
        parsed.passages = self._passages_of(row, errors)
        parsed.lifecycle_events = self._lifecycle_events(row, errors)
        parsed.credits = parse_credits(self.cell(row, "contributors_json"), errors)
        return parsed

    def _lifecycle_events(self, row, errors) -> list[LifecycleEventData]:
        """Dated lifecycle changes (the export's lifecycle_events_json); each is checked
        by the lifecycle services' rules with the rest of the row."""
        raw = self.cell(row, "lifecycle_events_json")
        if not raw:
            return []
        items = json_objects(
            raw, errors, _("lifecycle_events_json is not a JSON list of lifecycle changes.")
        )
        if items is None:
            return []
        return [LifecycleEventData.from_json(item) for item in items]

    def _evidence(self, row, errors) -> list[EvidenceData]:
        raw = self.cell(row, "evidence_json")
        if raw:
            items = json_objects(
                raw, errors, _("evidence_json is not a JSON list of evidence objects.")
            )
            if items is None:
                return []
            result = []
            for index, item in enumerate(items, start=1):
                label = _("Evidence %(n)s") % {"n": index}
                source_id = None
                if item.get("source"):
                    from apps.sources.models import Source

                    source_id = (
                        Source.objects.filter(slug=str(item["source"]))
                        .values_list("pk", flat=True)
                        .first()
                    )
                    if source_id is None:
                        errors.append(
                            _("%(label)s: no hosted source “%(slug)s” here.")
                            % {"label": label, "slug": str(item["source"])[:60]}
                        )
                result.append(
                    EvidenceData(
                        title=str(item.get("title") or ""),
                        url=str(item.get("url") or ""),
                        doi=str(item.get("doi") or ""),
                        publisher=str(item.get("publisher") or ""),
                        published=_date(item.get("published"), label, errors),
                        accessed=_date(item.get("accessed"), label, errors),
                        page=str(item.get("page") or ""),
                        quote=str(item.get("quote") or ""),
                        source_id=source_id,
                    )
                )
            return result
        title = self.cell(row, "evidence_title")
        url = self.cell(row, "evidence_url")
        if not (title or url):
            return []
        return [
            EvidenceData(
                title=title,
                url=url,
                publisher=self.cell(row, "evidence_publisher"),
                published=_date(self.cell(row, "evidence_date"), _("evidence date"), errors),
            )
        ]

    def _passages_of(self, row, errors) -> list[PassageLinkData]:
        raw = self.cell(row, "passage_links_json")
        if not raw:
            return []
        items = json_objects(
            raw, errors, _("passage_links_json is not a JSON list of passage links.")
        )
        if items is None:
            return []
        links = []
        for item in items:
            source, version, anchor = (
                str(item.get("source") or ""),
                item.get("version"),
                str(item.get("anchor") or ""),
            )
            passage_id = self.passage_id(source, version, anchor)
            if passage_id is None:
                errors.append(
                    _("No passage %(anchor)s in version %(version)s of “%(source)s” here.")
                    % {"anchor": anchor[:30], "version": str(version)[:10], "source": source[:60]}
                )
                continue
            links.append(
                PassageLinkData(
                    passage_id=passage_id,
                    relation=str(item.get("relation") or "comparable"),
                    note=str(item.get("note") or ""),
                    **_quote_of(item.get("quote")),
                )
            )
        return links


def _quote_of(value) -> dict:
    """The export's ``quote`` object -> PassageLinkData's quote fields; the import checks
    them against the version's text (validation.clean_passage_links) like any other."""
    if not isinstance(value, dict):
        return {}

    def number(key):
        item = value.get(key)
        return item if isinstance(item, int) and not isinstance(item, bool) else -1

    # A malformed position becomes -1, which the check refuses with a message.
    return {
        "quote": str(value.get("exact") or ""),
        "quote_start": number("start"),
        "quote_end": number("end"),
    }


def parse_rows(
    text: str, mapping: dict[str, str] | None = None
) -> tuple[list[str], dict, list[ParsedRow]]:
    """(headers, mapping used, parsed rows). The mapping defaults to the headers that are
    ours; ImportFileError when the file cannot be read or a required column is missing."""
    headers, rows = read_table(text)
    mapping = {k: v for k, v in (mapping or suggested_mapping(headers)).items() if v in headers}
    missing = missing_required(mapping)
    if missing:
        raise ImportFileError(
            _("Map these columns first: %(names)s.") % {"names": ", ".join(missing)}
        )
    reader = RowReader(mapping)
    parsed = [
        reader.read(number, row) for number, row in enumerate(rows, start=2) if row is not None
    ]
    return headers, mapping, parsed
