"""A moderator works the review queue with the keyboard; the author sees the decision."""

from __future__ import annotations

import pytest

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
    reason = page.get_by_label("Reason")
    assert reason.evaluate("el => el === document.activeElement")
    assert page.get_by_label("Decision").input_value() == "publish"
    reason.fill("A careful, well-sourced upload.")
    reason.press("Control+Enter")
    page.get_by_text("Publish: 1 item decided.").wait_for()
    assert page.get_by_text("Nothing waiting here.").is_visible()
    assert errors == []

    author_page = login_page(author)
    author_page.goto("/moderation/notices/")
    assert "A careful, well-sourced upload." in author_page.locator("main").inner_text()
