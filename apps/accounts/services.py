from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import User
from .validators import normalize_orcid

PROFILE_FIELDS = ("display_name", "affiliation", "country", "orcid", "bio", "email_notifications")


@transaction.atomic
def profile_update(*, user: User, actor: User, **fields) -> User:
    """Update a user's profile. Only the user themself may do it."""
    from django.core.exceptions import PermissionDenied

    if actor.pk != user.pk:
        raise PermissionDenied("You can only edit your own profile.")
    for name, value in fields.items():
        if name not in PROFILE_FIELDS:
            raise ValueError(f"{name} is not a profile field")
        if name == "orcid":
            value = normalize_orcid(value)
        setattr(user, name, value)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def api_token_regenerate(*, user: User) -> Token:
    """Replace the user's API token (the old one stops working at once)."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def api_token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
