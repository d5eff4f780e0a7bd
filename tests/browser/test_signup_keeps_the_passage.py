"""Issue 19: a scholar who signs up from the reader, while reading a passage (#p-…),
lands back on that passage once they verified their e-mail address."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.browser.axe import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_from_the_reader_and_come_back_to_the_same_passage(page, founding_paper):
    passage = founding_paper.current_document.passages.order_by("start")[5]
    reader = f"/sources/{founding_paper.slug}/"
    page.goto(f"{reader}#p-{passage.anchor}")
    page.locator(".account-nav").get_by_role("link", name="Sign up").click()
    page.wait_for_url("**/accounts/signup/**")
    assert f"%23p-{passage.anchor}" in page.url  # the fragment went into next
    page.fill("input[name=email]", "newscholar@example.org")
    page.fill("input[name=username]", "newscholar")
    page.fill("input[name=password1]", "a long unusual passphrase 42")
    page.fill("input[name=password2]", "a long unusual passphrase 42")
    page.locator("form").filter(has=page.locator("input[name=username]")).get_by_role(
        "button", name="Sign up"
    ).click()
    page.wait_for_url("**/accounts/confirm-email/")
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    page.goto(link.group(1))
    assert serious_violations(page) == []
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"**{reader}#p-{passage.anchor}")
    # Signed in, on the same passage.
    assert page.url.endswith(f"{reader}#p-{passage.anchor}")
    page.locator(".account-nav [data-me=name]").wait_for()
    assert page.js_errors == []
