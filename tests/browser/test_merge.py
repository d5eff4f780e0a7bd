"""Merging duplicates in Chromium: a moderator merges B into A from B's page, choosing
field by field with the keyboard where the two differ (labelled radio groups, a known
value preselected over "unknown", a missing choice answered with a labelled error); B's
address then lands on A, which credits B's author; the merge is undone from A's history
and both entries are back as they were."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.models import Example
from apps.moderation.permissions import MODERATOR_GROUP
from tests.atlas.conftest import evidence_data, example_data
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

from .axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    # live_server tests flush the database between tests, migration-seeded rows included.
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


def published(author, title, url, **overrides):
    staff = make_moderator()
    example = entry_services.example_create(
        author=author,
        data=example_data(title=title, **overrides),
        evidence=[evidence_data(title=title, url=url)],
        submit=True,
        confirm_distinct=True,  # the duplicate to merge is made on purpose
    )
    return transitions.example_transition(actor=staff, example=example, to="published")


def test_moderator_merges_b_into_a_and_undoes_it(user, other_user, login_page):
    a = published(user, "Schufa geo-scoring", "https://example.org/a", contestable="unknown")
    b = published(other_user, "Schufa scoring by address", "https://example.org/b")
    moderator = UserFactory()
    moderator.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])

    page = login_page(moderator)
    page.goto(b.get_absolute_url())
    page.get_by_role("link", name="Merge into another entry…").click()
    # Picked from the entries in the same place, from the keyboard: no number to type.
    page.get_by_role("radio", name=re.compile(rf"#{a.pk} .*Schufa geo")).check()
    page.get_by_role("button", name="Compare the two entries").press("Enter")

    # The two entries side by side, one labelled group per field that differs.
    contest = page.get_by_role("group", name="Right to contest")
    expect(contest.get_by_role("radio", name=re.compile(rf"From #{b.pk} .*Yes"))).to_be_checked()
    expect(
        contest.get_by_role("radio", name=re.compile(rf"From #{a.pk} .*Unknown"))
    ).not_to_be_checked()
    title = page.get_by_role("group", name="Title")
    keep_a = title.get_by_role("radio", name=re.compile(rf"From #{a.pk} \(kept\)"))
    expect(keep_a).not_to_be_checked()  # both titles are known: the moderator chooses
    assert serious_violations(page) == []

    page.get_by_label("Reason (kept in the history and the moderation log)").fill("Same system")
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator("#merge-error")).to_contain_text("The two entries differ on Title")
    expect(page.get_by_role("group", name="Title")).to_contain_text("Choose which value")
    assert Example.objects.get(pk=b.pk).status == "published"

    # Keyboard only: focus A's title and take it with the space bar, then submit.
    keep_a = page.get_by_role("group", name="Title").get_by_role(
        "radio", name=re.compile(rf"From #{a.pk} \(kept\)")
    )
    keep_a.focus()
    page.keyboard.press("Space")
    expect(keep_a).to_be_checked()
    expect(page.get_by_label("Reason (kept in the history and the moderation log)")).to_have_value(
        "Same system"
    )
    page.get_by_role("button", name="Merge", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("is merged into this entry")
    expect(page.locator("h1")).to_have_text(a.title)
    # B's evidence joined A's, B's coding of the right to contest too, and B's author is
    # credited.
    expect(page.locator(".evidence")).to_contain_text("Schufa scoring by address")
    expect(page.locator(".contributors")).to_have_text(
        f"Contributors: {user.public_name}, {other_user.public_name}."
    )
    assert Example.objects.get(pk=a.pk).contestable == "yes"

    page.goto(b.get_absolute_url())
    assert page.url.endswith(a.get_absolute_url())
    expect(page.locator("h1")).to_have_text(a.title)

    page.get_by_role("link", name="History").click()
    page.get_by_label("Reason for undoing the merge").fill("Two different systems")
    page.get_by_role("button", name="Undo merge").click()
    expect(page.locator(".messages")).to_contain_text("is its own entry again")
    expect(page.locator("h1")).to_have_text(b.title)
    assert Example.objects.get(pk=b.pk).status == "published"

    page.goto(a.get_absolute_url())
    expect(page.locator(".evidence")).not_to_contain_text("Schufa scoring by address")
    expect(page.locator(".contributors")).to_have_text(f"Contributors: {user.public_name}.")
    assert Example.objects.get(pk=a.pk).contestable == "unknown"
