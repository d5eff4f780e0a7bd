"""apps/common/throttles.py: one limiter for pages and the API (flags share a budget
whichever door they come through), one RateLimited, answered 429 with Retry-After and a
readable message in HTML and in JSON."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.common.throttles import write_throttle
from apps.moderation.models import Flag
from tests.factories import SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

TOO_FAST = "You are saving faster than we allow"


@pytest.fixture(autouse=True)
def _fresh_counts(settings):
    cache.clear()
    settings.WRITE_RATES = {"flag": {"user": "2/hour", "new_user": "2/hour", "ip": "100/hour"}}
    yield
    cache.clear()


@pytest.fixture
def flagger(client):
    user = UserFactory(date_joined=timezone.now() - datetime.timedelta(days=3))
    client.force_login(user)
    return user


def flag_by_page(client):
    return client.post(
        "/moderation/flag/",
        {"target_type": "source", "target_id": SourceFactory().pk, "reason": "spam"},
    )


def flag_by_api(client):
    return client.post(
        "/api/flags/",
        {"target": {"type": "source", "id": str(SourceFactory().pk)}, "reason": "spam"},
        content_type="application/json",
    )


def test_page_and_api_count_against_the_same_budget(client, flagger):
    assert flag_by_page(client).status_code == 302
    assert flag_by_api(client).status_code == 201
    refused = flag_by_api(client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    detail = refused.json()["detail"]
    assert TOO_FAST in detail and "nothing was saved" in detail
    assert Flag.objects.count() == 2


def test_a_refused_page_write_is_a_429_page_with_retry_after_and_the_reason(client, flagger):
    assert flag_by_api(client).status_code == 201
    assert flag_by_api(client).status_code == 201
    refused = flag_by_page(client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused["Content-Type"].startswith("text/html")
    html = refused.content.decode()
    assert TOO_FAST in html and "Too fast" in html
    assert Flag.objects.count() == 2


def test_a_write_after_the_windows_first_costs_one_cache_call(flagger, monkeypatch):
    """Every annotation write is counted here before anything else, and on a busy
    machine each cache round trip waits (make load's writers): once the window's counter
    exists, counting is one ``incr``."""
    from apps.common import throttles

    throttles.check_write_rate(kind="flag", user=flagger, ip=None)
    calls = []
    for name in ("add", "incr", "set"):
        method = getattr(cache, name)
        monkeypatch.setattr(
            cache, name, lambda *a, _m=method, _n=name, **k: calls.append(_n) or _m(*a, **k)
        )
    throttles.check_write_rate(kind="flag", user=flagger, ip=None)
    assert calls == ["incr"]
    with pytest.raises(throttles.RateLimited):  # 2 an hour: the third is refused
        throttles.check_write_rate(kind="flag", user=flagger, ip=None)


def test_reads_are_never_counted(client, flagger):
    for _ in range(5):
        assert client.get("/api/flags/").status_code in (200, 403, 405)
    assert flag_by_api(client).status_code == 201


def test_an_unknown_kind_fails_when_the_view_is_defined():
    with pytest.raises(KeyError):
        write_throttle("no-such-kind")
