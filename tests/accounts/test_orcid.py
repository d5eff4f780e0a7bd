"""Sign in with ORCID: the whole OAuth dance against a local stub of ORCID's endpoints
(tests/accounts/orcid_stub.py), the iD stored as verified, and where it shows."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.orcid.views import OrcidOAuth2Adapter
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from apps.accounts import services
from tests.accounts.orcid_stub import OrcidStub
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
ORCID = "0000-0002-1825-0097"  # ORCID's own example iD (Josiah Carberry)
LOGIN_URL = "/accounts/orcid/login/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def orcid(settings, monkeypatch):
    """ORCID configured (as ORCID_CLIENT_ID/ORCID_SECRET would) and pointed at the stub."""
    with OrcidStub(
        orcid=ORCID, given="Josiah", family="Carberry", client_id="APP-TEST", secret="s3cret"
    ) as stub:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "orcid": {"APPS": [{"client_id": "APP-TEST", "secret": "s3cret", "key": ""}]}
        }
        # allauth builds ORCID's URLs (https, orcid.org) when it imports the adapter.
        monkeypatch.setattr(OrcidOAuth2Adapter, "authorize_url", f"{stub.base}/oauth/authorize")
        monkeypatch.setattr(OrcidOAuth2Adapter, "access_token_url", f"{stub.base}/oauth/token")
        monkeypatch.setattr(OrcidOAuth2Adapter, "profile_url", f"{stub.base}/v3.0/%s/record")
        yield stub


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def dance(client, stub, *, process="login", next_url=""):
    """Press the button, let "ORCID" authorise, follow its redirect back; return the
    callback's response."""
    query = f"?process={process}" + (f"&next={next_url}" if next_url else "")
    start = client.post(LOGIN_URL + query)
    assert start.status_code == 302, start.content[:300]
    assert start.url.startswith(stub.base + "/oauth/authorize?")
    asked = parse_qs(urlsplit(start.url).query)
    assert asked["client_id"] == ["APP-TEST"] and asked["scope"] == ["/authenticate"]
    authorised = requests.get(start.url, allow_redirects=False, timeout=5)
    assert authorised.status_code == 302
    return client.get(_local(authorised.headers["Location"]))


def test_button_only_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"orcid": {"APPS": []}}
    page = client.get(reverse("account_login"))
    assert "Sign in with ORCID" not in page.text
    assert client.post(LOGIN_URL).status_code == 404


def test_button_posts_and_keeps_next(client, orcid):
    page = client.get(reverse("account_login") + "?next=/sources/")
    assert page.status_code == 200
    assert "Sign in with ORCID" in page.text
    assert 'action="/accounts/orcid/login/?process=login&amp;next=%2Fsources%2F"' in page.text


def test_new_account_through_orcid(client, orcid, mailoutbox):
    callback = dance(client, orcid, next_url="/sources/")
    # ORCID's public record has no e-mail: allauth asks for one and a user name.
    assert callback.status_code == 302 and callback.url == reverse("socialaccount_signup")
    form = client.get(callback.url)
    assert "ORCID" in form.text and 'name="username"' in form.text
    done = client.post(callback.url, {"username": "jcarberry", "email": "josiah@example.org"})
    assert done.status_code == 302
    user = User.objects.get(username="jcarberry")
    assert (user.orcid, user.orcid_verified) == (ORCID, True)
    assert user.display_name == "Josiah Carberry"
    assert SocialAccount.objects.get(user=user).uid == ORCID
    # The address is confirmed like any other sign-up's.
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mailoutbox) == 1
    # What reached "ORCID": the code for a token (with the secret), then the record.
    token_call = next(r for r in orcid.requests_seen if r[1] == "/oauth/token")
    assert token_call[2]["client_secret"] == "s3cret"
    record_call = next(r for r in orcid.requests_seen if r[1].endswith("/record"))
    assert "application/orcid+json" in record_call[2]["_accept"]


def test_returning_orcid_user_signs_in_and_is_reverified(client, orcid):
    user = UserFactory(username="josiah", orcid=ORCID, orcid_verified=True)
    SocialAccount.objects.create(user=user, provider="orcid", uid=ORCID, extra_data={})
    # They since typed another iD on their profile: shown, not verified.
    services.profile_update(user=user, actor=user, orcid="0000-0001-5109-3700")
    user.refresh_from_db()
    assert not user.orcid_verified
    callback = dance(client, orcid, next_url="/sources/")
    assert callback.status_code == 302 and callback.url == "/sources/"
    assert client.get(reverse("accounts:profile")).context["user"].pk == user.pk
    user.refresh_from_db()
    assert (user.orcid, user.orcid_verified) == (ORCID, True)


def test_connect_then_profile_and_public_page_show_verified_link(client, orcid):
    user = UserFactory(username="ada", orcid="")
    client.force_login(user)
    callback = dance(client, orcid, process="connect")
    assert callback.status_code == 302
    user.refresh_from_db()
    assert (user.orcid, user.orcid_verified) == (ORCID, True)
    profile = client.get(reverse("accounts:profile"))
    assert "verified by ORCID" in profile.text
    public = client.get(reverse("search:contributor", args=["ada"]))
    assert f'href="https://orcid.org/{ORCID}"' in public.text
    assert "verified by ORCID" in public.text
    # Removing the connection keeps the iD but not the "verified".
    account = SocialAccount.objects.get(user=user)
    client.post(reverse("socialaccount_connections"), {"account": account.pk})
    user.refresh_from_db()
    assert (user.orcid, user.orcid_verified) == (ORCID, False)
    assert "verified by ORCID" not in client.get(reverse("search:contributor", args=["ada"])).text


def test_typed_orcid_is_not_verified(client):
    user = UserFactory(username="bob")
    services.profile_update(user=user, actor=user, orcid=ORCID)
    user.refresh_from_db()
    assert user.orcid == ORCID and not user.orcid_verified
    page = client.get(reverse("search:contributor", args=["bob"]))
    assert f"https://orcid.org/{ORCID}" in page.text and "verified by ORCID" not in page.text


def test_forged_state_signs_in_nobody(client, orcid):
    start = client.post(LOGIN_URL)
    authorised = requests.get(start.url, allow_redirects=False, timeout=5)
    forged = authorised.headers["Location"].replace("state=", "state=x")
    response = client.get(_local(forged))
    assert response.status_code == 401
    assert "Sign-in with ORCID failed" in response.text
    assert not SocialAccount.objects.exists() and not User.objects.filter(orcid=ORCID).exists()
    assert not any(r[1] == "/oauth/token" for r in orcid.requests_seen)


def test_token_endpoint_failure_saves_nothing(client, orcid):
    orcid.fail_token = True
    response = dance(client, orcid)
    assert response.status_code == 401
    assert "Sign-in with ORCID failed" in response.text
    assert not SocialAccount.objects.exists() and not User.objects.filter(orcid=ORCID).exists()


def test_denied_at_orcid(client, orcid):
    start = client.post(LOGIN_URL)
    state = parse_qs(urlsplit(start.url).query)["state"][0]
    response = client.get(
        f"/accounts/orcid/login/callback/?error=access_denied&state={state}", follow=True
    )
    assert response.status_code == 200
    assert "cancelled" in response.text
    assert not SocialAccount.objects.exists()


def test_orcid_verified_set_refuses_a_bad_id():
    from django.core.exceptions import ValidationError

    user = UserFactory(username="carol")
    with pytest.raises(ValidationError):
        services.orcid_verified_set(user=user, orcid="0000-0002-1825-0098")
    user.refresh_from_db()
    assert (user.orcid, user.orcid_verified) == ("", False)
