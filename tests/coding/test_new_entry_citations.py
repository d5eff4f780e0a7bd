"""Contributing a new entry when the codebook requires cited values (issue 16): the form
says which values must be cited and where; a trusted contributor's "publish at once"
becomes a draft sent to the edit form's Cite buttons instead of a refusal they could not
fix on that form (nothing lost, nothing published uncited); the API stays strict."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from apps.atlas.models import Example, Status
from apps.moderation.models import ReviewItem
from tests.atlas.test_views import form_post
from tests.factories import UserFactory
from tests.moderation.conftest import make_trusted

pytestmark = pytest.mark.django_db
NEW = "/atlas/examples/new/"


@pytest.mark.citations_required
def test_the_form_names_the_values_to_cite(client):
    client.force_login(UserFactory())
    page = client.get(NEW).content.decode()
    note = page.split('id="citation-note"')[1].split("</p>")[0]
    for label in ("Legal basis", "Consequences", "Right to contest"):
        assert label in note


def test_no_note_when_the_rule_is_off(client):
    client.force_login(UserFactory())
    assert 'id="citation-note"' not in client.get(NEW).content.decode()


@pytest.mark.citations_required
def test_a_trusted_contributors_entry_is_kept_as_a_draft_and_they_go_to_cite(client):
    author = make_trusted()
    client.force_login(author)
    response = client.post(NEW, form_post())
    entry = Example.objects.get(title="Tenant screening scores")
    assert entry.status == Status.DRAFT and entry.published_at is None
    assert entry.evidence.count() == 1  # everything typed is kept
    assert response.status_code == 302
    assert response["Location"] == f"/atlas/examples/{entry.pk}/{entry.slug}/edit/"
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "Saved as a draft, not yet published" in message and "Legal basis" in message
    # The edit form it lands on offers the Cite buttons.
    assert "data-cite" in client.get(response["Location"]).content.decode()


@pytest.mark.citations_required
def test_an_untrusted_contributors_entry_still_goes_to_review(client, run_on_commit):
    client.force_login(UserFactory())
    with run_on_commit():
        client.post(NEW, form_post())
    entry = Example.objects.get(title="Tenant screening scores")
    assert entry.status == Status.SUBMITTED
    assert ReviewItem.objects.filter(object_id=entry.pk).exists()


@pytest.mark.citations_required
def test_the_api_refuses_publishing_uncited_values_with_nothing_stored():
    api = APIClient()
    api.force_authenticate(make_trusted())
    body = {
        "title": "Tenant screening scores", "summary": "Landlords buy risk scores.",
        "country": "US", "category": "tenant-screening", "submit": True,
        "evidence": [{"title": "Screened out", "url": "https://example.org/screened",
                      "published": "2020-05-01"}],
    }  # fmt: skip
    answer = api.post("/api/examples/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert "legal_basis" in answer.json()["errors"]
    assert not Example.objects.filter(title="Tenant screening scores").exists()
