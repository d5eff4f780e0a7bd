"""Search in a real browser: header box -> results -> the passage, term highlighted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


@pytest.mark.browser
def test_search_schufa_and_open_the_highlighted_passage(transactional_db, page, founding_paper):
    from playwright.sync_api import expect

    page.goto("/")
    box = page.get_by_role("search", name="Site").get_by_label(
        "Search sources, passages, annotations and atlas entries"
    )
    box.fill("Schufa")
    box.press("Enter")

    page.wait_for_url(re.compile(r"/search/\?q=Schufa$"))
    expect(page.get_by_role("heading", name=re.compile("results? for “Schufa”"))).to_be_visible()
    passage_link = page.locator(".hit--passage .hit__title a").first
    expect(page.locator(".hit--passage .hit__snippet mark").first).to_have_text("Schufa")
    _assert_accessible(page)

    passage_link.click()
    page.wait_for_url(re.compile(r"/sources/wong-2021-social-credit/\?highlight=.*#p-"))
    anchor = page.url.split("#", 1)[1]
    target = page.locator(f"#{anchor}")
    expect(target).to_be_in_viewport()
    marks = target.locator(".passage__text mark.search-highlight")
    expect(marks.first).to_have_text("Schufa")
    # Only the opened passage is marked.
    assert page.locator("mark.search-highlight").count() == marks.count()
    assert page.js_errors == []


@pytest.mark.browser
def test_keyboard_only_search_from_the_header(transactional_db, page, founding_paper):
    from playwright.sync_api import expect

    page.goto("/sources/")
    page.keyboard.press("Tab")  # skip link
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search-q":
            break
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type('"credit score" -china')
    page.keyboard.press("Enter")
    expect(page.locator(".hit").first).to_be_visible()
    assert page.js_errors == []


@pytest.mark.browser
def test_suggestions_from_the_keyboard(transactional_db, page, founding_paper):
    """Type in the header box, walk the suggestions with the arrow keys (ARIA combobox
    and listbox), open one with Enter; axe-core finds nothing serious with the list open."""
    from django.core.management import call_command
    from playwright.sync_api import expect

    call_command("load_starter_data", verbosity=0)  # the starter atlas entries
    page.goto("/sources/")
    box = page.get_by_role(
        "combobox", name="Search sources, passages, annotations and atlas entries"
    )
    box.focus()
    page.keyboard.type("ses")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option", name=re.compile("Sesame Credit"))
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    _assert_accessible(page)

    # Down until the entry is the active option; focus never leaves the box.
    options = listbox.get_by_role("option")
    for _ in range(options.count()):
        page.keyboard.press("ArrowDown")
        if option.get_attribute("aria-selected") == "true":
            break
    expect(option).to_have_attribute("aria-selected", "true")
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/atlas/examples/\d+/sesame-credit-alibaba/"))

    # Escape closes the list; Enter then searches for what was typed.
    page.goto("/sources/")
    box = page.get_by_role(
        "combobox", name="Search sources, passages, annotations and atlas entries"
    )
    box.focus()
    page.keyboard.type("schufa")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=schufa$"))
    assert page.js_errors == []


def _assert_accessible(page) -> None:
    # Evaluated over the DevTools protocol: the site's CSP (rightly) refuses inline tags.
    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)"
    )
    assert violations == []
