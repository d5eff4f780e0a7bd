"""Value citations: checked quotes, required citations on publishing, and citations in
the API, the exports and on the entry page (issue 16)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.atlas.entries import transitions
from apps.coding import services
from apps.coding.models import AnchorStatus, ValueCitation
from apps.coding.services import CitationData

from .conftest import SCHUFA_QUOTE, api, passage_citation

pytestmark = pytest.mark.django_db

REQUIRED = ("legal_basis", "consequences", "contestable")


def cite_required(actor, example, passage):
    evidence = example.evidence.first()
    return services.citations_replace(
        actor=actor,
        example=example,
        citations=[
            passage_citation(passage, field="legal_basis", note="BDSG § 31"),
            CitationData(field="consequences", evidence=evidence.pk),
            CitationData(field="contestable", evidence=evidence.pk, note="Art. 22 GDPR"),
        ],
    )


def test_a_checked_quote_is_stored_with_its_place_and_context(user, draft, schufa_passage):
    (citation,) = services.citations_replace(
        actor=user, example=draft, citations=[passage_citation(schufa_passage)]
    )
    text = schufa_passage.document.text
    assert text[citation.start : citation.end] == SCHUFA_QUOTE
    assert schufa_passage.start <= citation.start < citation.end <= schufa_passage.end
    assert text[: citation.start].endswith(citation.prefix) and citation.prefix
    assert citation.passage == schufa_passage
    assert citation.since_version == draft.version


@pytest.mark.parametrize(
    "overrides",
    [
        {"quote": "Schufa uses credit-scoring"},  # not in the text
        {"quote": "Living in a substandard", "start": 0, "end": 23},  # not at that position
        {"quote": "Schufa uses geo-scoring", "prefix": "In France, "},  # wrong context
        {"quote": "The Chinese Social Credit System"},  # in the text, not in the passage
        {"anchor": "nosuchanchor"},
        {"version": 99},
    ],
)
def test_a_mismatched_quote_is_refused_and_nothing_is_stored(
    user, draft, schufa_passage, overrides
):
    good = CitationData(field="operator", evidence=draft.evidence.first().pk)
    with pytest.raises(ValidationError) as caught:
        services.citations_replace(
            actor=user,
            example=draft,
            citations=[good, passage_citation(schufa_passage, **overrides)],
        )
    assert "citations" in caught.value.message_dict
    assert caught.value.message_dict["citations"][0].startswith("[1]")
    assert not ValueCitation.objects.exists()


def test_the_api_refuses_a_mismatched_quote_with_400_and_stores_nothing(
    user, draft, schufa_passage
):
    body = {
        "citations": [
            {
                "field": "legal_basis",
                "passage": {
                    "source": schufa_passage.document.source.slug,
                    "version": schufa_passage.document.version,
                    "anchor": schufa_passage.anchor,
                },
                "quote": "Schufa uses nothing at all",
            }
        ]
    }
    response = api(user).put(f"/api/examples/{draft.pk}/citations/", body, format="json")
    assert response.status_code == 400
    assert "is not in that passage" in json.dumps(response.json())
    assert not ValueCitation.objects.exists()


def test_hostile_input_is_a_400_not_a_500(user, draft):
    for body in (
        {"citations": [{"field": "x" * 2000}]},
        {"citations": [{"field": "operator", "evidence": 10**30}]},
        {"citations": [{"field": "operator", "passage": {"source": "a", "anchor": "b" * 30}}]},
        {"citations": "nope"},
    ):
        response = api(user).put(f"/api/examples/{draft.pk}/citations/", body, format="json")
        assert response.status_code == 400, body
    assert not ValueCitation.objects.exists()


def test_evidence_of_another_entry_cannot_be_cited(user, other_user, draft):
    from apps.atlas.entries import services as entry_services

    from .conftest import evidence_data, example_data

    other = entry_services.example_create(
        author=other_user,
        data=example_data(title="Another"),
        evidence=[evidence_data()],
        confirm_distinct=True,
    )
    with pytest.raises(ValidationError):
        services.citations_replace(
            actor=user,
            example=draft,
            citations=[CitationData(field="operator", evidence=other.evidence.first().pk)],
        )


def test_only_editors_may_cite(other_user, french_moderator, draft, schufa_passage):
    for actor in (other_user, french_moderator):
        with pytest.raises(PermissionDenied):
            services.citations_replace(
                actor=actor, example=draft, citations=[passage_citation(schufa_passage)]
            )
    assert not ValueCitation.objects.exists()


@pytest.mark.citations_required
def test_publishing_without_a_required_citation_is_refused(
    user, german_moderator, draft, schufa_passage
):
    draft = transitions.example_transition(actor=user, example=draft, to="submitted")
    services.citations_replace(
        actor=user, example=draft, citations=[passage_citation(schufa_passage)]
    )
    with pytest.raises(ValidationError) as caught:
        transitions.example_transition(actor=german_moderator, example=draft, to="published")
    assert set(caught.value.message_dict) == {"consequences", "contestable"}
    draft.refresh_from_db()
    assert draft.status == "submitted"


@pytest.mark.citations_required
def test_the_api_answers_400_naming_the_uncited_fields(user, german_moderator, draft):
    transitions.example_transition(actor=user, example=draft, to="submitted")
    response = api(german_moderator).post(
        f"/api/examples/{draft.pk}/transition/", {"to": "published"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(REQUIRED) <= set(errors)
    draft.refresh_from_db()
    assert draft.status == "submitted"


@pytest.mark.citations_required
def test_a_trusted_author_cannot_publish_uncited_at_creation(db):
    from apps.atlas.entries import services as entry_services
    from apps.atlas.models import Example
    from tests.moderation.conftest import make_trusted

    from .conftest import evidence_data, example_data

    trusted = make_trusted()
    with pytest.raises(ValidationError) as caught:
        entry_services.example_create(
            author=trusted,
            data=example_data(),
            evidence=[evidence_data()],
            submit=True,
            confirm_distinct=True,
        )
    assert "legal_basis" in caught.value.message_dict
    assert not Example.objects.exists()


@pytest.mark.citations_required
def test_a_fully_cited_entry_publishes_and_shows_its_citations(
    client, user, german_moderator, draft, schufa_passage
):
    draft = transitions.example_transition(actor=user, example=draft, to="submitted")
    cite_required(user, draft, schufa_passage)
    example = transitions.example_transition(actor=german_moderator, example=draft, to="published")
    assert example.status == "published"

    data = api().get(f"/api/examples/{example.pk}/").json()
    by_field = {c["field"]: c for c in data["citations"]}
    assert set(by_field) == set(REQUIRED)
    assert by_field["legal_basis"]["quote"] == SCHUFA_QUOTE
    assert by_field["legal_basis"]["passage"]["anchor"] == schufa_passage.anchor
    assert by_field["consequences"]["evidence"] == example.evidence.first().pk

    page = client.get(example.get_absolute_url()).content.decode()
    assert 'class="value-citations" data-field="legal_basis"' in page
    assert SCHUFA_QUOTE in page
    assert '<span class="uncited" data-field="operator">' in page
    # Journey 7: the two years share a row; each marker says which year ("uncited
    # uncited" side by side said nothing).
    assert '<span class="uncited" data-field="start_year">start: uncited</span>' in page
    assert '<span class="uncited" data-field="end_year">end: uncited</span>' in page

    csv_text = api().get("/api/examples/export.csv").content.decode()
    header, row = csv_text.splitlines()[:2]
    assert "legal_basis__citations" in header and "operator__citations" in header
    assert SCHUFA_QUOTE in row

    jsonld = api().get("/api/examples/export.jsonld").json()
    (part,) = jsonld["hasPart"]
    legal = next(p for p in part["additionalProperty"] if p["name"] == "legal_basis")
    (derived,) = legal["prov:wasDerivedFrom"]
    assert derived["@type"] == "Quotation" and derived["text"] == SCHUFA_QUOTE
    operator = next(p for p in part["additionalProperty"] if p["name"] == "operator")
    assert "prov:wasDerivedFrom" not in operator


def test_replacing_keeps_the_old_citations_in_the_history(user, draft, schufa_passage):
    services.citations_replace(
        actor=user, example=draft, citations=[passage_citation(schufa_passage)]
    )
    services.citations_replace(
        actor=user,
        example=draft,
        citations=[CitationData(field="operator", evidence=draft.evidence.first().pk)],
    )
    assert ValueCitation.objects.filter(replaced_at=None).get().field == "operator"
    assert ValueCitation.objects.exclude(replaced_at=None).get().field == "legal_basis"


def test_citations_follow_a_new_version_of_the_source(user, draft, schufa_passage, founding_paper):
    """Re-anchoring: a new version with the quote moved keeps the citation placed; one
    without the quote orphans it (listed to the author, not shown publicly)."""
    from apps.sources.models import Document, Passage

    services.citations_replace(
        actor=user,
        example=draft,
        citations=[
            passage_citation(schufa_passage),
            passage_citation(schufa_passage, field="operator", quote="", note="no quote"),
        ],
    )
    old = schufa_passage.document
    new_text = "A new preface.\n\n" + old.text
    new = Document.objects.create(
        source=founding_paper, version=old.version + 1, status=old.status,
        import_format=old.import_format, text=new_text,
    )  # fmt: skip
    shift = len("A new preface.\n\n")
    Passage.objects.create(document=new, order=0, kind="paragraph", text="A new preface.",
                           start=0, end=14, anchor="preface")  # fmt: skip
    for p in Passage.objects.filter(document=old):
        Passage.objects.create(document=new, order=p.order + 1, kind=p.kind, section=p.section,
                               text=p.text, start=p.start + shift, end=p.end + shift,
                               anchor=p.anchor)  # fmt: skip
    founding_paper.current_document = new
    founding_paper.save()
    result = services.citations_reanchor(document_id=new.pk)
    assert result == {"moved": 2, "orphaned": 0}
    quoted = ValueCitation.objects.get(field="legal_basis")
    assert quoted.document == new and new_text[quoted.start : quoted.end] == SCHUFA_QUOTE
    assert quoted.anchor_status == AnchorStatus.ANCHORED

    # A version without that sentence: the quoted citation is orphaned.
    newest_text = new_text.replace("Schufa uses geo-scoring", "a bureau rates places")
    newest = Document.objects.create(
        source=founding_paper, version=old.version + 2, status=old.status,
        import_format=old.import_format, text=newest_text,
    )  # fmt: skip
    Passage.objects.create(document=newest, order=0, kind="paragraph", text=newest_text,
                           start=0, end=len(newest_text), anchor="all")  # fmt: skip
    founding_paper.current_document = newest
    founding_paper.save()
    services.citations_reanchor(document_id=newest.pk)
    quoted.refresh_from_db()
    assert quoted.anchor_status == AnchorStatus.ORPHANED
    listed = api(user).get(f"/api/examples/{draft.pk}/citations/").json()["citations"]
    assert "orphaned" in {c["status"] for c in listed}


@pytest.mark.citations_required
def test_a_moderators_refused_publish_leads_to_the_cite_buttons(
    client, user, german_moderator, draft
):
    """The entry page's Publish, refused for uncited values: the moderator lands on the edit
    form (where each value has its Cite button) with the message naming the values, not
    back on the entry with nothing to act on. A refusal of another kind stays on the entry."""
    draft = transitions.example_transition(actor=user, example=draft, to="submitted")
    client.force_login(german_moderator)
    url = f"/atlas/examples/{draft.pk}/transition/"
    response = client.post(url, {"to": "published", "version": draft.version})
    edit = f"/atlas/examples/{draft.pk}/{draft.slug}/edit/"
    assert response.status_code == 302 and response.url == edit
    page = client.get(edit)
    assert page.status_code == 200
    assert "before publishing (the codebook requires it)" in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == "submitted"

    # Rejecting without a reason is refused too, but nothing is to be cited.
    response = client.post(url, {"to": "rejected", "version": draft.version})
    assert response.status_code == 302 and response.url == draft.get_absolute_url()


def test_the_systems_comparison_shows_each_values_citations(
    client, user, moderator, draft, schufa_passage
):
    """/atlas/compare/?entries=…: a codebook value's cell shows its citations as the entry's
    page does (the passage, its quote and note), an uncited value says "uncited", and a
    row nothing cites (country) keeps the link to the entry's evidence."""
    from apps.atlas.entries import services as entry_services
    from tests.coding.conftest import evidence_data, example_data

    cite_required(user, draft, schufa_passage)
    transitions.example_transition(actor=user, example=draft, to="submitted")
    transitions.example_transition(actor=moderator, example=draft, to="published")
    other = entry_services.example_create(
        author=moderator, data=example_data(title="Another scoring scheme"),
        evidence=[evidence_data()], confirm_distinct=True,
    )  # fmt: skip
    other = transitions.example_transition(actor=moderator, example=other, to="submitted")
    assert other.status == "published"  # a moderator's own submission publishes at once

    response = client.get(f"/atlas/compare/?entries={draft.pk},{other.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    legal = page.split('data-dimension="legal_basis"')[1].split("</tr>")[0]
    first, second = legal.split("<td>")[1:3]
    assert f"#p-{schufa_passage.anchor}" in first and SCHUFA_QUOTE in first
    assert "BDSG § 31" in first
    assert "uncited" in second and "<q>" not in second
    country = page.split('data-dimension="country"')[1].split("</tr>")[0]
    assert f'href="#evidence-{draft.pk}"' in country

    data = client.get(f"/atlas/compare.json?entries={draft.pk},{other.pk}").json()
    rows = {row["name"]: row["values"] for row in data["dimensions"]}
    (cited,) = rows["legal_basis"][0]["citations"]
    assert cited["quote"] == SCHUFA_QUOTE and cited["note"] == "BDSG § 31"
    assert cited["passage"]["url"].endswith(f"#p-{schufa_passage.anchor}")
    assert cited["passage"]["url"].startswith("http")
    assert rows["legal_basis"][1]["citations"] == []
    assert "citations" not in rows["country"][0]

    # The CSV: a row of citations under each codebook value's row, "uncited" when none.
    import csv
    import io

    table = list(csv.reader(io.StringIO(
        client.get(f"/atlas/compare.csv?entries={draft.pk},{other.pk}").content.decode()
    )))  # fmt: skip
    cited_row = next(r for r in table if r[0].endswith(": citations") and SCHUFA_QUOTE in r[1])
    assert cited_row[1].startswith("<http") and "(BDSG § 31)" in cited_row[1]
    assert f"#p-{schufa_passage.anchor}>" in cited_row[1] and cited_row[2] == "uncited"
    assert not any(r[0] == "Country: citations" for r in table)
