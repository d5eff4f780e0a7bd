import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ORCID_PATTERN = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2 check digit, as ORCID documents it."""
    digits = orcid.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    result = (12 - total % 11) % 11
    expected = "X" if result == 10 else str(result)
    return digits[-1] == expected


def normalize_orcid(value: str) -> str:
    value = (value or "").strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    return value.upper()


def validate_orcid(value: str) -> None:
    if not value:
        return
    if not ORCID_PATTERN.match(value):
        raise ValidationError(
            _("An ORCID iD looks like 0000-0002-1825-0097 (four groups of four, last may be X)."),
            code="orcid_format",
        )
    if not orcid_checksum_ok(value):
        raise ValidationError(
            _("This ORCID iD has a wrong check digit; please copy it again from orcid.org."),
            code="orcid_checksum",
        )
