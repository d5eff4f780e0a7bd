"""The personal layer in Chromium: public pages are the same for everyone, and
static/js/site.js fills in the signed-in viewer's part from /api/me/ and private
fragments; forms post with the token from the csrftoken cookie."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from apps.atlas.models import Example
from apps.moderation.permissions import MODERATOR_GROUP
from tests.browser.test_atlas import starter  # noqa: F401 - fixture
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def watched(page):
    """Record script errors, as the ``page`` fixture does."""
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def test_header_shows_the_viewer_after_api_me(founding_paper, login_page):
    user = UserFactory(username="reader-x", display_name="Reader Xenia")
    page = watched(login_page(user))
    page.goto("/sources/")
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Reader Xenia")).to_be_visible()
    expect(account.get_by_role("button", name="Sign out")).to_be_visible()
    expect(account.get_by_role("link", name="Sign in")).to_be_hidden()
    expect(page.get_by_role("link", name="Add a source")).to_be_visible()
    expect(page.get_by_role("link", name="Moderation")).to_be_hidden()
    assert page.js_errors == []


def test_anonymous_sees_the_page_as_rendered(founding_paper, page):
    page.goto("/sources/")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Add a source")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    assert page.js_errors == []


def test_moderator_controls_and_a_comment_posted_with_the_cookie_token(
    starter,  # noqa: F811
    login_page,
):
    entry = Example.objects.get(title="Schufa geo-scoring")
    moderator = UserFactory(username="mod-x", display_name="Mod Xavier")
    moderator.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])
    page = watched(login_page(moderator))
    page.goto(entry.get_absolute_url())
    expect(page.get_by_role("link", name="Moderation")).to_be_visible()
    expect(page.get_by_role("link", name="Merge into another entry…")).to_be_visible()
    # The comment form: in the public page, revealed, posted with the cookie's token.
    page.get_by_label("Add to the discussion (Markdown)").fill("A remark from the moderator.")
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator(".comment", has_text="A remark from the moderator.")
    expect(comment).to_be_visible()
    # Their own comment: Delete (owner) and Hide (granted "moderate") appear; no Flag.
    expect(comment.get_by_role("button", name="Delete")).to_be_visible()
    expect(comment.get_by_role("button", name="Hide")).to_be_visible()
    expect(comment.locator("summary", has_text="Flag")).to_be_hidden()
    assert page.js_errors == []


def test_flash_message_comes_from_api_me(starter, login_page):  # noqa: F811
    entry = Example.objects.get(title="Schufa geo-scoring")
    user = UserFactory(username="flagger-x")
    page = watched(login_page(user))
    page.goto(entry.get_absolute_url())
    flag = page.locator("#flag-entry")
    flag.locator("summary", has_text="Flag").click()
    flag.get_by_label("What is wrong?").select_option("inaccurate")
    flag.get_by_role("button", name="Send to the moderators").click()
    expect(page.locator("[data-messages]")).to_contain_text("a moderator will look at it")
    assert page.js_errors == []


def test_signing_out_shows_its_message_on_the_public_page(founding_paper, login_page):
    page = watched(login_page(UserFactory(username="leaver-x")))
    page.goto("/sources/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("[data-messages]")).to_contain_text("signed out")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert page.js_errors == []


def test_an_anonymous_reader_asks_for_nothing_personal(founding_paper, page):
    """A first-time reader (no cookie) loads the public page and its public threads only:
    no mine.json, no /api/me/ (both private, never cached by a shared cache)."""
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(founding_paper.get_absolute_url())
    page.wait_for_function("() => document.querySelector('.reader.has-annotations')")
    assert any("/threads.json" in url for url in asked)
    assert not [url for url in asked if "/mine.json" in url or "/api/me/" in url]
    assert page.js_errors == []


def test_a_signed_in_reader_gets_their_part(founding_paper, login_page):
    page = watched(login_page(UserFactory(username="reader-y")))
    with page.expect_response(lambda r: "/mine.json" in r.url) as mine:
        page.goto(founding_paper.get_absolute_url())
    assert mine.value.json()["user"] == "reader-y"
    assert page.js_errors == []
