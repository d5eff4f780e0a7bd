import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_not_future_year(value: int | None) -> None:
    if value is not None and value > datetime.date.today().year + 1:
        raise ValidationError(_("The year cannot be in the future."), code="future_year")


def validate_not_future_date(value: datetime.date | None) -> None:
    """A publication date may be announced a little ahead (an issue dated next month),
    not years ahead: as the year, at most into next year."""
    if value is not None and value.year > datetime.date.today().year + 1:
        raise ValidationError(_("The date cannot be in the future."), code="future_date")


def as_id(value) -> int | None:
    """A whole number from client text (an id, a version, an ETag), or None: ASCII digits
    only, at most 18 of them (anything larger fits no database column). ``str.isdigit``
    alone is not enough: it accepts "²" (int() fails) and 10,000-digit strings (int()
    refuses more than 4,300 digits), both a 500 before this."""
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
