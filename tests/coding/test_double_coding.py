"""Blind double coding and reconciliation (issue 16)."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.atlas.models import Example
from apps.coding import services
from apps.coding.models import Coding, CodingRequest, EntryCodebookVersion, ValueCitation

from .conftest import SCHUFA_QUOTE, api, make_coder, passage_citation

pytestmark = pytest.mark.django_db

VALUES_A = {"operator": "private", "legal_basis": "statute", "start_year": 1927,
            "consequences": ["price_differences"], "contestable": "yes"}  # fmt: skip
VALUES_B = {"operator": "private", "legal_basis": "regulation", "start_year": 1930,
            "consequences": ["price_differences"]}  # fmt: skip


@pytest.fixture
def requested(draft, german_moderator, coders):
    return services.coding_request_create(actor=german_moderator, example=draft, coders=coders[:2])


def test_only_moderators_of_the_country_ask_for_double_coding(
    draft, user, french_moderator, coders
):
    for actor in (user, french_moderator, coders[0]):
        with pytest.raises(PermissionDenied):
            services.coding_request_create(actor=actor, example=draft, coders=coders[:2])
    assert not CodingRequest.objects.exists()


def test_volunteers_are_drawn_from_the_coders_role_never_the_author(
    draft, user, german_moderator, coders
):
    user.groups.add(coders[0].groups.first())  # the author volunteers too
    request = services.coding_request_create(
        actor=german_moderator, example=draft, count=3, rng=random.Random(1)
    )
    chosen = {c.coder for c in request.codings.all()}
    assert chosen == set(coders) and user not in chosen
    with pytest.raises(ValidationError):  # one open request per entry
        services.coding_request_create(actor=german_moderator, example=draft, count=2)


def test_a_batch_double_codes_a_share_of_new_entries_in_my_countries(
    user, german_moderator, coders
):
    from apps.atlas.entries import services as entry_services

    from .conftest import evidence_data, example_data

    for index in range(10):
        entry_services.example_create(
            author=user, data=example_data(title=f"System {index}"),
            evidence=[evidence_data()], confirm_distinct=True,
        )  # fmt: skip
    entry_services.example_create(
        author=user, data=example_data(title="French", country="FR"),
        evidence=[evidence_data()], confirm_distinct=True,
    )  # fmt: skip
    requests = services.coding_request_batch(
        actor=german_moderator, percent=20, rng=random.Random(3)
    )
    assert len(requests) == 2
    assert all(r.example.country == "DE" for r in requests)
    assert all(r.codings.count() == 2 for r in requests)
    response = api(german_moderator).post(
        "/api/coding-requests/batch/", {"percent": 250}, format="json"
    )
    assert response.status_code == 400


def test_a_coder_cannot_read_another_coders_values_before_reconciliation(
    client, requested, coders, draft, user
):
    first, second = coders[:2]
    services.coding_save_mine(actor=first, example=draft, values=VALUES_A, submit=True)
    theirs = Coding.objects.get(coder=first)

    # API: their own coding only; the other's is 404, and so is the list's content.
    assert api(second).get(f"/api/examples/{draft.pk}/codings/mine/").json()["values"] == {}
    assert api(second).get(f"/api/codings/{theirs.pk}/").status_code == 404
    assert api(coders[2]).get(f"/api/examples/{draft.pk}/codings/mine/").status_code == 404
    listed = api(second).get(f"/api/examples/{draft.pk}/coding-requests/").json()["requests"]
    assert [c["values"] for c in listed[0]["codings"]] == [{}]
    # The author does not see them either.
    assert api(user).get(f"/api/codings/{theirs.pk}/").status_code == 404

    # Pages: the coding form shows no one else's values; the reconcile page is 404.
    client.force_login(second)
    page = client.get(f"/coding/examples/{draft.pk}/mine/").content.decode()
    page = page[page.index("<main") :]  # the form, not the header's language switcher
    # Neither coder A's values nor the entry's own (1927, statute) are filled in.
    assert " selected" not in page and " checked" not in page and 'value="1927"' not in page
    assert client.get(f"/coding/examples/{draft.pk}/reconcile/").status_code == 404
    client.force_login(coders[2])
    assert client.get(f"/coding/examples/{draft.pk}/mine/").status_code == 404


def test_a_coding_with_bad_values_is_refused_and_nothing_is_stored(requested, coders, draft):
    for values in ({"operator": "martian"}, {"start_year": "1927"}, {"start_year": 3000},
                   {"consequences": "rewards"}, {"nonsense": 1}):  # fmt: skip
        with pytest.raises(ValidationError):
            services.coding_save_mine(actor=coders[0], example=draft, values=values)
    assert Coding.objects.get(coder=coders[0]).values == {}


def test_reconciliation_creates_one_new_version_and_keeps_every_coding(
    requested, coders, draft, german_moderator, schufa_passage
):
    first, second = coders[:2]
    services.coding_save_mine(
        actor=first, example=draft, values=VALUES_A, submit=True,
        citations=[passage_citation(schufa_passage, note="coder A")],
    )  # fmt: skip
    with pytest.raises(ValidationError):  # the second coding is not in yet
        services.reconcile(actor=german_moderator, example=draft, choices={})
    services.coding_save_mine(actor=second, example=draft, values=VALUES_B, submit=True)
    coding_a = Coding.objects.get(coder=first)

    with pytest.raises(ValidationError) as caught:  # disagreements need a choice
        services.reconcile(actor=german_moderator, example=draft, choices={})
    assert {"legal_basis", "start_year", "contestable"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:  # and a reason
        services.reconcile(
            actor=german_moderator, example=draft,
            choices={"legal_basis": {"coding": coding_a.pk}, "start_year": {"value": 1927,
                     "reason": "r"}, "contestable": {"coding": coding_a.pk, "reason": "r"}},
        )  # fmt: skip
    assert "legal_basis" in caught.value.message_dict

    before = Example.objects.get(pk=draft.pk).version
    history_rows = Example.history.filter(id=draft.pk).count()
    response = api(german_moderator).post(
        f"/api/examples/{draft.pk}/reconcile/",
        {
            "version": before,
            "choices": {
                "legal_basis": {"coding": coding_a.pk, "reason": "The act is cited."},
                "start_year": {"value": 1927, "reason": "Founding year."},
                "contestable": {"coding": coding_a.pk, "reason": "GDPR Art. 22"},
            },
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    example = Example.objects.get(pk=draft.pk)
    assert example.version == before + 1
    assert Example.history.filter(id=draft.pk).count() == history_rows + 1
    assert (example.legal_basis, example.start_year, example.operator) == (
        "statute",
        1927,
        "private",
    )
    assert example.consequences == ["price_differences"]
    request = CodingRequest.objects.get()
    assert request.status == "reconciled" and request.entry_version == example.version
    assert Coding.objects.filter(request=request).count() == 2
    assert request.choices["operator"]["reason"] == ""  # agreed: taken as is
    # The chosen coding's citation became the entry's; the coder's own is kept.
    adopted = ValueCitation.objects.get(coding=None, field="legal_basis", replaced_at=None)
    assert adopted.quote == SCHUFA_QUOTE and adopted.since_version == example.version
    assert ValueCitation.objects.filter(coding=coding_a).exists()
    # After reconciliation every coding is visible, on the API and the history page.
    coding_b = Coding.objects.get(coder=second)
    assert api(first).get(f"/api/codings/{coding_b.pk}/").json()["values"]["legal_basis"] == (
        "regulation"
    )
    # The new entry version records its codebook (on commit, in production).
    services.record_entry_codebook(example_id=example.pk)
    assert EntryCodebookVersion.objects.filter(
        example=example, entry_version=example.version
    ).exists()


def test_the_history_page_shows_every_coding_once_reconciled(
    client, requested, coders, draft, german_moderator
):
    services.coding_save_mine(actor=coders[0], example=draft, values=VALUES_A, submit=True)
    services.coding_save_mine(actor=coders[1], example=draft, values=VALUES_B, submit=True)
    page = client.get(f"/coding/examples/{draft.pk}/history/")
    assert page.status_code == 404  # a draft: not public
    client.force_login(german_moderator)
    services.reconcile(
        actor=german_moderator, example=draft,
        choices={f: {"value": v, "reason": "mine"} for f, v in VALUES_A.items()},
    )  # fmt: skip
    page = client.get(f"/coding/examples/{draft.pk}/history/").content.decode()
    assert coders[0].public_name in page and coders[1].public_name in page
    assert "regulation" in page and "mine" in page


def test_the_reconcile_page_highlights_agreement(
    client, requested, coders, draft, german_moderator
):
    services.coding_save_mine(actor=coders[0], example=draft, values=VALUES_A, submit=True)
    services.coding_save_mine(actor=coders[1], example=draft, values=VALUES_B, submit=True)
    client.force_login(german_moderator)
    page = client.get(f"/coding/examples/{draft.pk}/reconcile/").content.decode()
    assert 'class="agreed" data-field="operator"' in page
    assert 'class="disagreed" data-field="legal_basis"' in page


def test_a_coder_sees_their_agreement_privately(requested, coders, draft, german_moderator):
    services.coding_save_mine(actor=coders[0], example=draft, values=VALUES_A, submit=True)
    services.coding_save_mine(actor=coders[1], example=draft, values=VALUES_B, submit=True)
    services.reconcile(
        actor=german_moderator, example=draft,
        choices={f: {"value": v, "reason": "A"} for f, v in VALUES_A.items()},
    )  # fmt: skip
    mine = api(coders[1]).get("/api/codings/agreement/mine/")
    assert mine.status_code == 200 and "private" in mine["Cache-Control"]
    fields = mine.json()["fields"]
    assert fields["operator"]["agreed"] == 1 and fields["legal_basis"]["agreed"] == 0
    assert api().get("/api/codings/agreement/mine/").status_code in (401, 403)


def test_a_new_coder_named_by_a_moderator_need_not_volunteer(draft, german_moderator):
    from tests.factories import UserFactory

    named = [UserFactory(), UserFactory()]
    response = api(german_moderator).post(
        f"/api/examples/{draft.pk}/coding-requests/",
        {"coders": [u.username for u in named]},
        format="json",
    )
    assert response.status_code == 201
    assert {c["coder"] for c in response.json()["codings"]} == {u.public_name for u in named}
    bad = api(german_moderator).post(
        f"/api/examples/{draft.pk}/coding-requests/", {"coders": ["nobody\x01"]}, format="json"
    )
    assert bad.status_code == 400
    assert make_coder  # the helper is shared with the agreement tests


def test_the_request_list_and_coding_reads_cost_constant_queries(
    user, coders, german_moderator, schufa_passage, django_assert_max_num_queries
):
    from apps.atlas.entries import services as entry_services

    from .conftest import evidence_data, example_data

    counts = []
    for size in (2, 3):
        example = entry_services.example_create(
            author=user, data=example_data(title=f"Coded by {size}"),
            evidence=[evidence_data()], confirm_distinct=True,
        )  # fmt: skip
        services.coding_request_create(
            actor=german_moderator, example=example, coders=coders[:size]
        )
        for coder in coders[:size]:
            services.coding_save_mine(
                actor=coder, example=example, values={"operator": "state"}, submit=True,
                citations=[passage_citation(schufa_passage)],
            )  # fmt: skip
        with django_assert_max_num_queries(12) as captured:
            response = api(german_moderator).get(f"/api/examples/{example.pk}/coding-requests/")
        assert response.status_code == 200
        assert len(response.json()["requests"][0]["codings"]) == size
        counts.append(len(captured.captured_queries))
        with django_assert_max_num_queries(10):
            assert api(user).get(f"/api/examples/{example.pk}/citations/").status_code == 200
    assert counts[0] == counts[1]


def test_the_entry_fragment_links_moderators_and_coders_to_their_part(
    client, requested, coders, draft, german_moderator, user
):
    from apps.atlas.entries import transitions

    client.force_login(german_moderator)
    fragment = client.get(f"/atlas/examples/personal/{draft.pk}/").content.decode()
    assert f"/coding/examples/{draft.pk}/reconcile/" in fragment
    # Once the entry is public, its coder's fragment links to their blind coding.
    transitions.example_transition(actor=user, example=draft, to="submitted")
    transitions.example_transition(actor=german_moderator, example=draft, to="published")
    client.force_login(coders[0])
    fragment = client.get(f"/atlas/examples/personal/{draft.pk}/").content.decode()
    assert f"/coding/examples/{draft.pk}/mine/" in fragment
    assert "reconcile" not in fragment


def test_past_the_deadline_two_handed_in_codings_are_enough_to_reconcile(
    draft, german_moderator, coders
):
    """Issue 16: reconcile "when all assigned codings are in (or a deadline passes)".
    Before the deadline a missing third coding blocks reconciliation; once it has passed,
    the two handed in are reconciled; one alone never is."""
    import datetime

    from django.utils import timezone

    request = services.coding_request_create(
        actor=german_moderator, example=draft, coders=coders,
        deadline=timezone.now() + datetime.timedelta(days=7),
    )  # fmt: skip
    before = Example.objects.get(pk=draft.pk).version
    services.coding_save_mine(actor=coders[0], example=draft, values=VALUES_A, submit=True)
    agreed = {field: {"value": value, "reason": "r"} for field, value in VALUES_A.items()}
    CodingRequest.objects.filter(pk=request.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as caught:  # past it, but only one is in
        services.reconcile(actor=german_moderator, example=draft, choices=agreed)
    assert "1 of 3 codings are in" in str(caught.value)
    CodingRequest.objects.filter(pk=request.pk).update(
        deadline=timezone.now() + datetime.timedelta(days=7)
    )
    services.coding_save_mine(actor=coders[1], example=draft, values=VALUES_A, submit=True)
    with pytest.raises(ValidationError) as caught:  # before it: wait for the third
        services.reconcile(actor=german_moderator, example=draft, choices=agreed)
    assert "2 of 3 codings are in" in str(caught.value)
    assert Example.objects.get(pk=draft.pk).version == before

    CodingRequest.objects.filter(pk=request.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    services.reconcile(actor=german_moderator, example=draft, choices=agreed)
    request.refresh_from_db()
    assert request.status == "reconciled"
    assert Example.objects.get(pk=draft.pk).version == before + 1
    assert request.codings.filter(submitted_at=None).count() == 1  # kept, not handed in
