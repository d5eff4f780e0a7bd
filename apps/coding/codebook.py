"""The coded fields of an entry, as the coding app sees them: name, label, level of
measurement (nominal for choices, interval for years), allowed values. The first codebook
version is built from the atlas codebook (apps/atlas/codebook.py) and the model's
choices; later versions are stored (models.CodebookVersion) and change only with a reason.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.atlas.codebook import DIMENSIONS, UNKNOWN_DEFINITION

NOMINAL = "nominal"
INTERVAL = "interval"

# The defaults: the values readers most often need to check at the source.
DEFAULT_REQUIRED_CITATIONS = ["legal_basis", "consequences", "contestable"]

YEAR_FIELDS = {
    "start_year": _("Start year"),
    "end_year": _("End year"),
}

MULTIPLE = {dimension["name"] for dimension in DIMENSIONS if dimension["multiple"]}


def coded_fields() -> list[str]:
    """Every field a coder fills and a citation may back, in codebook order."""
    return [dimension["name"] for dimension in DIMENSIONS] + list(YEAR_FIELDS)


def field_labels() -> dict[str, str]:
    labels = {dimension["name"]: str(dimension["label"]) for dimension in DIMENSIONS}
    labels.update({name: str(label) for name, label in YEAR_FIELDS.items()})
    return labels


def initial_dimensions() -> list[dict]:
    """Codebook version 1: the atlas codebook as shipped."""
    rows = []
    for dimension in DIMENSIONS:
        rows.append(
            {
                "name": dimension["name"],
                "label": str(dimension["label"]),
                "level": NOMINAL,
                "multiple": dimension["multiple"],
                "allowed": list(dimension["choices"].values),
                "definitions": {
                    value: str(dimension["values"].get(value, UNKNOWN_DEFINITION))
                    for value in dimension["choices"].values
                },
            }
        )
    for name, label in YEAR_FIELDS.items():
        rows.append(
            {
                "name": name,
                "label": str(label),
                "level": INTERVAL,
                "multiple": False,
                "allowed": [],
                "definitions": {},
            }
        )
    return rows


def model_choices() -> dict[str, list[str]]:
    """The values the database can hold per field: a codebook version may narrow them
    (and define them), never add to them."""
    return {dimension["name"]: list(dimension["choices"].values) for dimension in DIMENSIONS}
