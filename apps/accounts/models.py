from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .validators import validate_orcid


class User(AbstractUser):
    """A person with an account. Profile fields live here: one row, no joins."""

    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    country = CountryField(_("home country"), blank=True)
    orcid = models.CharField(
        _("ORCID iD"), max_length=19, blank=True, validators=[validate_orcid],
        help_text=_("For example 0000-0002-1825-0097."),
    )  # fmt: skip
    # True only while ``orcid`` is the iD of an ORCID account they signed in or connected
    # with (apps/accounts/orcid.py); a typed-in iD is shown, but not as verified.
    orcid_verified = models.BooleanField(_("ORCID iD verified"), default=False)
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    email_notifications = models.BooleanField(
        _("email me about replies and mentions"), default=True
    )
    # The language their e-mails are written in: the last one they chose with the
    # header's switcher while signed in, or the one they signed up in (ADR 0012).
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        return self.display_name or self.username
