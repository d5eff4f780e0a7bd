"""Issue 15 in Chromium: countries picked by name, the entries table, comparing systems,
the year slider and the embeddable map."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_atlas import run_axe

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


@pytest.fixture
def starter(founding_paper):
    from apps.atlas.starter import load_starter_data

    list(load_starter_data())


def test_compare_countries_chosen_by_name_with_the_keyboard(starter, page):
    page.goto("/atlas/compare/?countries=DE")
    box = page.get_by_role("combobox", name="Countries")
    box.fill("")
    box.press_sequentially("Chin", delay=20)
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option", name="China", exact=True)).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute(
        "aria-activedescendant", listbox.locator("[role=option]").first.get_attribute("id")
    )
    box.press("Enter")
    expect(box).to_have_value("China, ")
    box.press_sequentially("germ", delay=20)
    box.press("Enter")  # the list is open: Enter picks the first match
    expect(box).to_have_value("China, Germany, ")
    box.press("Enter")  # closed: submits
    page.wait_for_url("**/compare/?countries=*")
    expect(page.locator(".compare-table thead")).to_contain_text("China")
    expect(page.locator(".compare-table thead")).to_contain_text("Germany")
    assert run_axe(page) == []
    assert page.js_errors == []


def test_entry_form_country_combobox(user, login_page):
    author = login_page(user)
    author.goto("/atlas/examples/new/")
    box = author.get_by_role("combobox", name="Country or scope")
    box.click()
    box.press_sequentially("united st", delay=20)
    author.get_by_role("option", name="United States of America").click()
    expect(author.locator("#id_country")).to_have_value("US")
    expect(box).to_have_value("United States of America")
    # A typed name that is exactly one country's is taken on leaving the box.
    box.fill("France")
    box.press("Tab")
    expect(author.locator("#id_country")).to_have_value("FR")
    # Anything else puts the last choice back: what is shown is what is sent.
    box.fill("Atlantis")
    box.press("Tab")
    expect(box).to_have_value("France")
    assert run_axe(author) == []
    assert author.js_errors == []
