"""Issue 19: an admin appoints a moderator for two countries with the country picker
(type a name or an ISO code, arrows and Enter; no 250-item list), keyboard only."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import serious_violations
from tests.factories import UserFactory
from tests.moderation.conftest import make_admin

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_picks_countries_by_name_and_code(login_page):
    from apps.moderation import permissions

    volunteer = UserFactory(username="volunteer")
    page = login_page(make_admin())
    page.goto("/moderation/users/volunteer/")
    assert page.locator("select[name=countries]").is_hidden()
    combobox = page.get_by_role("combobox", name="Countries (moderators only)")
    expect(combobox).to_be_visible()
    page.get_by_label("Change").select_option("grant_moderator")

    combobox.focus()
    page.keyboard.type("fran")
    expect(page.get_by_role("option", name="France (FR)")).to_be_visible()
    assert combobox.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Enter")  # picks the highlighted match, never submits
    expect(page.get_by_role("button", name="Remove France")).to_be_visible()
    page.keyboard.type("de")  # an ISO code comes first among the matches
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Remove Germany")).to_be_visible()
    page.keyboard.type("belg")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Remove Belgium").click()  # changed my mind
    expect(page.get_by_role("button", name="Remove Belgium")).to_have_count(0)
    assert serious_violations(page) == []

    page.get_by_label("Reason").fill("Volunteer for France and Germany")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Saved. The change is in the moderation log.").wait_for()
    permissions.forget_roles(volunteer)
    assert permissions.moderator_countries(volunteer) == frozenset({"FR", "DE"})
    assert page.js_errors == []


def test_the_directory_and_queue_filter_one_country_with_the_same_widget(login_page):
    """The single-country filters of the user directory and the queue are the site's one
    country combobox (static/js/country-combobox.js), not plain 250-item selects."""
    page = login_page(make_admin())
    page.goto("/moderation/users/")
    box = page.get_by_role("combobox", name="Moderators of country")
    box.click()
    box.press_sequentially("fr", delay=20)  # an ISO code comes first
    expect(page.get_by_role("listbox").get_by_role("option").first).to_have_text("France")
    box.press("Enter")  # picks
    expect(box).to_have_value("France")
    box.press("Enter")  # the list is closed: submits the filters
    page.wait_for_url("**/moderation/users/?*country=FR*")
    expect(page.get_by_role("combobox", name="Moderators of country")).to_have_value("France")
    assert serious_violations(page) == []

    page.goto("/moderation/?country=DE")
    queue_box = page.get_by_role("combobox", name="Country")
    expect(queue_box).to_have_value("Germany")
    # The select stays the submitted field, out of sight and of the keyboard order.
    expect(page.locator("select[name=country]")).to_have_attribute("aria-hidden", "true")
    assert page.js_errors == []
