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


def _reader(client, slug):
    return client.get(f"/sources/{slug}/")


def _payload(html: str) -> dict:
    import json

    return json.loads(
        html.split('id="annotation-data" type="application/json">')[1].split("</script>")[0]
    )


def _public_threads(client, html: str) -> list[dict]:
    """What the reader's script fetches: the public set at the URL the page gives."""
    response = client.get(_payload(html)["threads"])
    assert response.status_code == 200
    return response.json()["annotations"]


def test_reader_query_count_is_independent_of_annotations(
    user, other_user, client, founding_paper, make_annotation, django_assert_max_num_queries
):
    client.force_login(user)
    slug = founding_paper.slug
    with CaptureQueriesContext(connection) as baseline:
        html = _reader(client, slug).content.decode()
    with CaptureQueriesContext(connection) as threads_baseline:
        _public_threads(client, html)
    for i in range(10):
        root = make_annotation(
            user if i % 2 else other_user, tags=["a"], visibility="private" if i == 3 else "public"
        )
        replier = root.author if root.visibility == "private" else other_user
        services.annotation_reply(author=replier, parent=root, body="r")
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        response = _reader(client, slug)
    html = response.content.decode()
    with django_assert_max_num_queries(len(threads_baseline.captured_queries)):
        assert len(_public_threads(client, html)) == 9
    assert 'id="annotation-data"' in html
    assert "annotations.js" in html
    assert "Annotate passage" in html  # the script's string: it adds the buttons


def test_reader_page_embeds_only_the_viewers_own_extras(
    user, other_user, client, founding_paper, make_annotation
):
    """Public annotations come from the shared JSON; the page embeds only what the viewer
    alone may see, and nobody else's private words ever reach a page or the JSON."""
    make_annotation(user, body="public words")
    private = make_annotation(user, quote="Alibaba", visibility="private", body="private words")
    client.force_login(other_user)
    html = _reader(client, founding_paper.slug).content.decode()
    assert "public words" not in html and "private words" not in html
    public = _public_threads(client, html)
    assert [a["body"] for a in public] == ["public words"]
    client.force_login(user)
    html = _reader(client, founding_paper.slug).content.decode()
    assert [a["id"] for a in _payload(html)["annotations"]] == [private.pk]
    assert "private words" not in str(_public_threads(client, html))
    client.logout()
    html = _reader(client, founding_paper.slug).content.decode()
    assert "Sign in to annotate" in html
    assert _payload(html)["annotations"] == [] and _payload(html)["user"] is None
    assert "private words" not in str(_public_threads(client, html))


def test_public_threads_are_revalidated_never_immutable(
    client, founding_paper, user, make_annotation
):
    """The page links one URL per version; its ETag changes with what it shows (ADR 0007),
    so a client revalidates instead of keeping an old set for a year."""
    make_annotation(user, body="public words")
    html = _reader(client, founding_paper.slug).content.decode()
    url = _payload(html)["threads"]
    assert "?" not in url
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert "immutable" not in response["Cache-Control"]
    assert "public" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    make_annotation(user, body="more public words")
    fresh = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert fresh.status_code == 200 and "more public words" in fresh.content.decode()


def test_public_threads_of_a_version_not_ready_is_a_404(client, founding_paper):
    from apps.sources.models import Document

    pending = Document.objects.create(source=founding_paper, import_format="text")
    assert client.get(f"/reader/{pending.pk}/threads.json").status_code == 404
    assert client.get("/reader/999999/threads.json").status_code == 404


def test_reader_lists_orphans(user, founding_paper, client, make_annotation, run_on_commit):
    from apps.sources.models import Document, DocumentUpload
    from apps.sources.services import document_import
    from apps.sources.starter import FOUNDING_PAPER_FILE

    make_annotation(user, quote="Amy Dobson and Wong")
    text = FOUNDING_PAPER_FILE.read_text().replace("Amy Dobson and Wong", "the authors")
    document = Document.objects.create(source=founding_paper, import_format="text")
    DocumentUpload.objects.create(document=document, data=text.encode(), size=len(text))
    with run_on_commit():
        document_import(document_id=document.pk)
    html = client.get(f"/sources/{founding_paper.slug}/").content.decode()
    assert "1 annotation could not be placed in this version" in html
    html_v1 = client.get(f"/sources/{founding_paper.slug}/versions/1/").content.decode()
    assert "could not be placed" not in html_v1


def test_reader_threads_are_the_roots_as_the_api_shows_them_and_no_replies(
    user, other_user, client, founding_paper, make_annotation
):
    root = make_annotation(user, tags=["surveillance"])
    services.annotation_reply(author=other_user, parent=root, body="a reply body")
    note = services.annotation_create(
        author=user, document=root.document, source_note=True, body="A note"
    )
    client.force_login(user)
    html = _reader(client, founding_paper.slug).content.decode()
    public = _public_threads(client, html)
    assert "a reply body" not in str(public)
    embedded = {a["id"]: a for a in public}
    assert set(embedded) == {root.pk, note.pk}
    api = client.get(f"/api/annotations/?source={founding_paper.slug}&version=1").json()
    for item in api["results"]:
        if item["parent"] is None:
            assert embedded[item["id"]] == item


def test_reader_payload_is_safe_inside_a_script_element(
    user, client, founding_paper, make_annotation
):
    make_annotation(user, body="</script><script>alert(1)</script> & <b>", visibility="private")
    client.force_login(user)
    html = _reader(client, founding_paper.slug).content.decode()
    script = html.split('id="annotation-data" type="application/json">')[1].split("</script>")[0]
    assert "alert(1)" in script  # the viewer's own private annotation is embedded...
    assert "<" not in script and "&" not in script.replace("\\u0026", "")  # ...escaped


def test_reattach_is_offered_to_the_author_and_moderators_only(
    user, other_user, moderator, founding_paper, client, make_annotation, run_on_commit
):
    from apps.sources.models import Document, DocumentUpload
    from apps.sources.services import document_import
    from apps.sources.starter import FOUNDING_PAPER_FILE

    make_annotation(user, quote="Amy Dobson and Wong")
    text = FOUNDING_PAPER_FILE.read_text().replace("Amy Dobson and Wong", "the authors")
    document = Document.objects.create(source=founding_paper, import_format="text")
    DocumentUpload.objects.create(document=document, data=text.encode(), size=len(text))
    with run_on_commit():
        document_import(document_id=document.pk)
    offered = {}
    for viewer in (user, other_user, moderator, None):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        html = client.get(f"/sources/{founding_paper.slug}/").content.decode()
        assert "1 annotation could not be placed in this version" in html
        offered[viewer.username if viewer else None] = "data-reattach=" in html
    assert offered == {
        user.username: True,
        other_user.username: False,
        moderator.username: True,
        None: False,
    }
