"""What the coding app adds to the user pages (apps/search/activity.py): a private
fragment with the coder's agreement with the reconciled values."""

from __future__ import annotations

from django.urls import reverse


def agreement_fragment(user) -> str:
    return reverse("coding:coder_agreement_fragment", args=[user.username])


PERSONAL_FRAGMENTS = [agreement_fragment]
