"""HTTP semantics the site promises (issue 12):

- a GET never changes state: opening /notifications/ marks nothing read; the "Mark
  as read" / "Mark all as read" buttons POST;
- a response to a signed-in visitor (or anyone with a session) says ``Cache-Control:
  private`` and is never ``public``, except public pages (the anonymous render);
- the API answers a write without credentials 401 with ``WWW-Authenticate: Token`` (the
  README's promise), while a browser session still needs its CSRF token;
- the exports answer their own media types in ``Accept`` (and ``*/*``), not 406.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from apps.moderation.actions import review_item_decide
from apps.notifications.models import Notification
from tests.factories import UserFactory
from tests.moderation.conftest import make_item, make_moderator

pytestmark = pytest.mark.django_db


# --- GET never changes state ------------------------------------------------------------


@pytest.fixture
def notices(user):
    decider = make_moderator()
    for title in ("First upload", "Second upload"):
        item = make_item(author=user)
        review_item_decide(actor=decider, item=item, decision="reject", reason=f"About {title}")
    return list(Notification.objects.filter(kind="decision", recipient=user).order_by("pk"))


def test_opening_the_notices_page_marks_nothing_read(
    user_client, notices, django_assert_max_num_queries, session_read
):
    with django_assert_max_num_queries(6 + session_read):
        response = user_client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "About First upload" in html and "Mark all as read" in html
    assert Notification.objects.filter(kind="decision", read_at__isnull=True).count() == 2
    user_client.get("/notifications/")
    assert Notification.objects.filter(kind="decision", read_at__isnull=True).count() == 2


def test_mark_one_notice_read_with_a_post(user_client, notices):
    first, second = notices
    response = user_client.post("/notifications/", {"notification": first.pk, "page": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_mark_all_notices_read_with_a_post(user_client, notices):
    response = user_client.post("/notifications/")
    assert response.status_code == 302
    assert not Notification.objects.filter(kind="decision", read_at__isnull=True).exists()
    html = user_client.get("/notifications/").content.decode()
    assert "Mark all as read" not in html and "Mark as read" not in html


def test_nobody_marks_another_users_notices(client, notices):
    client.force_login(UserFactory())
    client.post("/notifications/", {"notification": [n.pk for n in notices]})
    assert Notification.objects.filter(kind="decision", read_at__isnull=True).count() == 2


def test_notices_page_needs_csrf_to_mark_read(user, notices):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.post("/notifications/").status_code == 403
    assert Notification.objects.filter(kind="decision", read_at__isnull=True).count() == 2


def test_notifications_page_marks_read_only_on_post(user_client, user):
    from apps.notifications.models import Notification

    response = user_client.get("/notifications/")
    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=user, read_at__isnull=False).exists()


# --- Cache-Control: private ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/profile/", "/notifications/", "/api/sources/", "/api/me/"])
def test_signed_in_responses_are_private(user_client, founding_paper, path):
    response = user_client.get(path)
    assert response.status_code == 200
    cache_control = response.get("Cache-Control", "")
    assert "private" in cache_control and "public" not in cache_control


@pytest.mark.parametrize("path", ["/", "/sources/", "/atlas/"])
def test_public_pages_stay_public_for_signed_in_readers(user_client, founding_paper, path):
    """The anonymous render, whoever asks (apps/common/public.py): nothing personal in it."""
    response = user_client.get(path)
    assert response.status_code == 200
    cache_control = response.get("Cache-Control", "")
    assert "public" in cache_control and "private" not in cache_control
    assert response.content == Client().get(path).content


def test_token_authenticated_responses_are_private(client, user, founding_paper):
    from apps.accounts.services import api_token_regenerate

    token = api_token_regenerate(user=user)
    response = client.get("/api/sources/", headers={"Authorization": f"Token {token.key}"})
    assert "private" in response["Cache-Control"]


def test_a_session_cookie_alone_makes_a_response_private(client, founding_paper):
    client.cookies["sessionid"] = "no-such-session-key"
    response = client.get("/api/sources/")
    assert "private" in response["Cache-Control"]
    # A public page is the anonymous render whatever the cookies say.
    assert "public" in client.get("/sources/")["Cache-Control"]


def test_public_caching_is_replaced_for_signed_in_readers(user_client, founding_paper):
    document = founding_paper.current_document
    anonymous = Client().get(f"/reader/{document.pk}/threads.json")
    signed_in = user_client.get(f"/reader/{document.pk}/threads.json")
    assert signed_in.status_code == 200
    assert "public" not in signed_in.get("Cache-Control", "")
    assert "private" in signed_in["Cache-Control"]
    # Anonymous visitors keep whatever the view chose (no private added).
    assert "private" not in anonymous.get("Cache-Control", "")


# --- 401 for a missing token ---------------------------------------------------------------


def test_a_write_without_credentials_is_401_with_a_challenge(client, founding_paper):
    response = client.post("/api/annotations/", {}, content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_wrong_token_is_401_too(client, founding_paper):
    response = client.post(
        "/api/examples/", {}, content_type="application/json",
        headers={"Authorization": "Token not-a-real-token"},
    )  # fmt: skip
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")


def test_a_browser_session_still_needs_csrf(user, founding_paper):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/api/annotations/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_signed_in_without_permission_is_still_403(user_client, founding_paper):
    assert user_client.get("/api/moderation/items/").status_code == 403


# --- Exports honour Accept ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "media_type"),
    [
        ("/api/examples/export.csv", "text/csv", "text/csv"),
        ("/api/examples/export.csv", "text/*", "text/csv"),
        ("/api/examples/export.csv", "*/*", "text/csv"),
        ("/api/examples/export.geojson", "application/geo+json", "application/geo+json"),
        ("/api/examples/export.geojson", "application/json", "application/geo+json"),
        ("/api/examples/export.geojson", "*/*", "application/geo+json"),
        ("/api/examples/export.jsonld", "application/ld+json", "application/ld+json"),
        ("/api/examples/export.jsonld", "application/json", "application/ld+json"),
        ("/api/examples/export.jsonld", "*/*", "application/ld+json"),
        (
            "/api/examples/export.csv",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "text/csv",
        ),
    ],
)
def test_exports_answer_their_media_types(client, make_published, path, accept, media_type):
    make_published(UserFactory())
    response = client.get(path, HTTP_ACCEPT=accept)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(media_type)
    if media_type == "text/csv":
        assert len(list(csv.reader(io.StringIO(response.content.decode())))) == 2
    else:
        json.loads(response.content)


def test_exports_refuse_a_media_type_they_cannot_give(client, make_published):
    response = client.get("/api/examples/export.csv", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_export_errors_are_json_whatever_the_accept(client):
    response = client.get("/api/examples/export.csv?category=astrology", HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "astrology" in response.json()["detail"]


@pytest.mark.browser
def test_mark_as_read_buttons_work_from_the_keyboard(login_page, transactional_db):
    """The buttons are real form buttons: focus one and press Enter; axe-core finds no
    serious accessibility problem on the page."""
    author = UserFactory()
    decider = make_moderator()
    for title in ("First upload", "Second upload"):
        review_item_decide(
            actor=decider, item=make_item(author=author), decision="reject", reason=title
        )
    page = login_page(author)
    page.goto("/notifications/")
    from tests.browser.axe import serious_violations

    assert serious_violations(page) == []
    page.get_by_role("button", name="Mark as read").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Notification.objects.filter(kind="decision", read_at__isnull=True).count() == 1
    assert page.get_by_role("button", name="Mark as read").count() == 1
    page.get_by_role("button", name="Mark all as read").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Mark as read").count() == 0
    assert not Notification.objects.filter(kind="decision", read_at__isnull=True).exists()
