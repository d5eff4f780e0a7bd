"""Issue 19: tagging a comparative example from a text selection. The reader's selection
menu offers Annotate and "Tag a comparative example"; the form opens with the selected
words highlighted and stores them with the passage link; the duplicate hint shows live,
and one submit goes through. Anonymous readers are sent to sign in first, and back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.atlas.models import Example, PassageLink
from tests.browser.axe import serious_violations
from tests.browser.test_annotations import select_with_mouse

pytestmark = pytest.mark.browser

SENTENCE = "In Germany, Schufa uses geo-scoring"


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


@pytest.fixture
def starter(founding_paper):
    from apps.atlas.starter import load_starter_data

    list(load_starter_data())
    return founding_paper


def test_a_contributor_tags_an_example_from_a_selected_sentence(starter, user, login_page):
    user.country = "DE"
    user.save()
    page = login_page(user)
    page.goto(f"/sources/{starter.slug}/")
    select_with_mouse(page, SENTENCE)
    menu = page.get_by_role("group", name="Selected text")
    expect(menu.get_by_role("button", name="Annotate", exact=True)).to_be_visible()
    menu.get_by_role("link", name="Tag a comparative example").click()

    expect(page.locator(".linked-passage mark")).to_have_text(SENTENCE)
    assert serious_violations(page) == []
    expect(page.locator("#id_country")).to_have_value("DE")
    page.locator("#id_title").press_sequentially("Schufa geo scoring", delay=20)
    expect(page.locator("#similar-hint")).to_contain_text("Schufa geo-scoring")  # before submit
    page.get_by_label("I checked these entries: mine describes a different system").check()
    page.select_option("#id_category", "geo-scoring")
    page.fill("#id_summary", "A bureau scores people by their address.")
    page.fill("#id_evidence-0-title", "Scoring by address")
    page.fill("#id_evidence-0-url", "https://example.org/address")
    page.fill("#id_evidence-0-published", "2022-01-10")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messages")).to_contain_text("awaits review")  # the first submit

    link = PassageLink.objects.get(example=Example.objects.get(title="Schufa geo scoring"))
    text = link.passage.document.text
    assert link.quote == SENTENCE
    assert text[link.quote_start : link.quote_end] == SENTENCE
    assert text[: link.quote_start].endswith(link.quote_prefix) and link.quote_prefix
    assert page.js_errors == []


def test_an_anonymous_reader_is_asked_to_sign_in_and_comes_back(starter, user, page):
    page.goto(f"/sources/{starter.slug}/")
    select_with_mouse(page, SENTENCE)
    menu = page.get_by_role("group", name="Selected text")
    expect(menu.get_by_role("button", name="Annotate", exact=True)).to_be_hidden()
    expect(menu.get_by_role("link", name="Sign in to annotate")).to_be_visible()
    menu.get_by_role("link", name="Sign in to tag a comparative example").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", "correct horse battery staple")
    page.press("input[name=password]", "Enter")
    expect(page.locator(".linked-passage mark")).to_have_text(SENTENCE)
    assert page.js_errors == []
