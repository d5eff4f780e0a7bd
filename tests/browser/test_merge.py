"""Merging duplicates in Chromium: a moderator merges B into A from B's page; B's address
then lands on A; the merge is undone from A's history and B is back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from apps.atlas import services
from apps.atlas.models import Example
from apps.moderation.permissions import MODERATOR_GROUP
from tests.atlas.conftest import evidence_data, example_data
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    # live_server tests flush the database between tests, migration-seeded rows included.
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


def published(author, title, url):
    staff = make_moderator()
    example = services.example_create(
        author=author,
        data=example_data(title=title),
        evidence=[evidence_data(title=title, url=url)],
        submit=True,
        confirm_distinct=True,  # the duplicate to merge is made on purpose
    )
    return services.example_transition(actor=staff, example=example, to="published")


def test_moderator_merges_b_into_a_and_undoes_it(user, login_page):
    a = published(user, "Schufa geo-scoring", "https://example.org/a")
    b = published(user, "Schufa scoring by address", "https://example.org/b")
    moderator = UserFactory()
    moderator.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])

    page = login_page(moderator)
    page.goto(b.get_absolute_url())
    page.get_by_role("link", name="Merge into another entry…").click()
    page.get_by_label("Merge into entry number").fill(str(a.pk))
    page.get_by_label("Reason (kept in the history and the moderation log)").fill("Same system")
    page.get_by_role("button", name="Merge").click()
    expect(page.locator(".messages")).to_contain_text("is merged into this entry")
    expect(page.locator("h1")).to_have_text(a.title)
    # B's evidence joined A's.
    expect(page.locator(".evidence")).to_contain_text("Schufa scoring by address")

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
