"""HTML: notifications page and the unread badge in the header."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.annotations import services
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_notifications_page_lists_and_marks_read(
    user, other_user, client, make_annotation, django_assert_max_num_queries, session_read
):
    root = make_annotation(user)
    for i in range(3):
        services.annotation_reply(author=other_user, parent=root, body=f"reply {i}")
        root = make_annotation(user, quote="Alibaba")
    client.force_login(user)
    with django_assert_max_num_queries(6 + session_read):
        response = client.get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("replied to you on") == 3
    assert (
        '<span class="badge" data-me="unread-notifications"><span data-me-count>3</span>'
        '<span class="visually-hidden"> unread</span></span>'
    ) in html
    response = client.post("/notifications/")
    assert response.status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    html = client.get("/notifications/").content.decode()
    assert 'class="badge" data-me="unread-notifications" hidden' in html


def test_notifications_need_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_header_count_costs_one_query(user, client, founding_paper):
    """Public pages count nothing (the count comes from /api/me/, once)."""
    client.force_login(user)

    def notification_queries(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return sum("notifications_notification" in q["sql"] for q in queries.captured_queries)

    assert notification_queries("/sources/") == 0
    assert notification_queries("/api/me/") == 1
    assert 'data-when="signed-in" hidden' in client.get("/sources/").content.decode()


def _reader(client, slug):
    return client.get(f"/sources/{slug}/")


def _payload(html: str) -> dict:
    import json

    return json.loads(
        html.split('id="annotation-data" type="application/json">')[1].split("</script>")[0]
    )


def _public_threads(client, html: str) -> list[dict]:
    """What the reader's script fetches: every page of the public set, from the URL the
    page gives."""
    roots, url = [], _payload(html)["threads"]
    while url:
        response = client.get(url)
        assert response.status_code == 200
        roots += _roots(response.json())
        url = response.json()["next"]
    return roots


def _roots(page: dict) -> list[dict]:
    """A page's table of roots as dicts, each author as [username, name]."""
    rows = [dict(zip(page["columns"], row, strict=True)) for row in page["annotations"]]
    for row in rows:
        row["author"] = None if row["author"] is None else page["authors"][row["author"]]
    return rows


def _mine(client, html: str) -> dict:
    response = client.get(_payload(html)["mine"])
    assert response.status_code == 200
    return response.json()


def test_reader_query_count_is_independent_of_annotations(
    user, other_user, client, founding_paper, make_annotation, django_assert_max_num_queries
):
    client.force_login(user)
    slug = founding_paper.slug
    with CaptureQueriesContext(connection) as baseline:
        html = _reader(client, slug).content.decode()
    with CaptureQueriesContext(connection) as threads_baseline:
        _public_threads(client, html)
    with CaptureQueriesContext(connection) as mine_baseline:
        _mine(client, html)
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
    with django_assert_max_num_queries(len(mine_baseline.captured_queries)):
        assert len(_mine(client, html)["annotations"]) == 1
    assert 'id="annotation-data"' in html
    assert "js/annotations/main.js" in html and 'type="module"' in html
    assert "Annotate passage" in html  # the script's string: it adds the buttons


def test_reader_page_is_the_same_for_every_viewer(
    user, other_user, moderator, client, founding_paper, make_annotation
):
    """Nothing personal is in the reader's annotation slots: the payload and the controls
    are the same for everyone (personal ones hidden until mine.json reveals them)."""
    make_annotation(user, body="public words")
    make_annotation(user, quote="Alibaba", visibility="private", body="private words")
    pages = {}
    for viewer in (None, user, other_user, moderator):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        html = _reader(client, founding_paper.slug).content.decode()
        assert "public words" not in html and "private words" not in html
        aside = html.split('<aside class="annotation-panel"')[1].split("</aside>")[0]
        tools = html.split('<section class="annotation-tools"')[1].split("</section>")[0]
        pages[viewer] = (_payload(html), aside, tools)
        assert '<label class="check" id="filter-mine-label" hidden>' in aside
        assert '<form id="annotation-form" class="annotation-form" hidden' in aside
        assert '<p class="annotation-hint" id="annotation-hint" hidden>' in tools
        assert "Sign in to annotate" in tools
    assert len({repr(page) for page in pages.values()}) == 1
    assert set(pages[None][0]) >= {"threads", "mine", "source", "version", "isCurrent"}
    assert not {"user", "canModerate", "annotations"} & set(pages[None][0])


def test_mine_json_has_the_viewers_own_extras_only(
    user, other_user, client, founding_paper, make_annotation
):
    """Public annotations come from the shared JSON; mine.json has what the viewer alone
    may see, and nobody else's private words ever reach it or the public JSON."""
    make_annotation(user, body="public words")
    private = make_annotation(user, quote="Alibaba", visibility="private", body="private words")
    html = _reader(client, founding_paper.slug).content.decode()
    public = _public_threads(client, html)
    assert [a["id"] for a in public] != [] and "private words" not in str(public)
    anonymous = client.get(_payload(html)["mine"])
    assert anonymous.status_code == 200
    assert anonymous.json() == {
        "user": None, "canModerate": False, "annotations": [], "orphans": [], "reattach": [],
        "groups": [],
    }  # fmt: skip
    client.force_login(other_user)
    mine = _mine(client, html)
    assert mine["user"] == other_user.username and mine["annotations"] == []
    client.force_login(user)
    mine = _mine(client, html)
    assert mine["user"] == user.username and mine["canModerate"] is False
    assert [(a["id"], a["body"]) for a in mine["annotations"]] == [(private.pk, "private words")]


