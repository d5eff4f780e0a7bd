"""Release version numbers: MAJOR.MINOR.PATCH (Semantic Versioning 2.0.0's core, without
pre-release or build parts: a release is final when it is cut)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# No leading zeros (SemVer §2); each part fits a PositiveIntegerField.
VERSION = re.compile(r"^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$")


def parse_version(value: str) -> tuple[int, int, int]:
    """``"1.2.0"`` → ``(1, 2, 0)``; ValidationError (on ``version``) for anything else."""
    match = VERSION.match(value or "")
    if not match:
        raise ValidationError(
            {
                "version": _(
                    "A version is three numbers separated by dots, without leading zeros, "
                    "e.g. 1.0.0."
                )
            }
        )
    return int(match[1]), int(match[2]), int(match[3])


def is_version(value: str) -> bool:
    return bool(VERSION.match(value or ""))
