"""Coding you can defend in Chromium (issue 16): a moderator asks for blind coding, two
coders code the entry on their own with citations, the moderator reconciles, publishes,
and the entry page shows each cited value's citations and marks the uncited ones."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.models import Example
from apps.coding.models import Coding, CodingRequest
from apps.sources.models import Passage
from tests.atlas.conftest import evidence_data, example_data
from tests.browser.axe import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.citations_required]

QUOTE = "Schufa uses geo-scoring"


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    # live_server tests flush the database between tests, migration-seeded rows included.
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


def code(page, example, passage, *, legal_basis: str, note: str) -> None:
    page.goto(f"/coding/examples/{example.pk}/mine/")
    expect(page.locator("h1")).to_contain_text(example.title)
    page.select_option("#operator", "private")
    page.select_option("#legal_basis", legal_basis)
    page.check("input[name=consequences][value=price_differences]")
    page.select_option("#contestable", "yes")
    page.fill("#start_year", "1927")
    for field in ("legal_basis", "consequences", "contestable"):
        page.locator(f"#code-{field} summary").click()
    page.fill("#legal_basis__source", passage.document.source.slug)
    page.fill("#legal_basis__anchor", passage.anchor)
    page.fill("#legal_basis__quote", QUOTE)
    page.fill("#legal_basis__note", note)
    evidence = str(example.evidence.first().pk)
    page.select_option("#consequences__evidence", evidence)
    page.select_option("#contestable__evidence", evidence)
    page.get_by_role("button", name="Save and hand in").click()
    expect(page.locator(".messages")).to_contain_text("Your coding was saved")


def test_request_two_blind_codings_reconcile_and_publish_with_citations(
    founding_paper, user, login_page
):
    from tests.coding.conftest import make_coder
    from tests.moderation.conftest import make_moderator

    moderator = make_moderator()
    first, second = make_coder(display_name="Ada Coder"), make_coder(display_name="Bo Coder")
    passage = Passage.objects.get(document=founding_paper.current_document, text__contains=QUOTE)
    example = entry_services.example_create(
        author=user, data=example_data(legal_basis="unknown"), evidence=[evidence_data()],
        confirm_distinct=True,
    )  # fmt: skip
    example = transitions.example_transition(actor=user, example=example, to="submitted")

    reviewer = login_page(moderator)
    reviewer.goto(f"/coding/examples/{example.pk}/request/")
    reviewer.fill("#coders", f"{first.username} {second.username}")
    reviewer.get_by_role("button", name="Ask for blind coding").click()
    expect(reviewer.locator(".messages")).to_contain_text("Coding requested")
    assert CodingRequest.objects.get().codings.count() == 2

    coder_a = login_page(first)
    code(coder_a, example, passage, legal_basis="statute", note="BDSG § 31")
    coder_b = login_page(second)
    # Blind: coder A's values are nowhere on B's form.
    coder_b.goto(f"/coding/examples/{example.pk}/mine/")
    expect(coder_b.locator("#legal_basis")).to_have_value("")
    expect(coder_b.locator("body")).not_to_contain_text("BDSG § 31")
    code(coder_b, example, passage, legal_basis="regulation", note="a decree")
    assert Coding.objects.filter(submitted_at__isnull=False).count() == 2

    reviewer.goto(f"/coding/examples/{example.pk}/reconcile/")
    expect(reviewer.locator('tr.agreed[data-field="operator"]')).to_be_visible()
    disagreed = reviewer.locator('tr.disagreed[data-field="legal_basis"]')
    expect(disagreed).to_contain_text("statute")
    expect(disagreed).to_contain_text("regulation")
    assert serious_violations(reviewer) == []
    coding_a = Coding.objects.get(coder=first)
    disagreed.locator(f'input[type=radio][value="{coding_a.pk}"]').check()
    disagreed.locator('input[name="legal_basis__reason"]').fill("The act is named in the source.")
    reviewer.get_by_role("button", name="Reconcile: publish as a new version").click()
    expect(reviewer.locator(".messages")).to_contain_text("Reconciled")
    example.refresh_from_db()
    assert example.legal_basis == "statute" and example.status == "submitted"

    reviewer.get_by_role("button", name="Move to: Published").click()
    expect(reviewer.locator(".messages")).to_contain_text("Published")
    assert Example.objects.get(pk=example.pk).status == "published"

    reader = login_page(user)
    reader.goto(example.get_absolute_url())
    marker = reader.locator('details.value-citations[data-field="legal_basis"]')
    marker.locator("summary").click()
    expect(marker).to_contain_text(QUOTE)
    expect(marker).to_contain_text("BDSG § 31")
    expect(reader.locator('.uncited[data-field="transparency"]')).to_be_visible()
    assert serious_violations(reader) == []
    reader.goto(f"/coding/examples/{example.pk}/history/")
    expect(reader.locator("main")).to_contain_text("Ada Coder")
    expect(reader.locator("main")).to_contain_text("regulation")
    assert reviewer.js_errors == [] and reader.js_errors == []


def test_a_coder_cites_right_to_contest_from_the_entry_form_and_publishes(
    founding_paper, user, login_page
):
    """The entry form's side panel: search a passage, select the quote in it, have it
    checked (a wrong quote is refused in the panel), see the chip beside the field, keep
    what was typed in the form, save, publish, and read the citation on the entry."""
    from apps.coding.services import citations_replace
    from tests.coding.conftest import make_coder, passage_citation
    from tests.moderation.conftest import make_moderator

    coder = make_moderator()
    make_coder().groups.first().user_set.add(coder)  # a coder who may publish
    passage = Passage.objects.get(document=founding_paper.current_document, text__contains=QUOTE)
    example = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()], confirm_distinct=True,
    )  # fmt: skip
    example = transitions.example_transition(actor=user, example=example, to="submitted")
    citations_replace(
        actor=coder,
        example=example,
        citations=[passage_citation(passage, field=f) for f in ("legal_basis", "consequences")],
    )

    page = login_page(coder)
    page.goto(f"/atlas/examples/{example.pk}/{example.slug}/edit/")
    page.fill("#id_summary", "Typed before citing: kept.")
    cite = page.get_by_role("button", name="Cite “Right to contest”")
    # The button sits with the field it cites.
    expect(page.locator(".field:has(#id_contestable) [data-cite=contestable]")).to_be_visible()
    cite.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name="Cite “Right to contest”")
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")  # closes, and focus is back on the button
    expect(panel).to_be_hidden()
    expect(cite).to_be_focused()

    cite.click()
    panel.get_by_label("Find a passage by its words").fill("geo-scoring")
    panel.get_by_label("Find a passage by its words").press("Enter")  # searches, no submit
    panel.get_by_role("button", name="Use this passage").first.click()
    expect(panel.locator("#cite-passage-text")).to_contain_text(QUOTE)
    panel.get_by_label("Exact quote (optional)").fill("Schufa uses no scoring")
    panel.get_by_role("button", name="Add the citation").click()
    expect(panel.get_by_role("alert")).to_contain_text("not in that passage")
    assert serious_violations(page) == []
    page.evaluate(
        """quote => {
            const block = document.getElementById('cite-passage-text');
            const text = block.firstChild, start = text.data.indexOf(quote);
            const range = document.createRange();
            range.setStart(text, start); range.setEnd(text, start + quote.length);
            getSelection().removeAllRanges(); getSelection().addRange(range);
        }""",
        QUOTE,
    )
    panel.get_by_role("button", name="Use the selected words as the quote").click()
    expect(panel.get_by_label("Exact quote (optional)")).to_have_value(QUOTE)
    panel.get_by_label("Note (optional)").fill("Appeals go to the data protection office.")
    panel.get_by_role("button", name="Add the citation").click()
    expect(panel).to_be_hidden()
    chips = page.locator(".field:has(#id_contestable) .citation-chips li")
    expect(chips).to_have_count(1)
    expect(chips).to_contain_text(QUOTE)
    expect(page.locator("#id_summary")).to_have_value("Typed before citing: kept.")
    expect(page.locator("#citation-status")).to_contain_text("Save the form")

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("Saved")
    page.get_by_role("button", name="Move to: Published").click()
    expect(page.locator(".messages")).to_contain_text("Published")
    assert Example.objects.get(pk=example.pk).status == "published"
    marker = page.locator('details.value-citations[data-field="contestable"]')
    marker.locator("summary").click()
    expect(marker).to_contain_text(QUOTE)
    expect(marker).to_contain_text("Appeals go to the data protection office.")
    assert page.js_errors == []
