import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_not_future_year(value: int | None) -> None:
    if value is not None and value > datetime.date.today().year + 1:
        raise ValidationError(_("The year cannot be in the future."), code="future_year")
