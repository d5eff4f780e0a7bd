"""A signed-in reader's page is cached per session (apps/common/viewer_cache.py, ADR 0005):
served again only to that session, and rendered afresh as soon as anything it shows
changes: public data, the viewer's account, notifications, roles; never across a sign-out
or a password change."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from apps.annotations import services as annotation_services
from apps.annotations.models import Notification
from apps.moderation.permissions import MODERATOR_GROUP
from tests.common.test_page_cache import READER, annotate, csrf_token_in


@pytest.fixture
def viewer_cache(settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 60
    settings.VIEWER_PAGE_CACHE_SECONDS = 60
    settings.PUBLIC_FRAGMENT_CACHE_SECONDS = 60
    from apps.common import page_cache, viewer_cache

    page_cache.bump()  # start from generations no earlier test has used
    page_cache.bump_text()
    viewer_cache.bump_all_viewers()


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def page(client) -> str:
    response = client.get(READER)
    assert response.status_code == 200
    return response.content.decode()


def test_second_request_is_served_from_the_cache(
    founding_paper, user, viewer_cache, run_on_commit, django_assert_max_num_queries
):
    client = signed_in(user)
    first = page(client)
    with django_assert_max_num_queries(1):  # the session (database sessions in tests)
        second = page(client)
    assert user.public_name in second
    assert csrf_token_in(first) != csrf_token_in(second)
    assert second.replace(csrf_token_in(second), "T") == first.replace(csrf_token_in(first), "T")


def test_the_token_in_a_cached_page_is_valid(founding_paper, user, viewer_cache):
    client = signed_in(user)
    page(client)
    token = csrf_token_in(page(client))
    response = client.post("/accounts/logout/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302  # signed out, not "CSRF verification failed"
    assert user.public_name not in page(client)


def mine(client, paper) -> str:
    """The reader's personal part (the page itself is the same for everyone)."""
    response = client.get(f"/reader/{paper.current_document_id}/mine.json")
    assert response.status_code == 200
    return response.content.decode()


def test_own_private_annotation_appears_at_once(founding_paper, user, viewer_cache, run_on_commit):
    client = signed_in(user)
    page(client)
    assert "Compare with credit scores" not in mine(client, founding_paper)
    with run_on_commit():
        annotate(user, founding_paper, visibility="private")
    assert "Compare with credit scores" in mine(client, founding_paper)
    assert "Compare with credit scores" not in page(client)


def test_never_served_to_another_session_or_user(
    founding_paper, user, other_user, viewer_cache, run_on_commit
):
    with run_on_commit():
        annotate(user, founding_paper, visibility="private")
    assert "Compare with credit scores" in mine(signed_in(user), founding_paper)
    assert "Compare with credit scores" not in mine(signed_in(other_user), founding_paper)
    html = page(signed_in(other_user))
    assert "Compare with credit scores" not in html
    assert other_user.public_name in html and user.public_name not in html


def test_unread_count_follows_notifications(
    founding_paper, user, other_user, viewer_cache, run_on_commit
):
    client = signed_in(user)
    assert "unread" not in page(client)
    with run_on_commit():
        root, _ = annotate(user, founding_paper)
        annotation_services.annotation_reply(author=other_user, parent=root, body="I disagree.")
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 1
    assert '<span class="badge">1<' in page(client)
    with run_on_commit():  # a bulk update, no model signal: the service bumps
        annotation_services.notifications_mark_read(user=user)
    assert "unread" not in page(client)


def test_role_and_profile_changes_show_at_once(founding_paper, user, viewer_cache, run_on_commit):
    client = signed_in(user)
    assert "/moderation/" not in page(client)
    with run_on_commit():
        user.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])
    assert "/moderation/" in page(client)
    with run_on_commit():
        user.display_name = "Dr. Renamed"
        user.save(update_fields=["display_name"])
    assert "Dr. Renamed" in page(client)
    with run_on_commit():
        Group.objects.get(name=MODERATOR_GROUP).user_set.clear()
    assert "/moderation/" not in page(client)


def test_a_password_change_locks_old_sessions_out(
    founding_paper, user, viewer_cache, run_on_commit
):
    """A stolen session must not keep reading the cached page once the password changed."""
    old_session = signed_in(user)
    page(old_session)
    page(old_session)  # cached now
    with run_on_commit():
        user.set_password("a-new-secret-123")
        user.save()
    fresh = signed_in(user)
    page(fresh)  # the new session's page is cached under the new generation
    html = page(old_session)
    assert user.public_name not in html
    assert "Sign in" in html


def test_a_deactivated_account_is_signed_out(founding_paper, user, viewer_cache, run_on_commit):
    client = signed_in(user)
    page(client)
    with run_on_commit():
        user.is_active = False
        user.save(update_fields=["is_active"])
    assert user.public_name not in page(client)


