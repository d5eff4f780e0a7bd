"""HTML: notifications page and the unread badge in the header."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.annotations import services
from apps.annotations.models import Notification

pytestmark = pytest.mark.django_db


def test_notifications_page_lists_and_marks_read(
    user, other_user, client, make_annotation, django_assert_max_num_queries
):
    root = make_annotation(user)
    for i in range(3):
        services.annotation_reply(author=other_user, parent=root, body=f"reply {i}")
        root = make_annotation(user, quote="Alibaba")
    client.force_login(user)
    with django_assert_max_num_queries(6):
        response = client.get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("replied to your annotation") == 3
    assert '<span class="badge">3<span class="visually-hidden"> unread</span></span>' in html
    response = client.post("/notifications/")
    assert response.status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert 'class="badge"' not in client.get("/notifications/").content.decode()


def test_notifications_need_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_header_count_costs_one_query(user, client, founding_paper):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        client.get("/sources/")
    notification_queries = [
        q for q in queries.captured_queries if "annotations_notification" in q["sql"]
    ]
    assert len(notification_queries) == 1
    assert "Notifications" in client.get("/sources/").content.decode()
