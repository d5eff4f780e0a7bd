"""Citations attached from the entry's edit form (issue 16): chips are hidden inputs of
the form, checked by the panel's check endpoint before they are shown and stored with
the form's save through the coding services; a wrong one refuses the whole save."""

from __future__ import annotations

import json

import pytest

from apps.atlas.entries import transitions
from apps.atlas.models import Example
from apps.coding.models import ValueCitation
from apps.coding.services import citations_replace
from tests.atlas.test_edit import edit_post, edit_url

from .conftest import SCHUFA_QUOTE, api, make_coder, passage_citation

pytestmark = pytest.mark.django_db


def chip(of, field="contestable", **overrides) -> str:
    """A chip citing the passage ``of`` (with the Schufa quote), as the panel adds it."""
    data = {
        "field": field,
        "evidence": None,
        "passage": {"source": of.document.source.slug, "version": of.document.version,
                    "anchor": of.anchor},
        "quote": SCHUFA_QUOTE,
        "note": "",
        "label": "shown on the chip",
    }  # fmt: skip
    data.update(overrides)
    return json.dumps(data)


def form_with(draft, chips: list[str], **overrides) -> dict:
    return edit_post(draft, value_citations_form="1", value_citation=chips, **overrides)


def current(example) -> list[ValueCitation]:
    return list(ValueCitation.objects.filter(example=example, coding=None, replaced_at=None))


def test_the_form_shows_a_cite_button_per_field_and_the_current_chips(
    user, user_client, draft, schufa_passage, django_assert_max_num_queries
):
    citations_replace(actor=user, example=draft, citations=[passage_citation(schufa_passage)])
    # As many as without citations (prefetched); one is the lifecycle events (issue 15).
    with django_assert_max_num_queries(12):
        response = user_client.get(edit_url(draft))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="citation-panel"' in html and 'data-cite="contestable"' in html
    assert 'data-cite="start_year"' in html and "js/value-citations.js" in html
    # The current citation is a chip: a hidden input carrying its exact place.
    assert 'name="value_citation"' in html and "&quot;position&quot;" in html
    assert html.count('data-cite="') == 11


def test_a_chip_posted_with_the_form_is_stored_with_the_edit(user_client, draft, schufa_passage):
    response = user_client.post(
        edit_url(draft), form_with(draft, [chip(schufa_passage)], summary="Now with a source.")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (citation,) = current(draft)
    assert citation.field == "contestable" and citation.quote == SCHUFA_QUOTE
    assert citation.since_version == 2
    # Saving again without touching the chips replaces nothing (history stays short).
    page = user_client.get(edit_url(draft)).content.decode()
    assert "&quot;contestable&quot;" in page
    response = user_client.post(
        edit_url(draft), form_with(draft, [chip(schufa_passage)], summary="Again.")
    )
    assert response.status_code == 302
    assert ValueCitation.objects.filter(example=draft).count() == 1
    # Removing the chip removes the citation (kept in the history).
    assert user_client.post(edit_url(draft), form_with(draft, [])).status_code == 302
    assert current(draft) == [] and ValueCitation.objects.filter(example=draft).count() == 1


def test_a_form_without_the_panel_leaves_the_citations_alone(
    user, user_client, draft, schufa_passage
):
    citations_replace(actor=user, example=draft, citations=[passage_citation(schufa_passage)])
    response = user_client.post(edit_url(draft), edit_post(draft, summary="No panel here."))
    assert response.status_code == 302
    assert len(current(draft)) == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"quote": "Schufa uses no scoring at all"},  # not the passage's words
        {"passage": {"source": "no-such-source", "anchor": "p1"}},
        {"field": "favourite_colour"},
        {"evidence": 999_999_999, "passage": None, "quote": ""},
        {"note": "x" * 2048},
    ],
)
def test_a_wrong_chip_refuses_the_whole_save_and_keeps_the_input(
    user_client, draft, schufa_passage, bad
):
    response = user_client.post(
        edit_url(draft), form_with(draft, [chip(schufa_passage, **bad)], summary="Changed.")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "form-errors" in html or "error" in html
    # The typed input and the chip (next to its field, if it names one) are shown
    # again; nothing was stored.
    assert "Changed." in html
    assert ("shown on the chip" in html) == ("field" not in bad)
    draft.refresh_from_db()
    assert draft.version == 1 and draft.summary != "Changed."
    assert not ValueCitation.objects.filter(example=draft).exists()


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"field": "contestable\\u0000"}', "{}"])
def test_a_malformed_chip_is_a_form_error(user_client, draft, text):
    response = user_client.post(edit_url(draft), form_with(draft, [text], summary="Changed."))
    assert response.status_code == 400
    assert "malformed" in response.content.decode()
    draft.refresh_from_db()
    assert draft.version == 1 and not ValueCitation.objects.exists()


