"""allauth's sign-in form with labels in the site's voice (settings.ACCOUNT_FORMS).

A module of its own: apps/accounts/forms.py is imported by allauth's forms
(ACCOUNT_SIGNUP_FORM_CLASS), so it cannot import them back.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or e-mail address")
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in on this device")
