"""Sign in with ORCID (allauth's ORCID provider; settings.SOCIALACCOUNT_ADAPTER).

ORCID authenticates the person; the iD it answers with (the record's
``orcid-identifier.path``, allauth's ``uid``) becomes their profile's iD, marked verified
(``User.orcid_verified``), which profiles show as a verified link. It happens at each of
allauth's three moments, each calling :func:`apps.accounts.services.orcid_verified_set`:

- a new account made through ORCID (``save_user``);
- an existing account signing in again through ORCID (``pre_social_login``), which also
  re-verifies an iD the person had since edited away;
- a signed-in person connecting ORCID to their account (the ``social_account_added``
  signal, allauth's only hook after a connect has succeeded). Removing the connection
  takes the "verified" away (``social_account_removed``).

A new account still gives an e-mail address and a user name on allauth's sign-up form,
and confirms the address like any other sign-up: ORCID's public record seldom shows one.
"""

from __future__ import annotations

import logging

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.dispatch import receiver
from django.http import Http404

from . import services

logger = logging.getLogger(__name__)
PROVIDER = "orcid"


def _is_orcid(sociallogin) -> bool:
    return sociallogin.account.provider == PROVIDER


class OrcidAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        # Not configured (no ORCID_CLIENT_ID/ORCID_SECRET, no SocialApp row): its URLs are
        # a 404, not allauth's uncaught DoesNotExist (a 500).
        from allauth.socialaccount.models import SocialApp

        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404("ORCID sign-in is not configured.") from None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if _is_orcid(sociallogin) and not user.display_name:
            name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
            user.display_name = name[:120]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        if _is_orcid(sociallogin):
            services.orcid_verified_set(user=user, orcid=sociallogin.account.uid)
        return user

    def pre_social_login(self, request, sociallogin):
        super().pre_social_login(request, sociallogin)
        if _is_orcid(sociallogin) and sociallogin.is_existing:
            services.orcid_verified_set(user=sociallogin.user, orcid=sociallogin.account.uid)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):  # fmt: skip
        logger.warning("ORCID sign-in failed: %s %s", error, exception)
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )


@receiver(social_account_added)
def _connected(sender, request, sociallogin, **kwargs):
    if _is_orcid(sociallogin):
        services.orcid_verified_set(user=sociallogin.user, orcid=sociallogin.account.uid)


@receiver(social_account_removed)
def _disconnected(sender, request, socialaccount, **kwargs):
    if socialaccount.provider == PROVIDER:
        services.orcid_disconnected(user=socialaccount.user, orcid=socialaccount.uid)