def test_pending_flash_message_is_shown(founding_paper, user, viewer_cache, rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse

    client = signed_in(user)
    page(client)
    # What messages.success() before a redirect leaves for the next page.
    storage, response = CookieStorage(rf.get("/")), HttpResponse()
    storage.add(constants.SUCCESS, "Saved your changes.")
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    assert "Saved your changes." in page(client)
    assert "Saved your changes." not in page(client)  # shown once, as always


def test_a_page_with_a_csp_nonce_is_never_stored(rf):
    """A nonce must never be sent twice: such a page is rendered every time."""
    from django.http import HttpResponse

    from apps.common import page_cache

    request = rf.get("/")
    response = HttpResponse("<script nonce='n'></script>")
    assert page_cache.storable(request, response)
    request._csp_nonce = "n"
    assert not page_cache.storable(request, response)


def test_cache_outage_renders_the_page(founding_paper, user, viewer_cache, monkeypatch):
    from django.core.cache import cache

    client = signed_in(user)

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    html = page(client)
    assert user.public_name in html


# --- Private writes touch only their author's pages ---------------------------------------


def generations(*users):
    from apps.common import page_cache, viewer_cache

    return [page_cache.generation()] + [
        page_cache.generation(viewer_cache.viewer_key(u.pk)) for u in users
    ]


def test_private_annotation_writes_bump_only_their_authors_generation(
    founding_paper, user, other_user, viewer_cache, run_on_commit
):
    """Hypothesis's users keep most annotations private: those writes must not empty every
    reader's cache. Only a change of what others may see bumps the public generation."""
    public, mine, theirs = generations(user, other_user)
    with run_on_commit():
        private, _ = annotate(user, founding_paper, visibility="private")
    after_create = generations(user, other_user)
    assert after_create[0] == public and after_create[2] == theirs
    assert after_create[1] > mine

    with run_on_commit():
        annotation_services.annotation_update(annotation=private, user=user, body="Edited.")
        annotation_services.annotation_reply(author=user, parent=private, body="Note to self.")
    after_edit = generations(user, other_user)
    assert after_edit[0] == public and after_edit[1] > after_create[1]

    with run_on_commit():  # made public: everyone's pages change
        annotation_services.annotation_update(annotation=private, user=user, visibility="public")
    public_again = generations(user)[0]
    assert public_again > public
    with run_on_commit():  # and private again: it must leave everyone's pages
        annotation_services.annotation_update(annotation=private, user=user, visibility="private")
    assert generations(user)[0] > public_again


def test_soft_and_hard_deletes_of_private_annotations(
    founding_paper, user, viewer_cache, run_on_commit
):
    with run_on_commit():
        private, _ = annotate(user, founding_paper, visibility="private")
    public = generations()[0]
    with run_on_commit():
        annotation_services.annotation_delete(annotation=private, user=user)
    assert generations()[0] == public
    with run_on_commit():  # a hard delete (an account removed) may change thread shapes
        private.delete()
    assert generations()[0] > public


def test_others_keep_their_cached_pages_while_someone_writes_privately(
    founding_paper, user, other_user, viewer_cache, run_on_commit, django_assert_max_num_queries
):
    author, reader = signed_in(user), signed_in(other_user)
    page(reader)
    with run_on_commit():
        annotate(user, founding_paper, visibility="private")
    assert "Compare with credit scores" in mine(author, founding_paper)
    with django_assert_max_num_queries(1):  # the session only: still cached
        html = page(reader)
    assert "Compare with credit scores" not in html


def test_authors_search_facets_follow_their_private_writes(
    founding_paper, user, viewer_cache, run_on_commit
):
    client = signed_in(user)
    search = {"q": "geo-scoring"}
    assert "tag=geo-scoring" not in client.get("/search/", search).content.decode()
    with run_on_commit():
        annotate(user, founding_paper, visibility="private")
    assert "tag=geo-scoring" in client.get("/search/", search).content.decode()


def test_unread_count_is_kept_between_pages_until_something_changes(
    founding_paper, user, other_user, viewer_cache, run_on_commit
):
    """Every signed-in page shows the unread count; it is counted once per change, not
    once per page (pages without the whole-page cache too)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(user)
    with run_on_commit():
        root, _ = annotate(user, founding_paper)
        annotation_services.annotation_reply(author=other_user, parent=root, body="I disagree.")

    def sources_page():
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/sources/").content.decode()
        counted = any("annotations_notification" in q["sql"] for q in queries.captured_queries)
        return html, counted

    html, counted = sources_page()
    assert '<span class="badge">1<' in html and counted
    html, counted = sources_page()
    assert '<span class="badge">1<' in html and not counted
    with run_on_commit():  # the notified reply deleted by its author: the count drops
        reply = root.replies.get()
        annotation_services.annotation_delete(annotation=reply, user=other_user)
    html, counted = sources_page()
    assert "unread" not in html and counted
