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
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    email_notifications = models.BooleanField(
        _("email me about replies and mentions"), default=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        return self.display_name or self.username
