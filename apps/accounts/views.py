from urllib.parse import urlencode

from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from rest_framework.authtoken.models import Token

from apps.common.forms import attach_errors

from . import services
from .forms import ProfileForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(
                user=request.user,
                actor=request.user,
                **{name: form.cleaned_data[name] for name in services.PROFILE_FIELDS},
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    token = Token.objects.filter(user=request.user).first()
    new_token = request.session.pop("new_api_token", None)
    return render(
        request, "accounts/profile.html", {"form": form, "token": token, "new_token": new_token}
    )


@login_required
@require_POST
def token_regenerate(request):
    token = services.api_token_regenerate(user=request.user)
    # Shown once, right after creation; afterwards only its existence is shown.
    request.session["new_api_token"] = token.key
    messages.success(request, _("A new API token was created. Copy it now: it is shown only once."))
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request):
    services.api_token_revoke(user=request.user)
    messages.success(request, _("Your API token was revoked."))
    return redirect("accounts:profile")


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's e-mail confirmation, keeping the page the scholar signed up from: the
    link carries ``next`` (AccountAdapter.get_email_confirmation_url). Confirmed in the
    browser they signed up in, allauth signs them in and sends them there; confirmed
    elsewhere, they are not signed in, so they go to the sign-in page, which sends them
    there afterwards (instead of to the home page)."""

    def get_redirect_url(self) -> str:
        after = self.get_next_url()
        if after and not self.request.user.is_authenticated:
            return f"{reverse('account_login')}?{urlencode({'next': after})}"
        return super().get_redirect_url()


def language_set(request):
    """Django's ``set_language`` (the header's switcher: the cookie, back to ``next``); a
    signed-in person's choice is kept on their account too, for their e-mails."""
    response = set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if request.user.is_authenticated and response.cookies.get(settings.LANGUAGE_COOKIE_NAME):
        services.user_language_set(user=request.user, language=language)
    return response
