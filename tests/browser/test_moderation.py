"""A moderator works the review queue with the keyboard; the author sees the decision."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import samples
from tests.browser.axe import serious_violations
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.browser


def _upload(user, title):
    from apps.sources.services import SourceMetadata, source_create

    return source_create(
        user=user,
        metadata=SourceMetadata(title=title, authors=["A. Writer"], year=2021),
        data=samples.markdown_bytes(),
        filename="scoring.md",
    )


def test_keyboard_queue_publish_and_author_notice(login_page, live_server):
    author = UserFactory()
    _upload(author, "Gig ratings in three cities")
    moderator = make_moderator()

    page = login_page(moderator)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/moderation/")
    assert page.get_by_role("link", name="Moderation", exact=True).count() == 1
    assert serious_violations(page) == []

    page.keyboard.press("?")
    assert page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()
    page.keyboard.press("Escape")

    page.keyboard.press("j")
    page.keyboard.press("c")
    page.get_by_text("You claimed “Gig ratings in three cities”.").wait_for()
    assert page.locator("tbody tr", has_text="Gig ratings").get_by_text("you").count() == 1

    page.keyboard.press("j")
    page.keyboard.press("a")
    reason = page.get_by_label("Reason for “Gig ratings in three cities”")
    assert reason.evaluate("el => el === document.activeElement")
    row = page.locator("tbody tr", has_text="Gig ratings")
    assert row.get_by_role("button", name="Publish").get_attribute("aria-pressed") == "true"
    assert page.get_by_label("Decision").input_value() == ""  # the panel chooses nothing
    reason.fill("A careful, well-sourced upload.")
    reason.press("Enter")
    page.get_by_text("Publish: “Gig ratings in three cities”.").wait_for()
    assert page.get_by_text("Nothing waiting here.").is_visible()
    assert errors == []

    author_page = login_page(author)
    author_page.goto("/notifications/")
    assert "A careful, well-sourced upload." in author_page.locator("main").inner_text()


def test_keyboard_hides_a_flagged_spam_annotation_from_the_row(
    login_page, founding_paper, run_on_commit
):
    """Issue 19: the row shows the annotation's own words (not the passage), a flag offers
    Hide / Keep / Spam and nothing else, the moderator hides it from the keyboard without
    leaving the queue, and the panel never covers a row (1366×768 and 390 px)."""
    from apps.annotations import services as annotation_services
    from apps.annotations.models import Annotation
    from apps.annotations.services import TextPositionSelector
    from apps.moderation.services import flag_create

    document = founding_paper.current_document
    start = document.text.index("social credit system")
    with run_on_commit():
        spam = annotation_services.annotation_create(
            author=UserFactory(),
            document=document,
            position=TextPositionSelector(start, start + len("social credit system")),
            body="CHEAP LOANS at loans.example!!!",
        )
        flag_create(flagger=UserFactory(), target=spam, reason="spam")
    for number in range(12):  # more rows than the screen holds
        _upload(UserFactory(), f"Queued upload {number}")
    moderator = make_moderator()
    page = login_page(moderator)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/moderation/")
    row = page.locator("tbody tr", has_text="CHEAP LOANS")
    assert row.count() == 1
    buttons = row.locator("button[data-decision]")
    assert buttons.all_inner_texts() == ["Hide h", "Keep (flags rejected) n", "Mark as spam s"]
    assert serious_violations(page) == []

    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        panel = page.locator("fieldset.decide").bounding_box()
        for box in page.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().toJSON())"
        ):
            overlaps = box["top"] < panel["y"] + panel["height"] and panel["y"] < box["bottom"]
            assert not overlaps, (width, box, panel)

    page.set_viewport_size({"width": 1366, "height": 768})
    # No page load from here on: a marker on the window survives only in the same page.
    page.evaluate("window.__sameQueuePage = true")
    page.keyboard.press("j")
    assert "CHEAP LOANS" in page.evaluate("document.activeElement.textContent")
    # o shows the item in full inside its row: its words, the flag's reason and count,
    # the author's standing.
    page.keyboard.press("o")
    detail = row.locator("[data-item-detail]")
    detail.wait_for()
    expect(detail).to_contain_text("CHEAP LOANS at loans.example!!!")
    expect(detail).to_contain_text("Spam × 1")
    expect(detail).to_contain_text("0 items accepted")
    assert serious_violations(page) == []
    for width, height in ((1366, 768), (390, 844)):  # the open row covers nothing either
        page.set_viewport_size({"width": width, "height": height})
        boxes = page.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().toJSON())"
        )
        for above, below in zip(boxes, boxes[1:], strict=False):
            assert above["bottom"] <= below["top"] + 1, (width, above, below)
    page.set_viewport_size({"width": 1366, "height": 768})
    # c claims it in place, and the cursor stays on the row.
    page.keyboard.press("c")
    page.get_by_text("You claimed").wait_for()
    expect(page.locator("tbody tr", has_text="CHEAP LOANS")).to_contain_text("you")
    assert "CHEAP LOANS" in page.evaluate("document.activeElement.textContent")
    next_row_id = page.evaluate(
        "document.activeElement.nextElementSibling && document.activeElement.nextElementSibling.id"
    )
    page.keyboard.press("h")
    reason = page.locator("tbody tr", has_text="CHEAP LOANS").locator("[data-row-reason]")
    assert reason.evaluate("el => el === document.activeElement")
    page.keyboard.type("Advertising, not scholarship.")
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"^Hide: “.*CHEAP LOANS")).wait_for()
    expect(page.locator("tbody tr", has_text="CHEAP LOANS")).to_have_count(0)
    assert page.evaluate("window.__sameQueuePage === true")  # still the same page
    assert page.url.split("#")[0].endswith("/moderation/")
    # Focus moved on to the next item.
    page.wait_for_function(f"document.activeElement.id === {next_row_id!r}")
    spam.refresh_from_db()
    assert Annotation.objects.get(pk=spam.pk).hidden
    # A refused decision (no reason: 400) shows its error in place too.
    page.keyboard.press("r")
    page.keyboard.press("Enter")
    page.locator("#queue-form .error, #queue-form [role=alert]").first.wait_for()
    assert page.evaluate("window.__sameQueuePage === true")
    assert page.js_errors == []


def test_a_move_made_while_a_claim_is_on_its_way_wins(login_page, live_server):
    """j pressed after c, before the claim's answer is back: the cursor stays where the
    moderator moved it, not on the claimed row the answer would have focused."""
    author = UserFactory()
    _upload(author, "Gig ratings in three cities")
    _upload(author, "Tenant screening scores")
    moderator = make_moderator()
    page = login_page(moderator)
    page.goto("/moderation/")
    titles = page.locator("tbody .queue__row").all_inner_texts()
    assert len(titles) == 2

    held = []
    page.route("**/moderation/**", lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())  # fmt: skip
    page.keyboard.press("j")
    page.keyboard.press("c")
    while not held:  # the claim is on its way, held here
        page.wait_for_timeout(20)
    page.keyboard.press("j")
    held[0].continue_()
    page.get_by_text("You claimed").wait_for()
    page.wait_for_timeout(200)  # htmx's settle
    current = page.locator("tbody .queue__row.is-current")
    expect(current).to_have_count(1)
    assert current.inner_text() == page.locator("tbody .queue__row").nth(1).inner_text()
    assert current.evaluate("el => el === document.activeElement")
