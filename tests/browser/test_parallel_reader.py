"""The side-by-side reader in Chromium (issue 17, ADR 0019): the founding paper and its
German translation in aligned rows on a laptop, one side per row with a toggle on a
phone, permalinks to either side, and an annotation made on the German side."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Annotation

from .axe import serious_violations

SELECT = """(needle) => {
    const walker = document.createTreeWalker(document.querySelector('.reader__text'), NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const at = node.textContent.indexOf(needle);
        if (at === -1) continue;
        node.parentElement.scrollIntoView({block: 'center'});
        const range = document.createRange();
        range.setStart(node, at); range.setEnd(node, at + needle.length);
        const selection = window.getSelection();
        selection.removeAllRanges(); selection.addRange(range);
        document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        return true;
    }
    return false;
}"""

pytestmark = pytest.mark.browser

SIDE_BY_SIDE = "/sources/wong-2021-social-credit/?translation=de"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
GERMAN_SCHUFA = "In Deutschland nutzt die Schufa Geo-Scoring"
ENGLISH_SCHUFA = "In Germany, Schufa uses geo-scoring"


@pytest.fixture
def german(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from apps.sources.starter import load_founding_paper, load_founding_paper_translation

    load_founding_paper()
    translation, _ = load_founding_paper_translation()
    return translation


def test_laptop_shows_aligned_rows_side_by_side(german, browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(SIDE_BY_SIDE)
    rows = page.locator(".aligned-row")
    expect(rows).to_have_count(10)
    english = page.get_by_text(ENGLISH_SCHUFA)
    german_text = page.get_by_text(GERMAN_SCHUFA)
    english.scroll_into_view_if_needed()
    expect(english).to_be_visible()
    expect(german_text).to_be_visible()
    left, right = english.bounding_box(), german_text.bounding_box()
    assert right["x"] >= left["x"] + left["width"], (left, right)
    assert abs(right["y"] - left["y"]) < 40  # the same row
    # Each side a readable column (at least 24 characters of the serif text a line).
    assert left["width"] >= 380 and right["width"] >= 380, (left, right)
    for toggle in page.locator("[data-parallel-toggle]").all():
        expect(toggle).to_be_hidden()
    assert page.evaluate(OVERFLOW) <= 0
    assert serious_violations(page) == []
    assert errors == []
    context.close()


def test_phone_shows_one_side_per_row_with_a_toggle_and_permalinks_to_both(
    german, browser, live_server
):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(SIDE_BY_SIDE)
    row = page.locator("#row-8")
    english, german_text = row.get_by_text(ENGLISH_SCHUFA), row.get_by_text(GERMAN_SCHUFA)
    english.scroll_into_view_if_needed()
    expect(english).to_be_visible()
    expect(german_text).to_be_hidden()
    toggle = row.get_by_role("button", name="Show Deutsch")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.tap()
    expect(german_text).to_be_visible()
    expect(english).to_be_hidden()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.tap()
    expect(english).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    # A permalink to a German passage turns its row to German.
    anchor = german.document.passages.get(order=9).anchor
    page.goto(f"{SIDE_BY_SIDE}#p-{anchor}")
    conclusion = page.locator(f"#p-{anchor}")
    expect(conclusion).to_be_visible()
    expect(conclusion).to_contain_text("Auch wenn es in westlichen Ländern")
    assert page.evaluate(OVERFLOW) <= 0
    assert serious_violations(page) == []
    assert errors == []
    context.close()


def test_annotate_the_german_side(german, user, login_page):
    page = login_page(user, viewport={"width": 1366, "height": 768})
    page.goto(SIDE_BY_SIDE)
    page.locator(".segmented").get_by_role("link", name="Deutsch").click()
    expect(page).to_have_url(SIDE_BY_SIDE + "&side=translation")
    sentence = "In Deutschland nutzt die Schufa Geo-Scoring"
    # Signed in once the viewer's part has loaded (its "+" buttons on this side only).
    expect(page.locator(".annotate-passage")).to_have_count(10)
    # The selection as a mouse leaves it (tests/browser/test_annotations.py drags it).
    assert page.evaluate(SELECT, sentence)
    page.get_by_role("button", name="Annotate", exact=True).click()
    page.get_by_label("Comment").fill("Geo-Scoring: im Deutschen so übernommen.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("mark.hl")).to_have_text([sentence])
    annotation = Annotation.objects.get()
    assert annotation.document_id == german.document_id
    # Read again: the highlight is on the German side, the English side has none.
    page.reload()
    expect(page.locator(".aligned-row__side--translation mark.hl")).to_have_text([sentence])
    expect(page.locator(".aligned-row__side--original mark.hl")).to_have_count(0)
    assert page.js_errors == []


def test_a_thread_lists_the_other_sides_annotations_marked_with_their_language(
    german, user, other_user, login_page
):
    from apps.annotations import services
    from apps.annotations.services import TextPositionSelector

    def annotate(document, needle, body, author):
        start = document.text.index(needle)
        return services.annotation_create(
            author=author,
            document=document,
            position=TextPositionSelector(start, start + len(needle)),
            body=body,
        )

    annotate(german.original, ENGLISH_SCHUFA, "Geo-scoring in the original.", other_user)
    annotate(german.document, GERMAN_SCHUFA, "Im Deutschen: Geo-Scoring.", user)
    page = login_page(user, viewport={"width": 1366, "height": 768})
    page.goto(SIDE_BY_SIDE)
    row = page.locator("#row-8")
    row.locator(".passage-count").click()
    panel = page.locator("#annotation-thread")
    expect(panel.locator(".annotation-card").first).to_contain_text("Geo-scoring in the original.")
    expect(panel.locator(".annotation-card").first).to_contain_text("English")
    other_side = panel.locator(".annotation-thread__other-side")
    expect(other_side).to_contain_text("On the Deutsch side")
    expect(other_side.locator(".annotation-card")).to_have_count(1)
    expect(other_side.locator(".annotation-card")).to_contain_text("Im Deutschen: Geo-Scoring.")
    expect(other_side.locator(".annotation-card")).to_have_attribute("lang", "de")
    assert page.js_errors == []