def test_an_author_whose_edits_go_to_review_gets_no_panel_and_cannot_cite_by_post(
    user, user_client, draft, schufa_passage, moderator
):
    example = transitions.example_transition(actor=user, example=draft, to="submitted")
    citations_replace(
        actor=moderator,
        example=example,
        citations=[passage_citation(schufa_passage, field=field)
                   for field in ("legal_basis", "consequences", "contestable")],
    )  # fmt: skip
    example = transitions.example_transition(actor=moderator, example=example, to="published")
    html = user_client.get(edit_url(example)).content.decode()
    assert 'id="citation-panel"' not in html
    response = user_client.post(edit_url(example), form_with(example, []))
    assert response.status_code == 400
    assert len(current(example)) == 3


# --- The panel's endpoints ------------------------------------------------------------------


def check_url(example) -> str:
    return f"/api/examples/{example.pk}/citations/check/"


def test_the_check_answers_the_citation_as_the_form_sends_it(user, draft, schufa_passage):
    payload = json.loads(chip(schufa_passage))
    response = api(user).post(check_url(draft), payload, format="json")
    assert response.status_code == 200
    citation = response.json()["citation"]
    assert citation["position"]["end"] - citation["position"]["start"] == len(SCHUFA_QUOTE)
    assert SCHUFA_QUOTE in response.json()["label"]
    assert not ValueCitation.objects.exists()  # checked, not stored


@pytest.mark.parametrize(
    "bad", [{"quote": "Schufa uses no scoring"}, {"quote": "a\x00b"}, {"note": "x" * 6000}]
)
def test_the_check_refuses_a_wrong_citation_with_a_reason(user, draft, schufa_passage, bad):
    payload = {**json.loads(chip(schufa_passage)), **bad}
    response = api(user).post(check_url(draft), payload, format="json")
    assert response.status_code == 400 and response.json()["detail"]


def test_only_who_may_cite_may_check(draft, schufa_passage, other_user, french_moderator):
    payload = json.loads(chip(schufa_passage))
    assert api().post(check_url(draft), payload, format="json").status_code == 401
    # A stranger and another country's moderator do not see the draft at all.
    assert api(other_user).post(check_url(draft), payload, format="json").status_code == 404
    assert api(french_moderator).post(check_url(draft), payload, format="json").status_code == 404
    assert api(make_coder()).post(check_url(draft), payload, format="json").status_code == 404


def test_passage_search_for_the_panel(user, founding_paper, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = api(user).get("/api/citations/passages/", {"q": "geo-scoring"})
    (first, *_rest) = response.json()["passages"]
    assert SCHUFA_QUOTE in first["text"] and first["source"] == founding_paper.slug
    assert api().get("/api/citations/passages/", {"q": "geo-scoring"}).status_code == 401
    assert api(user).get("/api/citations/passages/", {"q": "geo\x00"}).status_code == 400
    assert api(user).get("/api/citations/passages/", {"q": "x" * 2048}).status_code == 400
    assert api(user).get("/api/citations/passages/", {"q": "ab"}).json() == {"passages": []}


@pytest.mark.citations_required
def test_cited_from_the_form_the_entry_can_be_published(moderator, client, draft, schufa_passage):
    """The required fields cited through the form, the moderator's publishing passes."""
    client.force_login(moderator)
    draft = transitions.example_transition(actor=draft.author, example=draft, to="submitted")
    chips = [chip(schufa_passage, field=f) for f in ("legal_basis", "consequences")]
    response = client.post(edit_url(draft), form_with(draft, chips))
    assert response.status_code == 302
    with pytest.raises(Exception) as refused:
        transitions.example_transition(actor=moderator, example=draft, to="published")
    assert "contestable" in str(refused.value)
    chips.append(chip(schufa_passage, field="contestable"))
    assert client.post(edit_url(draft), form_with(draft, chips)).status_code == 302
    transitions.example_transition(actor=moderator, example=Example.objects.get(pk=draft.pk),
                                   to="published")  # fmt: skip
    assert Example.objects.get(pk=draft.pk).status == "published"
