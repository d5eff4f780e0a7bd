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


def user_language_set(*, user: User, language: str) -> bool:
    """Remember the interface language ``user`` chose, for what is sent to them later
    (e-mails). Ignores a language the site does not offer. Returns whether it changed.
    Writes only that column: a public page never shows it (accounts/apps.py ignores it)."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES) or user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True


def language_for(user: User) -> str:
    """The language to write to ``user`` in, when no request says it."""
    from django.conf import settings

    return user.language or settings.LANGUAGE_CODE


@transaction.atomic
def api_token_regenerate(*, user: User) -> Token:
    """Replace the user's API token (the old one stops working at once)."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def api_token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
