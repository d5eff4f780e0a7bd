"""The atlas in Chromium: tag an example from a passage, publish it, see it on the map;
shared filtered URLs; no serious accessibility violations on the atlas pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.atlas.models import Example
from apps.sources.models import Passage

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
CHOROPLETH = re.compile(r"#(c6dbef|9ecae1|6baed6|3182bd|08519c)", re.I)


def run_axe(page) -> list[dict]:
    # Evaluated through DevTools, so the page's CSP (no inline scripts) does not block it.
    page.evaluate(AXE.read_text() + "\n;0")
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [v for v in results if v["impact"] in ("serious", "critical")]


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    # live_server tests flush the database between tests, migration-seeded rows included.
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


@pytest.fixture
def starter(founding_paper):
    from apps.atlas.starter import load_starter_data

    list(load_starter_data())


@pytest.fixture
def moderator(transactional_db):
    from tests.moderation.conftest import make_moderator

    return make_moderator()


def test_tag_submit_publish_and_see_it_on_the_map(
    founding_paper, user, moderator, login_page, page
):
    user.country = "AT"
    user.save()
    passage = Passage.objects.get(
        document=founding_paper.current_document, text__contains="Schufa uses geo-scoring"
    )
    author = login_page(user)
    author.goto(f"/sources/{founding_paper.slug}/")
    author.locator(f"#{passage.html_id} .atlas-tag").click()
    expect(author.locator(".linked-passage")).to_contain_text("Schufa uses geo-scoring")
    expect(author.locator("#id_country")).to_have_value("AT")
    author.fill("#id_title", "KSV1870 address scoring")
    author.select_option("#id_category", "geo-scoring")
    author.fill("#id_summary", "Austria's credit agency scores addresses.")
    author.select_option("#id_operator", "private")
    author.check("input[name=consequences][value=price_differences]")
    author.fill("#id_evidence-0-title", "Scoring by address")
    author.fill("#id_evidence-0-url", "https://example.org/ksv")
    author.fill("#id_evidence-0-published", "2021-03-15")  # evidence is dated
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator(".messages")).to_contain_text("awaits review")
    example = Example.objects.get(title="KSV1870 address scoring")
    assert example.status == "submitted"
    assert example.passage_links.get().passage_id == passage.pk

    reviewer = login_page(moderator)
    reviewer.goto(example.get_absolute_url())
    reviewer.get_by_role("button", name="Move to: Published").click()
    expect(reviewer.locator(".messages")).to_contain_text("Published")

    page.goto("/atlas/")
    expect(page.locator("#atlas-headline")).to_have_text("1 example in 1 country")
    expect(page.locator("#atlas-map[data-ready=true]")).to_be_attached()
    austria = page.locator('path[data-country="AT"]')
    expect(austria).to_have_attribute("fill", CHOROPLETH)
    expect(page.locator('#atlas-table tr[data-country="AT"]')).to_contain_text("Austria")
    austria.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#atlas-panel")).to_contain_text("KSV1870 address scoring")
    assert page.js_errors == []


def test_duplicate_hint_shows_live_and_the_first_submit_goes_through(starter, user, login_page):
    """Issue 19: typing a title like an existing entry's shows the hint with "mine is
    different" beside it before any submit; ticking it, the one submit is accepted. A
    second evidence block is added with "Add another source" and may stay empty."""
    author = login_page(user)
    author.goto("/atlas/examples/new/")
    author.select_option("#id_country", "DE")
    author.locator("#id_title").press_sequentially("Schufa geo scoring", delay=20)
    hint = author.locator("#similar-hint")
    expect(hint).to_contain_text("Schufa geo-scoring")  # live, no submit yet
    box = author.get_by_label("I checked these entries: mine describes a different system")
    box.check()
    author.select_option("#id_category", "geo-scoring")
    author.fill("#id_summary", "Another bureau's scoring by address.")
    author.fill("#id_evidence-0-title", "Scoring by address")
    author.fill("#id_evidence-0-url", "https://example.org/other")
    author.fill("#id_evidence-0-published", "2022-01-10")
    before = author.locator(".evidence-form").count()
    author.get_by_role("button", name="Add another source").click()
    expect(author.locator(".evidence-form")).to_have_count(before + 1)
    expect(author.locator(f"#id_evidence-{before}-title")).to_be_focused()
    author.get_by_role("button", name="Submit for review").click()
    author.wait_for_load_state()
    errors = author.locator(".form-errors, .error").all_inner_texts()
    assert errors == [], errors
    expect(author.locator(".messages")).to_contain_text("awaits review")
    assert Example.objects.filter(title="Schufa geo scoring").exists()
    assert author.js_errors == [], author.js_errors


def test_shared_filtered_url_reproduces_the_view(starter, page):
    page.goto("/atlas/?category=geo-scoring&has_passage=true")
    expect(page.locator("#atlas-headline")).to_have_text("1 example in 1 country")
    expect(page.locator("#f-category")).to_have_value("geo-scoring")
    expect(page.locator("#atlas-map[data-ready=true]")).to_be_attached()
    expect(page.locator('path[data-country="DE"]')).to_have_attribute("fill", CHOROPLETH)
    expect(page.locator('path[data-country="CN"]')).to_have_count(0)
    expect(page.locator("#atlas-table tbody tr")).to_have_count(1)
    page.select_option("#f-lifecycle", "pilot")
    page.get_by_role("button", name="Apply filters").click()
    assert "lifecycle=pilot" in page.url and "category=geo-scoring" in page.url
    expect(page.locator("#atlas-headline")).to_have_text("0 examples in 0 countries")


@pytest.mark.parametrize(
    "path",
    [
        "/atlas/",
        "/atlas/countries/CN/",
        "/atlas/compare/?countries=CN,DE,US",
        "entry",
        "/atlas/codebook/",
    ],
)
def test_atlas_pages_have_no_serious_accessibility_violations(starter, page, path):
    if path == "entry":
        path = Example.objects.get(title="Schufa geo-scoring").get_absolute_url()
    page.goto(path)
    if path == "/atlas/":
        expect(page.locator("#atlas-map[data-ready=true]")).to_be_attached()
    assert run_axe(page) == []
    assert page.js_errors == []


def test_contribution_form_has_no_serious_accessibility_violations(
    founding_paper, user, login_page
):
    author = login_page(user)
    passage = Passage.objects.filter(document=founding_paper.current_document).last()
    author.goto(f"/atlas/examples/new/?passage={passage.pk}")
    assert run_axe(author) == []


def test_suggest_discuss_accept_and_edit(starter, other_user, moderator, login_page):
    entry = Example.objects.get(title="Schufa geo-scoring")
    reader = login_page(other_user)
    reader.goto(entry.get_absolute_url())
    reader.get_by_role("link", name="Suggest an edit", exact=True).click()
    reader.select_option("#id_lifecycle", "discontinued")
    reader.fill("#id_comment", "Schufa announced a new method in 2024.")
    reader.get_by_role("button", name="Send the suggestion").click()
    expect(reader.locator(".messages")).to_contain_text("Your suggestion was sent")
    reader.fill("#comment-body", "Does the new method still use **addresses**?")
    reader.get_by_role("button", name="Post comment").click()
    expect(reader.locator(".discussion")).to_contain_text(
        "Does the new method still use addresses?"
    )

    reviewer = login_page(moderator)
    reviewer.goto(entry.get_absolute_url())
    expect(reviewer.locator("#suggestions")).to_contain_text("Discontinued")
    assert run_axe(reviewer) == []
    reviewer.get_by_role("button", name="Accept and apply").click()
    expect(reviewer.locator(".messages")).to_contain_text("Suggestion accepted")
    expect(reviewer.locator(".dimensions")).to_contain_text("Discontinued")
    reviewer.locator("#discussion .reply-form summary").first.click()
    reviewer.locator("textarea[name=body]").first.fill("Yes, in part.")
    reviewer.get_by_role("button", name="Post reply").click()
    expect(reviewer.locator(".thread__replies")).to_contain_text("Yes, in part.")

    reviewer.get_by_role("link", name="Edit this entry").click()
    assert run_axe(reviewer) == []
    reviewer.fill("#id_region", "Wiesbaden")
    reviewer.get_by_role("button", name="Save changes").click()
    expect(reviewer.locator(".messages")).to_contain_text("Saved")
    entry.refresh_from_db()
    assert (entry.lifecycle, entry.region) == ("discontinued", "Wiesbaden")


def test_removing_an_added_source_keeps_the_ones_after_it(user, login_page):
    """Removing an added evidence block that is not the last one used to empty it only;
    now it goes, and the blocks after it move up a number with what was typed in them, so
    the form sends a dense formset and every source is saved."""
    author = login_page(user)
    author.goto("/atlas/examples/new/")
    first_added = author.locator(".evidence-form").count()
    add = author.get_by_role("button", name="Add another source")
    add.click()
    add.click()
    author.fill(f"#id_evidence-{first_added}-title", "Goes away")
    author.fill(f"#id_evidence-{first_added + 1}-title", "Stays")
    author.fill(f"#id_evidence-{first_added + 1}-url", "https://example.org/stays")
    author.locator(".evidence-form").nth(first_added).get_by_role(
        "button", name="Remove this source"
    ).click()
    expect(author.locator(".evidence-form")).to_have_count(first_added + 1)
    moved = author.locator(f"#id_evidence-{first_added}-title")
    expect(moved).to_have_value("Stays")
    expect(moved).to_be_focused()
    expect(author.locator(f"#id_evidence-{first_added}-url")).to_have_value(
        "https://example.org/stays"
    )
    expect(author.locator(f"label[for=id_evidence-{first_added}-title]")).to_have_count(1)
    expect(author.locator(".evidence-form").nth(first_added).locator("legend")).to_have_text(
        f"Source {first_added + 1}"
    )
    assert author.locator("#id_evidence-TOTAL_FORMS").input_value() == str(first_added + 1)
    assert author.js_errors == [], author.js_errors
