"""End to end in Chromium (issue 5): a contributor submits an entry; a moderator of its
country works the queue with the keyboard and publishes it with a reason; the author
sees the notice; the map colours the country and its table lists it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.atlas.models import Example
from apps.moderation.models import ReviewItem
from tests.browser.axe import serious_violations
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.browser

CHOROPLETH = re.compile(r"#(c6dbef|9ecae1|6baed6|3182bd|08519c)", re.I)


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    # live_server tests flush the database between tests, migration-seeded rows included;
    # the cache (map aggregates, throttle counters) outlives them.
    from django.core.cache import cache

    from apps.atlas.taxonomy import ensure_default_categories

    cache.clear()
    ensure_default_categories()


def test_submit_review_with_keyboard_publish_notice_and_map(login_page, page):
    author = UserFactory(country="FR")
    moderator = make_moderator(countries=["FR"])

    # 1. The contributor (not trusted) submits an entry: it waits for review.
    writer = login_page(author)
    writer.goto("/atlas/examples/new/")
    expect(writer.locator("#id_country")).to_have_value("FR")
    writer.fill("#id_title", "Social housing tenant scores")
    writer.select_option("#id_category", "tenant-screening")
    writer.fill("#id_summary", "Housing offices rank applicants by a **payment score**.")
    writer.select_option("#id_operator", "state")
    writer.check("input[name=consequences][value=access_restrictions]")
    writer.fill("#id_evidence-0-title", "Scored for a flat")
    writer.fill("#id_evidence-0-url", "https://example.org/hlm-scores")
    writer.fill("#id_evidence-0-published", "2021-03-15")  # evidence is dated
    writer.get_by_role("button", name="Submit for review").click()
    expect(writer.locator(".messages")).to_contain_text("awaits review")
    example = Example.objects.get(title="Social housing tenant scores")
    assert example.status == "submitted"
    item = ReviewItem.objects.get(item_type="submitted_entry", object_id=str(example.pk))
    assert item.country == "FR"

    # Not public meanwhile.
    page.goto("/atlas/")
    expect(page.locator("#atlas-headline")).to_have_text("0 examples in 0 countries")

    # 2. The moderator works the queue with the keyboard: next, claim, next, approve.
    reviewer = login_page(moderator)
    errors: list[str] = []
    reviewer.on("pageerror", lambda exc: errors.append(str(exc)))
    reviewer.goto("/moderation/")
    row = reviewer.locator("tbody tr", has_text="Social housing tenant scores")
    expect(row).to_contain_text("Submitted entry")
    assert serious_violations(reviewer) == []
    reviewer.keyboard.press("j")
    reviewer.keyboard.press("c")
    reviewer.get_by_text("You claimed “Social housing tenant scores”.").wait_for()
    # The table comes back through htmx; the cursor is back on a row once it has settled
    # (a key pressed between the swap and the settle was moved back by it: a flaky run).
    expect(reviewer.locator("#queue-table .queue__row.is-current")).to_be_focused()
    reviewer.keyboard.press("j")
    reviewer.keyboard.press("a")
    reason = reviewer.get_by_label("Reason for “Social housing tenant scores”")
    assert reason.evaluate("el => el === document.activeElement")
    reason.fill("Well sourced; the housing office report confirms it.")
    reason.press("Enter")
    reviewer.get_by_text("Publish: “Social housing tenant scores”.").wait_for()
    assert errors == []
    example.refresh_from_db()
    assert example.status == "published"

    # 3. The author is told, with the reason.
    writer.goto("/notifications/")
    notices = writer.locator("main")
    expect(notices).to_contain_text("Social housing tenant scores")
    expect(notices).to_contain_text("Well sourced; the housing office report confirms it.")

    # 4. The public map colours France and its table lists it.
    page.goto("/atlas/")
    expect(page.locator("#atlas-headline")).to_have_text("1 example in 1 country")
    expect(page.locator("#atlas-map[data-ready=true]")).to_be_attached()
    expect(page.locator('path[data-country="FR"]')).to_have_attribute("fill", CHOROPLETH)
    expect(page.locator('#atlas-table tr[data-country="FR"]')).to_contain_text("France")
    assert page.js_errors == []
