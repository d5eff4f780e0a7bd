"""Every CSV the site writes goes through here: spreadsheets run a cell that starts with
``=``, ``+``, ``-`` or ``@`` (and, in some, tab or carriage return) as a formula, so an
entry titled ``=HYPERLINK("https://evil.example", "Click")`` would become a live link, or
worse, in a scholar's spreadsheet. OWASP's advice (CSV Injection): prefix such a cell
with an apostrophe, which spreadsheets show as text and do not display.

Use :func:`writer` or :class:`DictWriter` instead of the ``csv`` module's: they defuse
every cell. Numbers, booleans and ``None`` are written as they are (they cannot carry a
formula); everything else is written as text, defused.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def defuse_cell(value: Any) -> Any:
    """The cell to write for ``value``: text that a spreadsheet would run as a formula
    gets a leading apostrophe; numbers, booleans and ``None`` are left alone."""
    if type(value) is str:  # the common case first
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _SafeWriter:
    """A ``csv.writer`` whose rows are defused cell by cell."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([defuse_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(file, **options) -> _SafeWriter:
    """Like ``csv.writer(file)``; every cell is defused (``writerow`` returns what the
    file's ``write`` returned, so a pass-through "echo" file streams rows)."""
    return _SafeWriter(file, **options)


class DictWriter(csv.DictWriter):
    """Like ``csv.DictWriter``; every value is defused (the header row is ours)."""

    def writerow(self, rowdict: Mapping[str, Any]):
        # csv.DictWriter's own checks and order, with each cell defused on the way: one
        # list per row instead of a defused copy of the dict and then the list.
        if self.extrasaction == "raise":
            wrong_fields = rowdict.keys() - self.fieldnames
            if wrong_fields:
                raise ValueError(
                    "dict contains fields not in fieldnames: "
                    + ", ".join([repr(x) for x in wrong_fields])
                )
        get, restval = rowdict.get, self.restval
        return self.writer.writerow([defuse_cell(get(key, restval)) for key in self.fieldnames])

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


class Echo:
    """A file whose ``write`` returns its argument: ``writer(Echo()).writerow(row)`` is
    the row's CSV text, for streaming responses."""

    def write(self, value: str) -> str:
        return value
