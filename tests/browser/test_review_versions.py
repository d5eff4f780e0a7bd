"""In Chromium (issue 12): a moderator opens the queue, the author rewrites the submitted
entry, "Apply" is refused with what changed (the page stays usable and accessible), and
the second "Apply", on what the moderator has now seen, publishes exactly that."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.atlas.entries import services as entry_services
from apps.atlas.models import Example
from tests.atlas.conftest import evidence_data, example_data
from tests.browser.axe import serious_violations
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    from django.core.cache import cache

    from apps.atlas.taxonomy import ensure_default_categories

    cache.clear()
    ensure_default_categories()


def test_publish_applies_to_the_version_the_moderator_saw(login_page):
    author = UserFactory()
    example = entry_services.example_create(
        author=author, data=example_data(), evidence=[evidence_data()], submit=True
    )  # the item opens on commit (live_server tests commit)
    reviewer = login_page(make_moderator())
    reviewer.goto("/moderation/")
    row = reviewer.locator("tbody tr", has_text="Schufa geo-scoring")
    expect(row).to_contain_text("Submitted entry")

    entry_services.example_update(
        actor=author, example=example, changes={"title": "Harmless library card"}
    )

    row.get_by_label("Select “Schufa geo-scoring”").check()
    reviewer.get_by_label("Decision").select_option("publish")
    reviewer.locator("#id_reason").fill("Well sourced.")
    reviewer.get_by_role("button", name="Apply to selected").click()
    conflict = reviewer.get_by_role("alert").filter(has_text="Changed since you opened it")
    expect(conflict).to_contain_text("Schufa geo-scoring")
    expect(conflict).to_contain_text("Harmless library card")
    assert serious_violations(reviewer) == []
    example.refresh_from_db()
    assert example.status == "submitted"

    # The row now shows the new version, still selected, reason kept: apply again.
    expect(reviewer.locator("tr.queue__row", has_text="Harmless library card")).to_contain_text(
        "Changed since the item was opened"
    )
    expect(reviewer.locator("#id_reason")).to_have_value("Well sourced.")
    reviewer.get_by_role("button", name="Apply to selected").click()
    reviewer.get_by_text(re.compile(r"^Publish: “.+”\.$")).wait_for()
    example = Example.objects.get(pk=example.pk)
    assert (example.status, example.title) == ("published", "Harmless library card")
