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


def _annotate_selection(page, sentence: str, comment: str, *, tap: bool = False) -> None:
    """Selects ``sentence`` where it is shown and saves an annotation on it."""
    assert page.evaluate(SELECT, sentence)
    annotate = page.get_by_role("button", name="Annotate", exact=True)
    annotate.tap() if tap else annotate.click()
    page.get_by_label("Comment").fill(comment)
    save = page.get_by_role("button", name="Save")
    save.tap() if tap else save.click()


def test_annotate_the_german_side_and_the_english_side_in_one_visit(german, user, login_page):
    page = login_page(user, viewport={"width": 1366, "height": 768})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(SIDE_BY_SIDE)
    # Signed in once the viewer's part has loaded: "+" on every passage of both sides.
    expect(page.locator(".annotate-passage")).to_have_count(20)
    # No switch to the other side (it used to reload the page).
    expect(page.locator(".segmented")).to_have_count(0)
    _annotate_selection(page, GERMAN_SCHUFA, "Geo-Scoring: im Deutschen so übernommen.")
    german_marks = page.locator(".aligned-row__side--translation mark.hl")
    expect(german_marks).to_have_text([GERMAN_SCHUFA])
    _annotate_selection(page, ENGLISH_SCHUFA, "The English wording.")
    english_marks = page.locator(".aligned-row__side--original mark.hl")
    expect(english_marks).to_have_text([ENGLISH_SCHUFA])
    expect(german_marks).to_have_text([GERMAN_SCHUFA])
    # One page: both written without a reload.
    assert sum(1 for url in requests if url.endswith(SIDE_BY_SIDE)) == 1
    # Each anchored to its own side's version, quote and position checked by the server.
    by_document = {a.document_id: a for a in Annotation.objects.all()}
    assert set(by_document) == {german.document_id, german.original_id}
    assert by_document[german.document_id].exact == GERMAN_SCHUFA
    assert by_document[german.original_id].exact == ENGLISH_SCHUFA
    # The thread just saved is the row's: both sides, each with its language.
    panel = page.locator("#annotation-thread")
    expect(panel.locator(".annotation-card")).to_have_count(2)
    expect(panel.locator(".annotation-thread__side")).to_have_text(
        ["On the English side", "On the Deutsch side"]
    )
    # Read again: each side's highlight is on its side.
    page.reload()
    expect(page.locator(".aligned-row__side--translation mark.hl")).to_have_text([GERMAN_SCHUFA])
    expect(page.locator(".aligned-row__side--original mark.hl")).to_have_text([ENGLISH_SCHUFA])
    assert serious_violations(page) == []
    assert page.js_errors == []


def test_a_phone_annotates_the_side_each_row_shows(german, user, login_page):
    page = login_page(user, **PHONE)
    page.goto(SIDE_BY_SIDE)
    page.locator("html[data-personal=ready]").wait_for(state="attached")
    expect(page.locator(".annotate-passage")).to_have_count(20)
    row = page.locator("#row-8")
    _annotate_selection(page, ENGLISH_SCHUFA, "Geo-scoring, on a phone.", tap=True)
    expect(row.locator(".aligned-row__side--original mark.hl")).to_have_text([ENGLISH_SCHUFA])
    page.get_by_role("button", name="Close").tap()
    toggle = row.get_by_role("button", name="Show Deutsch")
    toggle.tap()
    expect(row.get_by_text(GERMAN_SCHUFA)).to_be_visible()
    _annotate_selection(page, GERMAN_SCHUFA, "Geo-Scoring, am Telefon.", tap=True)
    expect(row.locator(".aligned-row__side--translation mark.hl")).to_have_text([GERMAN_SCHUFA])
    assert set(Annotation.objects.values_list("document_id", flat=True)) == {
        german.document_id,
        german.original_id,
    }
    # The sheet shows the row's thread: both sides, marked with their languages.
    sheet = page.locator(".annotation-panel.is-sheet")
    expect(sheet.locator(".annotation-card__language")).to_have_text(["Deutsch", "English"])
    assert page.evaluate(OVERFLOW) <= 0
    assert serious_violations(page) == []
    assert page.js_errors == []


@pytest.mark.parametrize("clicked", ["original", "translation"])
def test_a_highlight_on_either_side_opens_the_rows_thread_with_both_languages(
    german, user, other_user, login_page, clicked
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

    # The English note covers less than the German one: a click on "Geo-Scoring" in the
    # German text is on a passage whose English side has a note elsewhere in it.
    annotate(german.original, "Schufa uses geo-scoring", "Geo-scoring in the original.", other_user)
    annotate(german.document, GERMAN_SCHUFA, "Im Deutschen: Geo-Scoring.", user)
    page = login_page(user, viewport={"width": 1366, "height": 768})
    page.goto(SIDE_BY_SIDE)
    expect(page.locator(".reader.has-annotations")).to_have_count(1)
    row = page.locator("#row-8")
    row.locator(f".aligned-row__side--{clicked} mark.hl").click()
    panel = page.locator("#annotation-thread")
    cards = panel.locator(".annotation-card")
    expect(cards).to_have_count(2)
    first, second = ("English", "Deutsch") if clicked == "original" else ("Deutsch", "English")
    expect(panel.locator(".annotation-card__language")).to_have_text([first, second])
    english = panel.locator(".annotation-card[data-side=original]")
    german_card = panel.locator(".annotation-card[data-side=translation]")
    expect(english).to_contain_text("Geo-scoring in the original.")
    expect(german_card).to_contain_text("Im Deutschen: Geo-Scoring.")
    expect(english.locator(".annotation-card__quote")).to_have_attribute("lang", "en")
    expect(german_card.locator(".annotation-card__quote")).to_have_attribute("lang", "de")
    expect(german_card.locator(".annotation-card__language")).to_have_attribute("lang", "de")
    # Full cards on both sides: the viewer may reply to the other side's note too.
    expect(english.get_by_role("button", name="Reply")).to_be_visible()
    assert serious_violations(page) == []
    assert page.js_errors == []


def test_a_rows_thread_opened_before_the_other_side_arrived_gets_it(
    german, user, other_user, login_page
):
    """The German side's threads held back, as on a slow network: a thread opened on the
    English side first lists only the English note, then the German one when it comes."""
    from apps.annotations import services
    from apps.annotations.services import TextPositionSelector

    for document, needle, body in (
        (german.original, ENGLISH_SCHUFA, "Geo-scoring in the original."),
        (german.document, GERMAN_SCHUFA, "Im Deutschen: Geo-Scoring."),
    ):
        start = document.text.index(needle)
        services.annotation_create(
            author=other_user,
            document=document,
            position=TextPositionSelector(start, start + len(needle)),
            body=body,
        )
    page = login_page(user, viewport={"width": 1366, "height": 768})
    held = []
    page.route(f"**/reader/{german.document_id}/threads.json*", lambda route: held.append(route))
    page.goto(SIDE_BY_SIDE)
    page.locator("#row-8 .aligned-row__side--original mark.hl").click()
    panel = page.locator("#annotation-thread")
    expect(panel.locator(".annotation-card")).to_have_count(1)
    assert held, "the German side's threads were not asked for"
    held[0].continue_()
    expect(panel.locator(".annotation-card__language")).to_have_text(["English", "Deutsch"])
    expect(page.locator("#row-8 .aligned-row__side--translation mark.hl")).to_have_count(1)
    assert page.js_errors == []
