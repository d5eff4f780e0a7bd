"""The comparative dimensions of an entry: the values each coded field may take (the
codebook at /atlas/codebook/ explains them), each allowing "unknown", and the
supranational scopes an entry may be about instead of a country."""

from __future__ import annotations

import functools

from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

UNKNOWN = "unknown"


class Scope(models.TextChoices):
    """Supranational scopes, shown apart from countries. Codes never clash with ISO
    3166-1 alpha-2 country codes ("EU" is reserved there for exactly this use)."""

    EU = "EU", _("European Union")
    COUNCIL_OF_EUROPE = "COE", _("Council of Europe")
    UNITED_NATIONS = "UN", _("United Nations")
    GLOBAL = "GLOBAL", _("Global or multinational")


class Operator(models.TextChoices):
    STATE = "state", _("State")
    PRIVATE = "private", _("Private company")
    PLATFORM = "platform", _("Platform")
    PUBLIC_PRIVATE = "public_private", _("Public–private partnership")
    UNKNOWN = UNKNOWN, _("Unknown")


class Scored(models.TextChoices):
    INDIVIDUALS = "individuals", _("Individuals")
    BUSINESSES = "businesses", _("Businesses")
    BOTH = "both", _("Both")
    UNKNOWN = UNKNOWN, _("Unknown")


class DataSource(models.TextChoices):
    FINANCIAL = "financial", _("Financial")
    ONLINE = "online_behaviour", _("Online behaviour")
    LOCATION = "location", _("Location")
    SOCIAL = "social_connections", _("Social connections")
    GOVERNMENT = "government_records", _("Government records")
    BIOMETRIC = "biometric", _("Biometric")
    UNKNOWN = UNKNOWN, _("Unknown")


class Consequence(models.TextChoices):
    REWARDS = "rewards", _("Rewards")
    SANCTIONS = "sanctions", _("Sanctions")
    ACCESS = "access_restrictions", _("Access restrictions")
    NAMING = "public_naming", _("Public naming")
    PRICING = "price_differences", _("Price differences")
    NONE_KNOWN = "none_known", _("None known")
    UNKNOWN = UNKNOWN, _("Unknown")


class Transparency(models.TextChoices):
    PUBLIC = "public", _("Public")
    PARTIAL = "partial", _("Partial")
    OPAQUE = "opaque", _("Opaque")
    UNKNOWN = UNKNOWN, _("Unknown")


class Contestable(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = UNKNOWN, _("Unknown")


class LegalBasis(models.TextChoices):
    STATUTE = "statute", _("Statute")
    REGULATION = "regulation", _("Regulation")
    CONTRACT = "contract", _("Contract")
    NONE_KNOWN = "none_known", _("None known")
    UNKNOWN = UNKNOWN, _("Unknown")


class Lifecycle(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    PILOT = "pilot", _("Pilot")
    ACTIVE = "active", _("Active")
    DISCONTINUED = "discontinued", _("Discontinued")
    UNKNOWN = UNKNOWN, _("Unknown")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    UNKNOWN = UNKNOWN, _("Unknown")


# Multi-valued dimensions: stored as JSON lists of choice values so SQLite and PostgreSQL
# behave the same. "unknown" / "none known" must stand alone (services enforce it).
MULTI_VALUED = {"data_sources": DataSource, "consequences": Consequence}
SINGLE_VALUED = {
    "operator": Operator,
    "scored": Scored,
    "transparency": Transparency,
    "contestable": Contestable,
    "legal_basis": LegalBasis,
    "lifecycle": Lifecycle,
    "confidence": Confidence,
}


def years_display(start: int | None, end: int | None) -> str:
    """Active years as a reader says them, never a dangling dash or a question mark."""
    if start and end:
        return f"{start}–{end}" if start != end else str(start)
    if start:
        return gettext("since %(start)s") % {"start": start}
    if end:
        return gettext("until %(end)s (start unknown)") % {"end": end}
    return gettext("years unknown")


def country_name(code: str) -> str:
    """A country's name in the active language (memoised: django-countries looks names
    up through its translated table on every call)."""
    return _country_name(code, get_language() or "")


@functools.lru_cache(maxsize=4096)
def _country_name(code: str, language: str) -> str:
    return str(countries.name(code))