def test_mine_json_is_private_and_revalidated(user, client, founding_paper, make_annotation):
    html = _reader(client, founding_paper.slug).content.decode()
    url = _payload(html)["mine"]
    client.force_login(user)
    first = client.get(url)
    assert first["Cache-Control"] == "private, no-cache"
    assert "Cookie" in first["Vary"]
    assert first.cookies.get("csrftoken")  # writes read the token from the cookie
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    make_annotation(user, visibility="private", body="new private words")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and "new private words" in changed.content.decode()
    assert client.post(url).status_code == 405


def test_public_threads_are_public_revalidated_and_never_immutable(
    client, founding_paper, user, make_annotation
):
    make_annotation(user, body="public words")
    html = _reader(client, founding_paper.slug).content.decode()
    url = _payload(html)["threads"]
    assert "?g=" not in url
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert response["ETag"].startswith('"')  # strong
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    make_annotation(user, quote="Alibaba", body="more public words")
    fresh = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert fresh.status_code == 200 and fresh["ETag"] != response["ETag"]
    assert len(_roots(fresh.json())) == 2


def test_public_threads_are_paged_by_id(
    client, founding_paper, user, make_annotation, settings, monkeypatch
):
    from apps.annotations import reader

    monkeypatch.setattr(reader, "THREADS_PAGE_SIZE", 2)
    made = [make_annotation(user, body=f"public {i}").pk for i in range(5)]
    html = _reader(client, founding_paper.slug).content.decode()
    first = client.get(_payload(html)["threads"]).json()
    assert [a["id"] for a in _roots(first)] == made[:2]
    assert first["next"].endswith(f"?after={made[1]}")
    assert [a["id"] for a in _public_threads(client, html)] == made
    last = client.get(first["next"].split("?")[0] + f"?after={made[3]}").json()
    assert [a["id"] for a in _roots(last)] == made[4:] and last["next"] is None


@pytest.mark.parametrize("after", ["x", "-1", "1.5", "²", "9" * 30])
def test_public_threads_bad_cursor_is_a_400(client, founding_paper, after):
    response = client.get(
        f"/reader/{founding_paper.current_document_id}/threads.json?after={after}"
    )
    assert response.status_code == 400 and "after" in response.json()["detail"]


def test_reader_json_of_a_version_not_ready_is_a_404(client, founding_paper):
    from apps.sources.models import Document

    pending = Document.objects.create(source=founding_paper, import_format="text")
    for name in ("threads", "mine"):
        assert client.get(f"/reader/{pending.pk}/{name}.json").status_code == 404
        assert client.get(f"/reader/999999/{name}.json").status_code == 404


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
    assert 'id="annotation-orphans" role="note" hidden>' in html_v1


def test_reader_threads_are_the_roots_trimmed_from_the_api_shape_and_no_replies(
    user, other_user, client, founding_paper, make_annotation
):
    root = make_annotation(user, tags=["surveillance"], body="the root's own words")
    services.annotation_reply(author=other_user, parent=root, body="a reply body")
    note = services.annotation_create(
        author=user, document=root.document, source_note=True, body="A note"
    )
    client.force_login(user)
    html = _reader(client, founding_paper.slug).content.decode()
    public = _public_threads(client, html)
    # Painting needs no words: bodies, quotes and replies come when a thread is opened.
    assert "a reply body" not in str(public) and "own words" not in str(public)
    embedded = {a["id"]: a for a in public}
    assert set(embedded) == {root.pk, note.pk}
    api = client.get(f"/api/annotations/?source={founding_paper.slug}&version=1").json()
    for item in api["results"]:
        if item["parent"] is None:
            trimmed = embedded[item["id"]]
            assert set(trimmed) == {
                "id", "status", "start", "end", "motivation", "author", "tags", "hidden", "deleted"
            }  # fmt: skip
            for field in ("motivation", "tags", "hidden", "deleted"):
                assert trimmed[field] == item[field], field
            author = item["author"]
            assert trimmed["author"] == (author and [author["username"], author["name"]])
            anchor = item["anchor"] or {"status": None, "start": None, "end": None}
            for field in ("status", "start", "end"):
                assert trimmed[field] == anchor[field], field


def test_reader_payload_is_safe_inside_a_script_element(client, founding_paper):
    from apps.annotations.reader import json_for_script

    html = _reader(client, founding_paper.slug).content.decode()
    script = html.split('id="annotation-data" type="application/json">')[1].split("</script>")[0]
    assert "Re-attach here" in script
    assert "<" not in script and "&" not in script.replace("\\u0026", "")
    escaped = json_for_script({"text": "</script><script>alert(1)</script> & <b>"})
    assert "alert(1)" in escaped and "<" not in escaped and "&" not in escaped


def test_reattach_is_offered_to_the_author_and_moderators_only(
    user, other_user, moderator, founding_paper, client, make_annotation, run_on_commit
):
    from apps.sources.models import Document, DocumentUpload
    from apps.sources.services import document_import
    from apps.sources.starter import FOUNDING_PAPER_FILE

    orphan = make_annotation(user, quote="Amy Dobson and Wong")
    private = make_annotation(user, quote="developed by Alibaba", visibility="private", body="m")
    text = FOUNDING_PAPER_FILE.read_text().replace("Amy Dobson and Wong", "the people")
    text = text.replace("developed by Alibaba", "built")
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
        assert "data-reattach=" not in html  # only the script adds it, from mine.json
        mine = _mine(client, html)
        offered[viewer.username if viewer else None] = mine["reattach"]
        if viewer == user:
            # The author's own private orphan is listed for them only.
            assert [o["id"] for o in mine["orphans"]] == [private.pk]
            assert mine["orphansSummary"] == "2 annotations could not be placed in this version"
        else:
            assert mine["orphans"] == []
    assert offered == {
        user.username: [orphan.pk, private.pk],
        other_user.username: [],
        moderator.username: [orphan.pk],
        None: [],
    }
