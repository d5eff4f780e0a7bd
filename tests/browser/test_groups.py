"""Reading groups in Chromium (issue 14): a member writes a note for the group in the
reader; another member sees its highlight and thread; a non-member sees nothing of it on
the reader, in search, in the API or in the feeds; the pages pass axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.annotations import services
from apps.annotations.models import Annotation
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
