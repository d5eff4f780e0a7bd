"""Dated lifecycle changes in Chromium: a moderator records one on the editors' page,
corrects it from its row, and the entry's coded lifecycle follows; the page has no
serious accessibility violations in either state."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.models import Example
from tests.atlas.conftest import evidence_data, example_data
from tests.moderation.conftest import make_moderator

from .axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    # live_server tests flush the database between tests, migration-seeded rows included.
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


def test_a_moderator_records_and_corrects_a_change_and_the_value_follows(user, login_page):
    moderator = make_moderator(countries=["CN"])
    example = entry_services.example_create(
        author=user,
        data=example_data(title="Social Credit System", country="CN", lifecycle="active"),
        evidence=[evidence_data()],
        submit=True,
        confirm_distinct=True,
    )
    example = transitions.example_transition(actor=moderator, example=example, to="published")

    page = login_page(moderator)
    page.goto(f"/atlas/examples/{example.pk}/lifecycle/")
    page.locator("#lifecycle-state").select_option("pilot")
    page.locator("#lifecycle-date").fill("2014")
    page.locator("#lifecycle-evidence_title").fill("Planning outline")
    page.locator("#lifecycle-evidence_url").fill("https://example.org/outline")
    page.get_by_role("button", name="Record the change").press("Enter")
    expect(page.locator(".messages")).to_contain_text("The change was recorded")
    assert Example.objects.get(pk=example.pk).lifecycle == "pilot"
    assert serious_violations(page) == []

    page.get_by_role("link", name="Correct the change of 2014").click()
    expect(page.get_by_role("heading", name="Correct the change of 2014")).to_be_visible()
    expect(page.locator("#lifecycle-evidence_title")).to_have_value("Planning outline")
    assert serious_violations(page) == []
    page.locator("#lifecycle-state").select_option("discontinued")
    page.locator("#lifecycle-reason").fill("Misread the outline")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator(".messages")).to_contain_text("The change was corrected")
    assert Example.objects.get(pk=example.pk).lifecycle == "discontinued"
