"""allauth, configured for Creditscape (settings.ACCOUNT_ADAPTER).

- The client address for allauth's rate limits (log-in failures, sign-ups, password
  resets) is the one every other limit uses (apps/common/client_ip.py): only a proxy we
  run may name it, never a header the client sent.
- Links in its e-mails (confirm your address, reset your password) are built on SITE_URL
  (apps/common/site.py), not on the Host header of the request that triggered them.
- Subjects are plain text on one line (apps/common/email.py).
- The page a scholar signed up from survives verification: the confirmation link carries
  it (``?next=``), and confirming in another browser, where they are not signed in, leads
  to the sign-in page with that ``next`` (:class:`apps.accounts.views.ConfirmEmailView`);
  in the same browser allauth signs them in and resumes (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION).
"""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language

from apps.common.client_ip import client_ip
from apps.common.email import subject_line
from apps.common.site import absolute_url, site_host


def _on_site(value):
    """An absolute link on whatever host the request named, as the same path on SITE_URL."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return value
    parts = urlsplit(value)
    return absolute_url(urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)))


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        return client_ip(request)

    def format_email_subject(self, subject: str) -> str:
        return subject_line(super().format_email_subject(subject))

    def save_user(self, request, user, form, commit=True):
        # Their e-mails (replies, moderation notices) are written in the language they
        # signed up in until they choose another with the switcher (ADR 0012).
        language = get_language()
        user.language = language if language in dict(settings.LANGUAGES) else ""
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth's templates say "Hello from {{ current_site.name }}" and end with its
        # domain: the canonical ones, whatever host the request came in on. The links it
        # builds itself from the request ("unknown account": the reset and sign-up links;
        # "account already exists": the sign-up link) are moved onto SITE_URL as well.
        site = SimpleNamespace(name=settings.SITE_NAME, domain=site_host())
        context = {
            key: _on_site(value) if key.endswith("_url") else value
            for key, value in context.items()
        }
        super().send_mail(template_prefix, email, {**context, "current_site": site})

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        url = absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))
        # Only a local path allauth itself accepts as a redirect (is_safe_url).
        after = get_next_redirect_url(request) if request is not None else None
        if after:
            url += "?" + urlencode({"next": after})
        return url

    def get_reset_password_from_key_url(self, key: str) -> str:
        from urllib.parse import quote

        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))
