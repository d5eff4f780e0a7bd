"""Accounts: profile page, API tokens, allauth sign-up/login/reset in the site's templates."""

from __future__ import annotations

import re
from io import StringIO
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token

from apps.accounts import services

pytestmark = pytest.mark.django_db

User = get_user_model()
PROFILE_URL = reverse("accounts:profile")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps its rate-limit counters in the cache; tests must not share them.
    cache.clear()
    yield
    cache.clear()


def profile_data(**overrides) -> dict:
    values = {
        "display_name": "Ada L.",
        "affiliation": "Analytical Engines Ltd",
        "country": "DE",
        "orcid": "",
        "bio": "I study **scores**.",
        "email_notifications": "on",
    }
    values.update(overrides)
    return values


# --- Profile -----------------------------------------------------------------------------


def test_profile_requires_login(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_profile_edit(user_client, user):
    page = user_client.get(PROFILE_URL)
    assert page.status_code == 200
    for name in ("display_name", "affiliation", "country", "orcid", "bio", "email_notifications"):
        assert f'name="{name}"' in page.text

    response = user_client.post(PROFILE_URL, profile_data(orcid="0000-0002-1825-0097"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Ada L."
    assert user.public_name == "Ada L."
    assert user.affiliation == "Analytical Engines Ltd"
    assert user.country.code == "DE"
    assert user.orcid == "0000-0002-1825-0097"
    assert user.bio == "I study **scores**."
    assert user.email_notifications is True
    assert "Your profile was saved." in user_client.get(PROFILE_URL).text


def test_profile_orcid_url_form_is_normalised(user_client, user):
    page = user_client.get(PROFILE_URL).text
    assert 'maxlength="19"' not in page, "a pasted ORCID URL must fit in the field"
    response = user_client.post(
        PROFILE_URL, profile_data(orcid="https://orcid.org/0000-0002-9079-593x")
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.orcid == "0000-0002-9079-593X"


@pytest.mark.parametrize(
    ("orcid", "message"),
    [
        ("1234", "An ORCID iD looks like 0000-0002-1825-0097"),
        ("0000-0002-1825-0098", "This ORCID iD has a wrong check digit"),
        ("https://orcid.org/0000-0002-1825-0098", "This ORCID iD has a wrong check digit"),
    ],
)
def test_profile_orcid_errors_are_shown_and_nothing_saved(user_client, user, orcid, message):
    response = user_client.post(PROFILE_URL, profile_data(orcid=orcid))
    assert response.status_code == 200
    assert message in response.text
    assert "Please correct the errors below." in response.text
    user.refresh_from_db()
    assert user.orcid == ""
    assert user.affiliation == ""


def test_profile_other_errors(user_client, user):
    response = user_client.post(PROFILE_URL, profile_data(country="XX", bio="x" * 1001))
    assert response.status_code == 200
    assert "Select a valid choice. XX is not one of the available choices." in response.text
    assert "Ensure this value has at most 1000 characters" in response.text
    user.refresh_from_db()
    assert user.display_name != "Ada L."


def test_profile_update_service_is_for_the_user_only(user, other_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.profile_update(user=user, actor=other_user, display_name="Mallory")
    with pytest.raises(ValueError):
        services.profile_update(user=user, actor=user, is_staff=True)
    user.refresh_from_db()
    assert user.display_name != "Mallory" and not user.is_staff


def test_profile_query_count(user_client, django_assert_max_num_queries):
    # Session, user, token, notification badge, and the viewer's roles: the badge counts
    # only notifications about what they may still see (a comment on a draft entry is
    # readable by its moderators; apps/notifications/registry.py).
    with django_assert_max_num_queries(5):
        assert user_client.get(PROFILE_URL).status_code == 200


# --- API tokens ----------------------------------------------------------------------------


def test_token_create_replace_revoke(user_client, user):
    assert "You have no token." in user_client.get(PROFILE_URL).text

    response = user_client.post(reverse("accounts:token_regenerate"))
    assert response.status_code == 302
    first = Token.objects.get(user=user)
    page = user_client.get(PROFILE_URL).text
    assert f'value="{first.key}"' in page
    assert "it is shown only once" in page
    # Shown once: the next visit only says a token exists.
    again = user_client.get(PROFILE_URL).text
    assert first.key not in again
    assert "You have a token, created on" in again

    user_client.post(reverse("accounts:token_regenerate"))
    second = Token.objects.get(user=user)
    assert second.key != first.key
    api = "/api/sources/"
    user_client.logout()
    assert user_client.get(api, headers={"Authorization": f"Token {first.key}"}).status_code == 401
    response = user_client.get(api, headers={"Authorization": f"Token {second.key}"})
    assert response.status_code == 200
    assert response.wsgi_request.user == user

    user_client.force_login(user)
    user_client.post(reverse("accounts:token_revoke"))
    assert not Token.objects.filter(user=user).exists()
    assert "Your API token was revoked." in user_client.get(PROFILE_URL).text
    user_client.logout()
    assert user_client.get(api, headers={"Authorization": f"Token {second.key}"}).status_code == 401


def test_token_views_need_post_and_login(client, user_client):
    assert user_client.get(reverse("accounts:token_regenerate")).status_code == 405
    assert user_client.get(reverse("accounts:token_revoke")).status_code == 405
    user_client.logout()
    response = client.post(reverse("accounts:token_regenerate"))
    assert response.status_code == 302
    assert not Token.objects.exists()


def test_drf_create_token_command(user):
    out = StringIO()
    call_command("drf_create_token", user.username, stdout=out)
    token = Token.objects.get(user=user)
    assert token.key in out.getvalue()
    with pytest.raises(CommandError):
        call_command("drf_create_token", "nobody-by-this-name", stdout=StringIO())


# --- Sign-up, login, password reset (allauth) -----------------------------------------------


def test_signup_form_has_profile_fields_and_site_layout(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    html = response.text
    for name in ("email", "username", "password1", "password2", "display_name", "country"):
        assert f'name="{name}"' in html
    assert 'class="site-header"' in html


def test_signup_sends_a_verification_email(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "username": "newscholar",
            "password1": "a long unusual passphrase 42",
            "password2": "a long unusual passphrase 42",
            "display_name": "New Scholar",
            "country": "FR",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(username="newscholar")
    assert user.display_name == "New Scholar"
    assert user.country.code == "FR"
    address = EmailAddress.objects.get(user=user)
    assert not address.verified

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.org"]
    link = re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", message.body).group(1)
    client.post(link)
    address.refresh_from_db()
    assert address.verified


def test_unverified_user_cannot_log_in(client):
    user = User.objects.create_user(
        "pending", "pending@example.org", "a long unusual passphrase 42"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post(
        reverse("account_login"), {"login": "pending", "password": "a long unusual passphrase 42"}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_login_page_uses_the_site_template(client, user):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert 'class="site-header"' in response.text
    assert 'class="site-footer"' in response.text
    assert 'name="login"' in response.text
    response = client.post(
        reverse("account_login"),
        {"login": user.username, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_sends_an_email(client, user):
    page = client.get(reverse("account_reset_password"))
    assert 'class="site-header"' in page.text
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


# --- The page a scholar signed up from survives verification (issue 19) -----------------

READER_PASSAGE = "/sources/wong-2021/#p-8"


def _sign_up_from(client, after: str):
    page = client.get(reverse("account_signup") + "?" + urlencode({"next": after}))
    assert f'value="{after}"' in page.text  # the form carries it
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "username": "newscholar",
            "password1": "a long unusual passphrase 42",
            "password2": "a long unusual passphrase 42",
            "display_name": "New Scholar",
            "country": "FR",
            "next": after,
        },
    )
    assert response.status_code == 302
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    return link.group(1)


def test_verifying_in_the_same_browser_signs_in_and_returns_to_the_passage(client):
    link = _sign_up_from(client, READER_PASSAGE)
    assert "next=" in link
    confirm = client.get(link)
    assert f'value="{READER_PASSAGE}"' in confirm.text
    response = client.post(link.split("?")[0], {"next": READER_PASSAGE})
    assert response.status_code == 302
    assert response.url == READER_PASSAGE
    assert client.session["_auth_user_id"] == str(User.objects.get(username="newscholar").pk)


def test_verifying_in_another_browser_leads_to_sign_in_then_the_passage(client):
    from django.test import Client

    link = _sign_up_from(client, READER_PASSAGE)
    other = Client()
    response = other.post(link.split("?")[0], {"next": READER_PASSAGE})
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?" + urlencode({"next": READER_PASSAGE})
    assert EmailAddress.objects.get(email="new@example.org").verified
    login = other.post(
        response.url,
        {"login": "newscholar", "password": "a long unusual passphrase 42", "next": READER_PASSAGE},
    )
    assert login.status_code == 302
    assert login.url == READER_PASSAGE


def test_a_foreign_next_is_not_carried_into_the_confirmation_link(client):
    link = _sign_up_from(client, "https://evil.example/phish")
    assert "next=" not in link
    assert "evil" not in mail.outbox[-1].body


def test_account_pages_use_the_site_form_layout_and_sentence_case(client):
    for name, heading in (
        ("account_login", "Sign in"),
        ("account_signup", "Sign up"),
        ("account_reset_password", "Password reset"),
    ):
        html = client.get(reverse(name)).text
        assert f"<h1>{heading}</h1>" in " ".join(html.split()).replace("<h1> ", "<h1>").replace(
            " </h1>", "</h1>"
        )
        assert 'class="field' in html  # labels above fields, not allauth's <p> layout
        assert "Sign In" not in html and "Sign Up" not in html
    bad = client.post(reverse("account_login"), {"login": "nobody", "password": "wrong"})
    assert bad.status_code == 200
    assert 'class="form-errors"' in bad.text  # the summary every form on the site has


# Title Case labels allauth ships that the site's own templates put in sentence case.
ALLAUTH_TITLE_CASE = (
    "Sign In", "Sign Up", "Sign Out", "Change Password", "Set Password", "Add E-mail",
    "Add Email", "Make Primary", "Re-send Verification", "Reset My Password",
    "Forgot Password?", "Email Addresses", "E-mail Addresses", "Verify Your E-mail",
    "Verify Your Email", "Confirm E-mail Address", "Confirm Email Address", "Account Inactive",
)  # fmt: skip


def test_every_allauth_page_is_in_the_site_layout_and_sentence_case(client, user):
    """Issue 19: "all allauth pages: sign in, sign up, verification sent/confirm,
    password reset/change, e-mail management" in the site's own templates: the site's
    header, one <h1>, labels above fields where there is a form, no allauth Title Case."""
    reset = client.post(reverse("account_reset_password"), {"email": user.email})
    assert reset.status_code == 302
    reset_link = re.search(
        r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body
    )
    anonymous = [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_email_verification_sent"),
        reverse("account_inactive"),
        reverse("account_confirm_email", args=["no-such-key"]),
        reset_link.group(1),
        reverse("account_reset_password_from_key_done"),
    ]
    signed_in = [
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("account_logout"),
    ]
    pages = [(url, False) for url in anonymous] + [(url, True) for url in signed_in]
    for url, sign_in in pages:
        if sign_in:
            client.force_login(user)
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.text
        assert 'class="site-header"' in html, url
        assert html.count("<h1") == 1, url
        for label in ALLAUTH_TITLE_CASE:
            assert label not in html, (url, label)
        if "<form" in html.split("</header>", 1)[1] and "<input" in html.split("<main", 1)[1]:
            main = html.split("<main", 1)[1]
            if 'type="text"' in main or 'type="password"' in main or 'type="email"' in main:
                assert 'class="field' in main, url
