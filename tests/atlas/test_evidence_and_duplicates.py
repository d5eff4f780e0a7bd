"""Two rules that lived in the wrong place or nowhere (issue 12): evidence needs a date
(published or accessed), and the similar-entry check lives in the services, so the form
and the API obey it alike (409 with the similar entries unless ``confirm_distinct``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.atlas.entries import services as entry_services
from apps.atlas.models import Evidence, Example
from apps.atlas.starter import load_starter_data

from .conftest import api, evidence_data, example_data
from .test_api import payload
from .test_edit import edit_post, edit_url
from .test_views import form_post

pytestmark = pytest.mark.django_db

DATE_MESSAGE = "Evidence 1: give a date: when the source was published, or when you accessed it."
SIMILAR_MESSAGE = "Similar entries exist in this country."


# --- Evidence needs a date ---------------------------------------------------------------------


def test_undated_evidence_is_refused_by_the_service(user):
    with pytest.raises(ValidationError) as caught:
        entry_services.example_create(
            author=user,
            data=example_data(),
            evidence=[evidence_data(published=None, accessed=None)],
        )
    assert caught.value.message_dict == {"evidence.1": [DATE_MESSAGE]}
    assert Example.objects.count() == 0 and Evidence.objects.count() == 0


@pytest.mark.parametrize(
    "dates", [{"published": None}, {"accessed": None}], ids=["accessed only", "published only"]
)
def test_one_date_is_enough(user, dates):
    example = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data(**dates)]
    )
    assert example.evidence.count() == 1


def test_undated_evidence_is_refused_by_an_edit(user, moderator, make_published):
    entry = make_published(user)
    with pytest.raises(ValidationError, match="give a date"):
        entry_services.example_update(
            actor=moderator,
            example=entry,
            evidence=[evidence_data(title="Undated", published=None, accessed=None)],
        )
    assert list(entry.evidence.values_list("title", flat=True)) == [evidence_data().title]


def test_undated_evidence_is_a_400_in_the_api(user):
    body = payload(evidence=[{"title": "Screened out", "url": "https://example.org/screened"}])
    response = api(user).post("/api/examples/", body, format="json")
    assert response.status_code == 400
    assert DATE_MESSAGE in str(response.json())
    assert Example.objects.count() == 0 and Evidence.objects.count() == 0


def test_undated_evidence_is_a_field_error_in_the_form(user_client):
    response = user_client.post("/atlas/examples/new/", form_post(**{"evidence-0-published": ""}))
    assert response.status_code == 400
    assert DATE_MESSAGE in response.content.decode()
    assert Example.objects.count() == 0 and Evidence.objects.count() == 0


def test_the_starter_entries_are_dated(founding_paper):
    list(load_starter_data())
    evidence = Evidence.objects.all()
    assert evidence.exists()
    assert all(row.published or row.accessed for row in evidence)


# --- The similar-entry check lives in the service ------------------------------------------


def test_a_near_duplicate_is_refused_by_the_service(user, other_user, make_published):
    existing = make_published(other_user, title="Schufa geo-scoring of neighbourhoods")
    with pytest.raises(entry_services.SimilarEntries) as caught:
        entry_services.example_create(
            author=user, data=example_data(title="Schufa geo scoring"), evidence=[evidence_data()]
        )
    assert caught.value.similar == [existing]
    assert SIMILAR_MESSAGE in caught.value.message_dict["confirm_distinct"][0]
    assert Example.objects.count() == 1
    confirmed = entry_services.example_create(
        author=user,
        data=example_data(title="Schufa geo scoring"),
        evidence=[evidence_data()],
        confirm_distinct=True,
    )
    assert Example.objects.count() == 2 and confirmed.title == "Schufa geo scoring"


def test_only_entries_the_author_can_see_count(user, other_user):
    entry_services.example_create(  # someone else's draft: not visible to ``user``
        author=other_user, data=example_data(), evidence=[evidence_data()]
    )
    entry_services.example_create(author=user, data=example_data(), evidence=[evidence_data()])
    assert Example.objects.count() == 2


def test_another_country_is_not_a_duplicate(user, make_published):
    make_published(user)
    entry_services.example_create(
        author=user, data=example_data(country="AT"), evidence=[evidence_data()]
    )
    assert Example.objects.count() == 2


def test_api_create_of_a_near_duplicate_is_a_409_listing_the_similar(user, make_published):
    existing = make_published(user, title="Tenant screening scores in the US", country="US")
    response = api(user).post("/api/examples/", payload(), format="json")
    assert response.status_code == 409
    body = response.json()
    assert SIMILAR_MESSAGE in body["detail"]
    [similar] = body["similar"]
    assert (similar["id"], similar["title"], similar["country"]) == (
        existing.pk, "Tenant screening scores in the US", "US",
    )  # fmt: skip
    assert similar["url"].endswith(f"/api/examples/{existing.pk}/")
    assert similar["page"].endswith(existing.get_absolute_url())
    assert Example.objects.count() == 1 and Evidence.objects.count() == 1

    response = api(user).post("/api/examples/", payload(confirm_distinct=True), format="json")
    assert response.status_code == 201
    assert Example.objects.count() == 2


@pytest.fixture
def trusted_author(user):
    """Their edits to published entries go live (no suggested edit in between)."""
    from tests.moderation.conftest import make_trusted_user

    return make_trusted_user(user)


def test_api_edit_that_moves_close_to_another_entry_is_a_409(trusted_author, user, make_published):
    make_published(user, title="Tenant screening scores in the US", country="US")
    entry = make_published(user, title="Credit bureau files", country="US")
    url = f"/api/examples/{entry.pk}/"
    response = api(user).patch(url, {"title": "Tenant screening scores"}, format="json")
    assert response.status_code == 409
    assert [s["title"] for s in response.json()["similar"]] == ["Tenant screening scores in the US"]
    entry.refresh_from_db()
    assert entry.title == "Credit bureau files"
    response = api(user).patch(
        url, {"title": "Tenant screening scores", "confirm_distinct": True}, format="json"
    )
    assert response.status_code == 200
    # An edit that keeps the title and place is never checked.
    response = api(user).patch(url, {"region": "Ohio"}, format="json")
    assert response.status_code == 200


def test_the_edit_form_shows_the_similar_entries_and_the_box(
    trusted_author, user, user_client, make_published
):
    make_published(user, title="Tenant screening scores in the US", country="US")
    entry = make_published(user, title="Credit bureau files", country="US")
    response = user_client.post(edit_url(entry), edit_post(entry, title="Tenant screening scores"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Possible duplicates in this country" in html
    assert 'name="confirm_distinct"' in html
    entry.refresh_from_db()
    assert entry.title == "Credit bureau files"
    data = edit_post(entry, title="Tenant screening scores", confirm_distinct="on")
    assert user_client.post(edit_url(entry), data).status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Tenant screening scores"
