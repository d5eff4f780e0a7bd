"""Brute force and spoofed addresses (issue 12):

- /admin/login/ is under the same lock-out as /accounts/login/ (allauth's ``login_failed``
  limits): failures on either count together; once locked out, even the right password
  is refused (429 on the admin page).
- The client address comes from REMOTE_ADDR, or, only behind a proxy the deployment names
  (DJANGO_BEHIND_PROXY, DJANGO_TRUSTED_PROXY_COUNT), from the entry that proxy wrote in
  X-Forwarded-For; a client-sent X-Forwarded-For never picks the bucket.
"""

from __future__ import annotations

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory

from apps.common.client_ip import client_ip
from apps.moderation.models import Flag
from tests.factories import SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def staff():
    user = UserFactory(username="admin-person", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def _admin_login(client, password: str):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "admin-person", "password": password}
    )


def test_admin_login_works_with_the_right_password(client, staff):
    response = _admin_login(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_admin_login_locks_out_after_repeated_failures(client, staff):
    for _ in range(5):
        response = _admin_login(client, "wrong guess")
        assert response.status_code == 200  # the form again, with an error
    response = _admin_login(client, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_and_site_login_failures_count_together(client, staff):
    for _ in range(3):
        _admin_login(client, "wrong guess")
    for _ in range(2):
        client.post("/accounts/login/", {"login": "admin-person", "password": "wrong guess"})
    site = client.post("/accounts/login/", {"login": "admin-person", "password": PASSWORD})
    assert "Too many failed login attempts" in site.content.decode()
    assert _admin_login(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_is_limited_per_address_too(client, staff, settings):
    """Many names from one address: the per-address limit (10 a minute) holds."""
    for index in range(10):
        client.post("/admin/login/", {"username": f"guess-{index}", "password": "x"})
    assert _admin_login(client, PASSWORD).status_code == 429


# --- Client address ----------------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_forwarded_for_is_ignored_without_a_proxy(settings):
    settings.BEHIND_PROXY = False
    assert client_ip(_request("198.51.100.9", "203.0.113.1")) == "198.51.100.9"


def test_behind_one_proxy_the_rightmost_entry_is_the_client(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    # The client sent "203.0.113.1"; our proxy appended the address it saw.
    spoofed = _request("10.0.0.2", "203.0.113.1, 198.51.100.9")
    assert client_ip(spoofed) == "198.51.100.9"
    assert client_ip(_request("10.0.0.2", "198.51.100.9")) == "198.51.100.9"


def test_behind_two_proxies_the_second_entry_from_the_right(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 2
    request = _request("10.0.0.2", "203.0.113.1, 198.51.100.9, 192.0.2.50")
    assert client_ip(request) == "198.51.100.9"
    # Fewer entries than proxies, or garbage: the peer, never the client's words.
    assert client_ip(_request("10.0.0.2", "203.0.113.1")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "not-an-ip, also-not")) == "10.0.0.2"


def test_allauth_uses_the_same_client_address(rf, settings):
    settings.BEHIND_PROXY = False
    request = _request("198.51.100.9", "203.0.113.1")
    assert get_adapter(request).get_client_ip(request) == "198.51.100.9"


def _flag(client, forwarded: str):
    return client.post(
        "/api/flags/",
        {"target": {"type": "source", "id": str(SourceFactory().pk)}, "reason": "spam"},
        content_type="application/json",
        headers={"X-Forwarded-For": forwarded},
    )


def test_spoofed_forwarded_for_does_not_escape_the_api_flag_limit(client, settings):
    settings.BEHIND_PROXY = False
    settings.WRITE_RATES = {"flag": {"user": "100/hour", "new_user": "100/hour", "ip": "2/hour"}}
    statuses = []
    for index in range(3):
        client.force_login(UserFactory())
        statuses.append(_flag(client, f"203.0.113.{index}").status_code)
    assert statuses == [201, 201, 429]
    assert Flag.objects.count() == 2


def test_spoofed_forwarded_for_does_not_escape_the_page_flag_limit(client, settings):
    settings.BEHIND_PROXY = False
    settings.WRITE_RATES = {"flag": {"user": "100/hour", "new_user": "100/hour", "ip": "1/hour"}}  # fmt: skip
    source = SourceFactory()
    responses = []
    for index in range(2):
        client.force_login(UserFactory())
        responses.append(
            client.post(
                "/moderation/flag/",
                {"target_type": "source", "target_id": source.pk, "reason": "inaccurate"},
                headers={"X-Forwarded-For": f"203.0.113.{index}"},
            )
        )
    # The first goes back to the page; the refusal is a 429 with Retry-After.
    assert responses[0].status_code == 302 and "Retry-After" not in responses[0]
    assert responses[1].status_code == 429 and "Retry-After" in responses[1]
    assert Flag.objects.count() == 1


def test_behind_a_proxy_each_real_client_has_its_own_bucket(client, settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    settings.WRITE_RATES = {"flag": {"user": "100/hour", "new_user": "100/hour", "ip": "1/hour"}}
    client.force_login(UserFactory())
    assert _flag(client, "6.6.6.6, 198.51.100.1").status_code == 201
    client.force_login(UserFactory())
    # The same real client with a different spoofed prefix: still the same bucket.
    assert _flag(client, "7.7.7.7, 198.51.100.1").status_code == 429
    client.force_login(UserFactory())
    assert _flag(client, "198.51.100.2").status_code == 201
