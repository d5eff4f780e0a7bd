"""/admin/login/ under the same brute-force lock-out as /accounts/login/.

Django's admin log-in form authenticates on its own and counts nothing, so a password
could be guessed there without limit. Its form here authenticates through allauth's
adapter instead, which consumes the same ``login_failed`` rate limits (per address and
per login name, ACCOUNT_RATE_LIMITS) that the site's sign-in page does: failures on either
page count together, and once the limit is reached both refuse, even the right password,
until the window has passed. The admin page then answers 429.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

LOCKED_OUT = "too_many_login_attempts"


class RateLimitedAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            # Raises ValidationError(code="too_many_login_attempts") when locked out;
            # counts a failure, and takes a success back off the count, like allauth.
            self.user_cache = get_adapter(self.request).authenticate(
                self.request, username=username, password=password
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def _locked_out(response) -> bool:
    form = (getattr(response, "context_data", None) or {}).get("form")
    if form is None or not form.is_bound:
        return False
    errors = form.errors.as_data().get("__all__", [])
    return any(isinstance(e, ValidationError) and e.code == LOCKED_OUT for e in errors)


def admin_login(request, extra_context=None):
    """The admin's own log-in view with the form above; 429 while locked out."""
    response = admin.site.login(request, extra_context)
    if _locked_out(response):
        response.status_code = 429
    return response


admin.site.login_form = RateLimitedAdminAuthenticationForm
