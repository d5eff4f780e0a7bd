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
    user.orcid_verified = bool(user.orcid) and _orcid_connected(user, user.orcid)
    user.full_clean()
    user.save()
    return user


def _orcid_connected(user: User, orcid: str) -> bool:
    from allauth.socialaccount.models import SocialAccount

    return SocialAccount.objects.filter(user=user, provider="orcid", uid=orcid).exists()


@transaction.atomic
def orcid_verified_set(*, user: User, orcid: str) -> User:
    """Record the iD of the ORCID account ``user`` just signed in or connected with as
    their verified iD (replacing a typed-in one). Called by allauth's hooks only
    (apps/accounts/orcid.py), after ORCID itself authenticated the person. An iD that is
    not a valid ORCID iD is refused (ValidationError) and nothing changes."""
    from django.core.exceptions import ValidationError

    from .validators import validate_orcid

    orcid = normalize_orcid(orcid)
    validate_orcid(orcid)
    if user.orcid == orcid and user.orcid_verified:
        return user
    if not orcid:
        raise ValidationError("empty ORCID iD")
    user.orcid, user.orcid_verified = orcid, True
    user.save(update_fields=["orcid", "orcid_verified"])
    return user


@transaction.atomic
def orcid_disconnected(*, user: User, orcid: str) -> None:
    """The ORCID account ``orcid`` was removed from ``user``: their iD stays on the
    profile (they may still want it shown) but is no longer shown as verified."""
    if user.orcid == normalize_orcid(orcid) and user.orcid_verified:
        user.orcid_verified = False
        user.save(update_fields=["orcid_verified"])


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
