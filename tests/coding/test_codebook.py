"""Codebook versions (issue 16): changes need a reason and are kept; entry versions
record the codebook they were coded under; required citations follow the codebook."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.atlas.entries import transitions
from apps.coding import services
from apps.coding.models import CodebookVersion, EntryCodebookVersion
from apps.coding.selectors import current_codebook

from .conftest import api

pytestmark = pytest.mark.django_db


def test_version_one_is_the_shipped_codebook_with_the_default_required_citations():
    codebook = current_codebook()
    assert codebook.number == 1
    assert codebook.required_citations == ["legal_basis", "consequences", "contestable"]
    names = [row["name"] for row in codebook.dimensions]
    assert names[0] == "operator" and names[-2:] == ["start_year", "end_year"]


def test_a_change_needs_a_reason_and_a_global_moderator(moderator, german_moderator, user):
    for actor in (german_moderator, user):
        with pytest.raises(PermissionDenied):
            services.codebook_change(actor=actor, reason="x", required_citations=["operator"])
    with pytest.raises(ValidationError) as caught:
        services.codebook_change(actor=moderator, reason="  ", required_citations=["operator"])
    assert "reason" in caught.value.message_dict
    for bad in (
        {"required_citations": ["nonsense"]},
        {"allowed": {"operator": ["martian"]}},
        {"allowed": {"start_year": ["1999"]}},
        {"definitions": {"operator": {"martian": "Runs on Mars."}}},
        {},  # changes nothing
    ):
        with pytest.raises(ValidationError):
            services.codebook_change(actor=moderator, reason="Because.", **bad)
    assert CodebookVersion.objects.count() == 1


def test_a_change_is_a_new_version_listed_with_its_reason(moderator):
    version = services.codebook_change(
        actor=moderator,
        reason="Operators are contested; require a citation.",
        required_citations=["operator", "legal_basis"],
        definitions={"operator": {"state": "A public authority runs it."}},
    )
    assert version.number == 2
    listed = api().get("/api/codebook/versions/").json()
    assert [v["number"] for v in listed] == [2, 1]
    assert listed[0]["reason"] == "Operators are contested; require a citation."
    operator = next(d for d in listed[0]["dimensions"] if d["name"] == "operator")
    assert operator["definitions"]["state"] == "A public authority runs it."
    page = api().get("/coding/codebook/").content.decode()
    assert "Operators are contested" in page
    bad = api(moderator).post("/api/codebook/versions/", {"reason": ""}, format="json")
    assert bad.status_code == 400


@pytest.mark.citations_required
def test_required_citations_follow_the_codebook(moderator, german_moderator, user, draft):
    services.codebook_change(actor=moderator, reason="Only operators now.",
                             required_citations=["operator"])  # fmt: skip
    transitions.example_transition(actor=user, example=draft, to="submitted")
    with pytest.raises(ValidationError) as caught:
        transitions.example_transition(actor=german_moderator, example=draft, to="published")
    assert set(caught.value.message_dict) == {"operator"}


def test_every_entry_version_records_its_codebook(run_on_commit, moderator, user, draft):
    from apps.atlas.entries import services as entry_services

    from .conftest import evidence_data, example_data

    with run_on_commit():
        example = entry_services.example_create(
            author=user, data=example_data(title="Recorded"), evidence=[evidence_data()],
            confirm_distinct=True,
        )  # fmt: skip
    assert EntryCodebookVersion.objects.get(example=example, entry_version=1).codebook.number == 1
    services.codebook_change(actor=moderator, reason="v2", required_citations=["operator"])
    with run_on_commit():
        example = entry_services.example_update(
            actor=user, example=example, changes={"operator": "state"}
        )
    recorded = EntryCodebookVersion.objects.get(example=example, entry_version=example.version)
    assert recorded.codebook.number == 2


def test_what_a_release_takes_from_the_coding_app(moderator):
    from apps.coding.releases import agreement_csv, release_notes_lines

    services.codebook_change(
        actor=moderator, reason="Cite operators.", required_citations=["operator"]
    )
    header, *rows = agreement_csv().splitlines()
    assert header.startswith("field,level,alpha,ci_low,ci_high")
    assert rows[0].startswith("operator,nominal,,")  # nothing double-coded yet
    lines = release_notes_lines(since_codebook=1)
    assert lines[0] == "Codebook version 2."
    assert "Codebook change (version 2): Cite operators." in lines


def test_the_atlas_codebook_leads_to_coder_agreement(client):
    """Issue 16 / journey 7: a reader on the codebook (linked from every entry and the
    entry form) finds how reliably each dimension is coded; the agreement page was linked
    from nowhere."""
    html = client.get("/atlas/codebook/").content.decode()
    assert '<a href="/coding/codebook/">Codebook versions and coder agreement</a>' in html
    agreement = client.get("/coding/codebook/").content.decode()
    assert (
        'id="agreement-right_to_contest"' in agreement or 'id="agreement-contestable"' in agreement
    )
