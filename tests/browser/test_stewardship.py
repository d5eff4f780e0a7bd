"""The maintainer journey in Chromium (issue 12): a contributor proposes a new version of
a source; the live text does not change; the maintainer reads the diff, accepts the
proposal with a reason; the new version is current and the annotations follow it; the
contributor is told."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.annotations import services as annotation_services
from apps.annotations.services import TextPositionSelector
from apps.sources import services
from apps.sources.models import Document, DocumentStatus, Source
from tests.browser.axe import serious_violations
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

QUOTE = "Lenders set prices from the scores"
FIRST = (
    "# Scores in practice\n\n"
    "Scores sort people into groups that receive different treatment.\n\n"
    f"{QUOTE} they buy from bureaus.\n\n"
    "Landlords read them too.\n"
)
PROPOSED = FIRST.replace("different treatment", "markedly different treatment")


@pytest.fixture
def source(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    owner = UserFactory(username="owner")
    source = services.source_create(
        user=owner,
        metadata=services.SourceMetadata(title="Scores in practice", authors=["A. Writer"]),
        data=FIRST.encode(),
        filename="scores.md",
    )
    source.refresh_from_db()
    assert source.current_document.version == 1
    document = source.current_document
    start = document.text.index(QUOTE)
    annotation_services.annotation_create(
        author=UserFactory(username="reader"),
        document=document,
        position=TextPositionSelector(start, start + len(QUOTE)),
        body="Which bureaus?",
    )
    return source


def test_propose_diff_accept_and_annotations_follow(login_page, page, source):
    contributor = UserFactory(username="contributor")
    owner = source.added_by

    # 1. A contributor who does not maintain the source proposes a new version.
    writer = login_page(contributor)
    writer.goto(source.get_absolute_url())
    writer.get_by_role("link", name="Propose a new version of this source").click()
    expect(writer.locator("h1")).to_contain_text("Propose a new version")
    writer.get_by_label("File").set_input_files(
        files=[{"name": "v2.md", "mimeType": "text/markdown", "buffer": PROPOSED.encode()}]
    )
    writer.get_by_role("button", name="Propose this version").click()
    expect(writer.locator("#import-status")).to_contain_text("imported as a proposal")
    proposal = Document.objects.get(source=source, version=2)
    assert proposal.status == DocumentStatus.PROPOSED

    # The live text is unchanged for everyone else.
    page.goto(source.get_absolute_url())
    expect(page.locator(".reader__text")).not_to_contain_text("markedly")
    page.goto(f"/sources/{source.slug}/versions/2/")
    expect(page.locator("h1")).to_contain_text("Page not found")

    # 2. The maintainer sees the proposal, opens the diff, reads the change.
    steward = login_page(owner)
    steward.goto(source.get_absolute_url())
    proposals = steward.locator("#proposals")
    expect(proposals).to_contain_text("Proposed, waiting for a maintainer")
    proposals.get_by_role("link", name="See the changes").click()
    expect(steward.locator("h1")).to_have_text("Changes from version 1 to version 2")
    expect(steward.locator(".diff__text ins")).to_have_text(["markedly "])
    assert serious_violations(steward) == []

    # 3. They accept it with a reason, from the proposal's own page, by keyboard.
    steward.goto(f"/sources/{source.slug}/versions/2/")
    banner = steward.locator(".version-banner")
    expect(banner).to_contain_text("Proposed version 2")
    banner.get_by_label("Reason").fill("Checked against the publisher's PDF.")
    banner.get_by_role("button", name="Accept and publish").focus()
    steward.keyboard.press("Enter")
    expect(steward.locator(".messages")).to_contain_text("Version 2 is now the current version.")
    source = Source.objects.get(pk=source.pk)
    assert source.current_document_id == proposal.pk

    # 4. Everyone reads version 2, and the annotation followed the text.
    page.goto(source.get_absolute_url())
    expect(page.locator(".reader__text")).to_contain_text("markedly different treatment")
    expect(page.locator("mark.hl")).to_have_text([QUOTE])
    assert page.js_errors == []

    # 5. The contributor is told, with the reason.
    writer.goto("/notifications/")
    expect(writer.locator("main")).to_contain_text("Checked against the publisher's PDF.")
