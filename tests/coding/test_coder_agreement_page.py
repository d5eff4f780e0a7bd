"""A coder's agreement with the reconciled values on their user page (issue 16): the
public page is the same for everyone and holds only an empty slot; the private fragment
shows the agreement to the coder and to moderators, and nothing to anyone else."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from apps.coding import services
from tests.personal import page_with_personal_layer

from .conftest import api
from .test_double_coding import VALUES_A, VALUES_B

pytestmark = pytest.mark.django_db

TITLE = "agreement with the reconciled values"


@pytest.fixture
def reconciled(draft, german_moderator, coders):
    services.coding_request_create(actor=german_moderator, example=draft, coders=coders[:2])
    services.coding_save_mine(actor=coders[0], example=draft, values=VALUES_A, submit=True)
    services.coding_save_mine(actor=coders[1], example=draft, values=VALUES_B, submit=True)
    services.reconcile(
        actor=german_moderator, example=draft,
        choices={f: {"value": v, "reason": "A"} for f, v in VALUES_A.items()},
    )  # fmt: skip
    return coders[1]  # disagreed with the reconciled legal basis and start year


def fragment_url(user) -> str:
    return f"/coding/users/{user.username}/agreement/"


def test_the_public_user_page_holds_only_the_slot(client, reconciled, german_moderator):
    anonymous = client.get(f"/users/{reconciled.username}/")
    client.force_login(reconciled)
    own = client.get(f"/users/{reconciled.username}/")
    assert anonymous.content == own.content
    html = anonymous.content.decode()
    assert f'<div data-personal="{fragment_url(reconciled)}"></div>' in html
    assert TITLE not in html.lower()


def test_the_coder_reads_their_agreement_per_field_with_alpha(
    client, reconciled, django_assert_max_num_queries
):
    client.force_login(reconciled)
    with django_assert_max_num_queries(6):
        fragment = client.get(fragment_url(reconciled))
    assert "private" in fragment["Cache-Control"]
    page = page_with_personal_layer(client, f"/users/{reconciled.username}/")
    assert "Your agreement with the reconciled values" in page
    assert 'data-field="legal_basis"' in page and "Only you and the moderators" in page
    # Alpha between the coder and the reconciliation, as the package computes it.
    fields = api(reconciled).get("/api/codings/agreement/mine/").json()["fields"]
    years = np.array([[VALUES_B["start_year"]], [VALUES_A["start_year"]]], dtype=float)
    nominal = np.array([[0.0], [1.0]])  # regulation against statute
    assert fields["legal_basis"]["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=nominal, level_of_measurement="nominal"), abs=1e-4
    )
    assert fields["start_year"]["level"] == "interval"
    assert fields["start_year"]["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=years, level_of_measurement="interval"), abs=1e-4
    )
    assert fields["operator"]["alpha"] is None  # one value only: undefined
    assert fields["operator"]["agreed"] == 1


def test_moderators_see_it_and_nobody_else(client, reconciled, german_moderator, coders, user):
    client.force_login(german_moderator)
    html = client.get(fragment_url(reconciled)).content.decode()
    assert f"{reconciled.public_name}'s {TITLE}" in html.replace("&#x27;", "'")
    for viewer in (coders[0], user):
        client.force_login(viewer)
        response = client.get(fragment_url(reconciled))
        assert response.status_code == 200 and response.content == b""
    client.logout()
    assert client.get(fragment_url(reconciled)).content == b""


@pytest.mark.parametrize("username", ["nobody-at-all", "a%00b", "x" * 2048])
def test_an_unknown_or_hostile_name_is_an_empty_fragment(client, moderator, username):
    client.force_login(moderator)
    response = client.get(f"/coding/users/{username}/agreement/")
    assert response.status_code in (200, 400)  # a NUL byte: the middleware's 400
    assert TITLE not in response.content.decode().lower()


def test_the_coder_follows_their_agreement_month_by_month(
    client, reconciled, user, german_moderator, coders
):
    """Issue 16: "their own agreement with reconciled values over time": one row per
    month of reconciliation, on the API and in the private fragment."""
    import datetime

    from django.utils import timezone

    from apps.atlas.entries import services as entry_services
    from apps.coding.models import CodingRequest

    from .conftest import evidence_data, example_data

    later = entry_services.example_create(
        author=user, data=example_data(title="Another scoring system"),
        evidence=[evidence_data()], confirm_distinct=True,
    )  # fmt: skip
    services.coding_request_create(actor=german_moderator, example=later, coders=coders[:2])
    for coder in coders[:2]:
        services.coding_save_mine(actor=coder, example=later, values=VALUES_A, submit=True)
    services.reconcile(actor=german_moderator, example=later, choices={})  # all agree
    first, second = CodingRequest.objects.order_by("pk")
    january = timezone.make_aware(datetime.datetime(2026, 1, 15, 12))
    CodingRequest.objects.filter(pk=first.pk).update(reconciled_at=january)
    CodingRequest.objects.filter(pk=second.pk).update(reconciled_at=january.replace(month=3))

    months = api(reconciled).get("/api/codings/agreement/mine/").json()["months"]
    # January: VALUES_B against VALUES_A (4 fields compared, operator and consequences
    # agreed); March: VALUES_A against itself, all 5 agreed.
    assert months == {
        "2026-01": {"agreed": 2, "compared": 4, "share": 0.5},
        "2026-03": {"agreed": 5, "compared": 5, "share": 1.0},
    }
    client.force_login(reconciled)
    html = client.get(fragment_url(reconciled)).content.decode()
    assert "Over time" in html
    assert html.index("2026-01") < html.index("2026-03")
