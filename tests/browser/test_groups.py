"""Reading groups in Chromium (issue 14): a member writes a note for the group in the
reader; another member sees its highlight and thread; a non-member sees nothing of it on
the reader, in search, in the API or in the feeds; the pages pass axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.annotations import services
from apps.annotations.models import Annotation
from apps.annotations.services import TextPositionSelector
from tests.browser.axe import serious_violations
from tests.browser.test_annotations import SENTENCE, select_with_mouse
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

NOTE = "Seminar reading: compare with the Dutch case"


@pytest.fixture
def paper(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from apps.sources.starter import load_founding_paper

    source, _ = load_founding_paper()
    source.refresh_from_db()
    return source


def test_a_group_note_is_seen_by_members_only(paper, login_page):
    author, member, outsider = UserFactory(), UserFactory(), UserFactory()
    group = services.group_create(creator=author, name="Scoring seminar")
    services.group_join(user=member, group=group, invite=group.invite_token)

    page = login_page(author)
    page.goto(f"/sources/{paper.slug}/")
    expect(page.locator("#filter-audience-label")).to_be_visible()
    select_with_mouse(page, SENTENCE)
    page.get_by_role("button", name="Annotate", exact=True).click()
    page.get_by_label("Comment").fill(NOTE)
    page.get_by_label("Visibility").select_option(label="Scoring seminar")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".annotation-card__body")).to_have_text(NOTE)
    note = Annotation.objects.get()
    assert (note.visibility, note.group_id) == ("group", group.pk)
    expect(page.locator(".annotation-card__flag").first).to_contain_text("Scoring seminar")

    # Another member: the highlight and its thread, and the filter keeps it by group.
    member_page = login_page(member)
    member_page.goto(f"/sources/{paper.slug}/")
    highlight = member_page.locator("mark.hl")
    expect(highlight).to_have_text([SENTENCE])
    member_page.locator("#filter-audience").select_option("public")
    expect(member_page.locator("mark.hl")).to_have_count(0)
    member_page.locator("#filter-audience").select_option(f"group:{group.slug}")
    expect(member_page.locator("mark.hl")).to_have_text([SENTENCE])
    member_page.locator("mark.hl").first.click()
    expect(member_page.locator(".annotation-card__body")).to_have_text(NOTE)
    assert serious_violations(member_page) == []
    member_page.goto(f"/groups/{group.slug}/")
    expect(member_page.get_by_role("heading", name="Scoring seminar")).to_be_visible()
    expect(member_page.locator("main")).to_contain_text(NOTE)
    assert serious_violations(member_page) == []

    # A non-member: nothing, anywhere they look.
    outsider_page = login_page(outsider)
    outsider_page.goto(f"/sources/{paper.slug}/")
    expect(outsider_page.locator("#filter-audience-label")).to_be_visible()  # mine.json came
    expect(outsider_page.locator("mark.hl")).to_have_count(0)
    assert NOTE not in outsider_page.content()
    assert serious_violations(outsider_page) == []
    for url in (
        "/search/?q=Dutch",
        "/api/search/?q=Dutch",
        f"/api/annotations/?source={paper.slug}",
        "/activity/",
        "/activity/feed/",
    ):
        response = outsider_page.goto(url)
        assert response.status in (200, 404), url
        assert NOTE not in response.text(), url
    assert outsider_page.goto(f"/api/annotations/{note.pk}/").status == 404
    assert outsider_page.goto(f"/groups/{group.slug}/").status == 404
    assert page.js_errors == [] and member_page.js_errors == [] and outsider_page.js_errors == []


REPLY = "Member B answers inside the seminar"


def test_a_reply_inside_a_group_stays_in_the_group(paper, login_page):
    """Member A writes a group note, member B replies in the reader, A sees the reply;
    a non-member sees neither the note nor the reply (reader, API, search), and the
    reply inherits the group."""
    author, member, outsider = UserFactory(), UserFactory(), UserFactory()
    group = services.group_create(creator=author, name="Scoring seminar")
    services.group_join(user=member, group=group, invite=group.invite_token)
    document = paper.current_document
    start = document.text.index(SENTENCE)
    note = services.annotation_create(
        author=author, document=document, body=NOTE, visibility="group", group=group,
        position=TextPositionSelector(start, start + len(SENTENCE)),
    )  # fmt: skip

    member_page = login_page(member)
    member_page.goto(f"/sources/{paper.slug}/")
    member_page.locator("mark.hl").first.click()
    expect(member_page.locator(".annotation-card__body").first).to_have_text(NOTE)
    member_page.get_by_role("button", name="Reply").first.click()
    member_page.get_by_label("Reply").fill(REPLY)
    member_page.get_by_role("button", name="Save").click()
    expect(
        member_page.locator(".annotation-card[data-depth='1'] .annotation-card__body")
    ).to_have_text(REPLY)
    reply = Annotation.objects.get(parent=note)
    assert (reply.visibility, reply.group_id, reply.author_id) == ("group", group.pk, member.pk)
    assert serious_violations(member_page) == []

    author_page = login_page(author)
    author_page.goto(f"/sources/{paper.slug}/")
    author_page.locator("mark.hl").first.click()
    expect(
        author_page.locator(".annotation-card[data-depth='1'] .annotation-card__body")
    ).to_have_text(REPLY)

    outsider_page = login_page(outsider)
    outsider_page.goto(f"/sources/{paper.slug}/")
    expect(outsider_page.locator("#filter-audience-label")).to_be_visible()  # mine.json came
    expect(outsider_page.locator("mark.hl")).to_have_count(0)
    assert REPLY not in outsider_page.content() and NOTE not in outsider_page.content()
    for url in (f"/api/annotations/{reply.pk}/", f"/api/annotations/{note.pk}/"):
        assert outsider_page.goto(url).status == 404
    for url in ("/search/?q=answers", f"/api/annotations/?thread={note.pk}", "/activity/feed/"):
        response = outsider_page.goto(url)
        assert response.status in (200, 400, 404), url
        assert REPLY not in response.text(), url
    assert member_page.js_errors == [] and author_page.js_errors == []
    assert outsider_page.js_errors == []


def test_owner_deletes_a_group_after_confirming(paper, login_page):
    owner = UserFactory()
    group = services.group_create(creator=owner, name="Short-lived seminar")
    document = paper.current_document
    start = document.text.index(SENTENCE)
    note = services.annotation_create(
        author=owner, document=document, body=NOTE, visibility="group", group=group,
        position=TextPositionSelector(start, start + len(SENTENCE)),
    )  # fmt: skip
    page = login_page(owner)
    page.goto(f"/groups/{group.slug}/")
    page.get_by_role("link", name="Delete the group…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Short-lived seminar")
    expect(page.locator("main")).to_contain_text("private to its author")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Delete the group").click()
    expect(page).to_have_url(re.compile(r"/groups/$"))
    note.refresh_from_db()
    assert (note.visibility, note.group_id) == ("private", None)
    assert page.js_errors == []
