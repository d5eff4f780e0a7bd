"""Suggested edits: anyone signed in but the author proposes new values; the author or a
moderator accepts (through example_update, version-checked) or declines with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.models import Example, SuggestedEdit
from apps.atlas.suggestions import selectors as suggestion_selectors
from apps.atlas.suggestions import services as suggestion_services
from tests.factories import UserFactory
from tests.personal import page_with_personal_layer, shown

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


@pytest.fixture
def entry(user, make_published):
    """A published entry by a trusted author (who may accept suggestions to it: for
    authors who are not yet trusted, moderators accept; see test_moderation_wiring)."""
    from tests.moderation.conftest import make_trusted_user

    make_trusted_user(user)
    return make_published(user)  # "Schufa geo-scoring", DE, private operator, active


def suggest(proposer, entry, **changes):
    return suggestion_services.suggestion_create(
        proposer=proposer, example=entry, changes=changes, comment="See the 2023 report."
    )


# --- Services ---------------------------------------------------------------------------


def test_suggestion_keeps_only_changed_fields_in_their_clean_form(other_user, entry):
    suggestion = suggest(
        other_user,
        entry,
        title="  Schufa   geo-scoring ",  # the same title once whitespace is collapsed
        lifecycle="discontinued",
        end_year=2021,
        country="de",  # same place
        consequences=["sanctions"],
    )
    assert suggestion.changes == {
        "consequences": ["sanctions"], "lifecycle": "discontinued", "end_year": 2021,
    }  # fmt: skip
    assert (suggestion.status, suggestion.base_version, suggestion.proposer) == (
        "open", entry.version, other_user,
    )  # fmt: skip
    assert suggestion.comment == "See the 2023 report."


def test_suggestion_needs_a_changed_field(other_user, entry):
    with pytest.raises(ValidationError) as info:
        suggest(other_user, entry, title="Schufa geo-scoring", operator="private")
    assert "Change at least one field" in messages_of(info.value)
    with pytest.raises(ValidationError):
        suggest(other_user, entry)
    assert SuggestedEdit.objects.count() == 0


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"end_year": 1900}, "The end year (1900) is before the start year (1927)."),
        ({"category": "astrology"}, "Unknown category “astrology”."),
        ({"country": "XX"}, "Unknown country “XX”."),
        ({"operator": "aliens"}, "Unknown value “aliens”."),
        ({"status": "published"}, "“status” is not a field you can change."),
        ({"start_year": 3000}, "cannot be in the future"),
    ],
)
def test_invalid_suggestions_are_refused_and_not_stored(other_user, entry, changes, message):
    with pytest.raises(ValidationError) as info:
        suggest(other_user, entry, **changes)
    assert message in messages_of(info.value)
    assert SuggestedEdit.objects.count() == 0


def test_who_may_suggest(user, other_user, moderator, entry):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied, match="You wrote this entry"):
        suggest(user, entry, region="Bavaria")
    with pytest.raises(PermissionDenied, match="Sign in"):
        suggest(AnonymousUser(), entry, region="Bavaria")
    draft = entry_services.example_create(
        author=user, data=example_data(title="A draft"), evidence=[evidence_data()]
    )
    with pytest.raises(Http404):
        suggest(other_user, draft, region="Bavaria")  # a draft does not exist for others
    archived = transitions.example_transition(
        actor=moderator, example=entry, to="archived", reason="Superseded."
    )
    with pytest.raises(Http404):
        suggest(other_user, archived, region="Bavaria")  # withdrawn from public view
    with pytest.raises(PermissionDenied, match="closed"):
        suggest(moderator, archived, region="Bavaria")
    assert SuggestedEdit.objects.count() == 0


def test_author_accepts_and_it_is_applied_and_recorded(user, other_user, entry):
    suggestion = suggest(other_user, entry, lifecycle="discontinued", end_year=2021)
    suggestion = suggestion_services.suggestion_accept(
        actor=user, suggestion=suggestion, expected_version=entry.version
    )
    entry.refresh_from_db()
    assert (entry.lifecycle, entry.end_year, entry.status) == ("discontinued", 2021, "published")
    assert suggestion.status == "accepted" and suggestion.decided_by == user
    assert suggestion.decided_at is not None and suggestion.applied_version == entry.version
    record = entry.history.order_by("-history_date").first()
    assert record.history_change_reason == (
        f"Suggestion {suggestion.pk} by {other_user.public_name} accepted"
    )


def test_moderator_accepts(other_user, moderator, entry):
    suggestion = suggest(other_user, entry, region="Bavaria")
    suggestion_services.suggestion_accept(actor=moderator, suggestion=suggestion)
    assert Example.objects.get(pk=entry.pk).region == "Bavaria"


def test_strangers_cannot_decide(other_user, entry):
    suggestion = suggest(other_user, entry, region="Bavaria")
    third = UserFactory()
    with pytest.raises(PermissionDenied):
        suggestion_services.suggestion_accept(actor=third, suggestion=suggestion)
    with pytest.raises(PermissionDenied):
        suggestion_services.suggestion_reject(actor=third, suggestion=suggestion, reason="No.")
    with pytest.raises(PermissionDenied):  # a proposer does not accept their own suggestion
        suggestion_services.suggestion_accept(actor=other_user, suggestion=suggestion)
    suggestion.refresh_from_db()
    entry.refresh_from_db()
    assert suggestion.status == "open" and entry.region == ""


def test_stale_accept_is_refused_and_the_suggestion_stays_open(user, other_user, moderator, entry):
    suggestion = suggest(other_user, entry, region="Bavaria")
    shown_version = entry.version
    entry_services.example_update(actor=moderator, example=entry, changes={"lifecycle": "pilot"})
    with pytest.raises(entry_services.StaleVersion):
        suggestion_services.suggestion_accept(
            actor=user, suggestion=suggestion, expected_version=shown_version
        )
    suggestion.refresh_from_db()
    entry.refresh_from_db()
    assert suggestion.status == "open" and entry.region == ""


def test_decided_suggestion_cannot_be_decided_again(user, other_user, moderator, entry):
    suggestion = suggest(other_user, entry, region="Bavaria")
    suggestion_services.suggestion_accept(actor=user, suggestion=suggestion)
    with pytest.raises(ValidationError, match="already accepted"):
        suggestion_services.suggestion_reject(
            actor=moderator, suggestion=suggestion, reason="Late."
        )
    with pytest.raises(ValidationError, match="already accepted"):
        suggestion_services.suggestion_accept(actor=moderator, suggestion=suggestion)
    assert Example.objects.get(pk=entry.pk).version == entry.version + 1


def test_reject_needs_a_reason_and_leaves_the_entry(user, other_user, entry):
    suggestion = suggest(other_user, entry, region="Bavaria")
    with pytest.raises(ValidationError, match="Give a reason"):
        suggestion_services.suggestion_reject(actor=user, suggestion=suggestion, reason="  ")
    suggestion.refresh_from_db()
    assert suggestion.status == "open"
    suggestion = suggestion_services.suggestion_reject(
        actor=user, suggestion=suggestion, reason="Schufa is national."
    )
    assert (suggestion.status, suggestion.reason, suggestion.decided_by) == (
        "rejected", "Schufa is national.", user,
    )  # fmt: skip
    entry.refresh_from_db()
    assert entry.region == "" and entry.version == suggestion.base_version


def test_suggestions_open_for_the_moderation_queue(
    user, other_user, entry, make_published, django_assert_num_queries
):
    first = suggest(other_user, entry, region="Bavaria")
    second = suggest(other_user, entry, lifecycle="pilot")
    another = make_published(user, title="Tenant scores", country="US", category="tenant-screening")
    third = suggest(UserFactory(), another, region="Ohio")
    suggestion_services.suggestion_reject(actor=user, suggestion=second, reason="No.")
    with django_assert_num_queries(1):
        rows = [(s.pk, s.example.title, s.example.category.slug, s.proposer.username)
                for s in suggestion_selectors.suggestions_open()]  # fmt: skip
    assert [r[0] for r in rows] == [first.pk, third.pk]
    assert rows[1][1:3] == ("Tenant scores", "tenant-screening")


# --- Pages ------------------------------------------------------------------------------


def suggest_post(entry, **overrides) -> dict:
    data = {
        "title": entry.title, "summary": entry.summary, "country": entry.place_code,
        "region": entry.region, "category": entry.category.slug, "operator": entry.operator,
        "scored": entry.scored, "data_sources": entry.data_sources,
        "consequences": entry.consequences, "transparency": entry.transparency,
        "contestable": entry.contestable, "legal_basis": entry.legal_basis,
        "legal_note": entry.legal_note, "lifecycle": entry.lifecycle,
        "start_year": entry.start_year or "", "end_year": entry.end_year or "",
        "confidence": entry.confidence, "comment": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_entry_page_offers_suggest_to_others_only(client, user, other_user, entry):
    url = entry.get_absolute_url()
    suggest_url = f"/atlas/examples/{entry.pk}/{entry.slug}/suggest/"
    assert "Sign in to suggest an edit" in client.get(url).content.decode()
    client.force_login(other_user)
    assert suggest_url in page_with_personal_layer(client, url)
    client.force_login(user)
    html = page_with_personal_layer(client, url)
    assert suggest_url not in html and "Edit this entry" in html
    assert client.get(suggest_url).status_code == 403


def test_suggest_form_round_trip(client, user, other_user, moderator, entry):
    suggest_url = f"/atlas/examples/{entry.pk}/{entry.slug}/suggest/"
    client.force_login(other_user)
    form = client.get(suggest_url)
    assert form.status_code == 200 and 'value="Schufa geo-scoring"' in form.content.decode()
    unchanged = client.post(suggest_url, suggest_post(entry))
    assert unchanged.status_code == 400
    assert "Change at least one field" in unchanged.content.decode()
    assert SuggestedEdit.objects.count() == 0
    response = client.post(
        suggest_url, suggest_post(entry, lifecycle="discontinued", comment="Ended in 2021.")
    )
    assert response.status_code == 302
    suggestion = SuggestedEdit.objects.get()
    assert suggestion.changes == {"lifecycle": "discontinued"}
    # The proposer sees their own open suggestion; a third person does not.
    assert "Your suggestions awaiting a decision" in page_with_personal_layer(
        client, entry.get_absolute_url()
    )
    assert "suggestion-" not in Client().get(entry.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    assert "suggestion-" not in page_with_personal_layer(client, entry.get_absolute_url())
    # The author sees the diff and can decide.
    client.force_login(user)
    html = page_with_personal_layer(client, entry.get_absolute_url())
    assert "Suggested edits awaiting a decision" in html and "Ended in 2021." in html
    assert "<del>Active</del>" in html and "<ins>Discontinued</ins>" in html
    assert "Accept and apply" in html


def test_decide_from_the_entry_page(client, user, other_user, entry):
    suggestion = suggest(other_user, entry, region="Bavaria")
    decide = f"/atlas/suggestions/{suggestion.pk}/decide/"
    client.force_login(other_user)
    client.post(decide, {"decision": "accept", "version": entry.version})
    suggestion.refresh_from_db()
    assert suggestion.status == "open"
    client.force_login(user)
    response = client.post(decide, {"decision": "reject", "reason": ""}, follow=True)
    assert "Give a reason" in shown(client, response)
    stale = client.post(decide, {"decision": "accept", "version": entry.version - 1}, follow=True)
    assert "The entry changed while you were looking" in shown(client, stale)
    response = client.post(decide, {"decision": "accept", "version": entry.version}, follow=True)
    assert "Suggestion accepted" in shown(client, response)
    entry.refresh_from_db()
    assert entry.region == "Bavaria"
    assert SuggestedEdit.objects.get().status == "accepted"


def test_entry_page_query_count_does_not_grow_with_suggestions(
    client, user, other_user, entry, django_assert_max_num_queries, session_read
):
    suggest(other_user, entry, region="Bavaria")
    client.force_login(user)
    with django_assert_max_num_queries(
        19 + session_read
    ) as before:  # + citations, coding links (apps/coding), lifecycle events
        page_with_personal_layer(client, entry.get_absolute_url())
    for n in range(4):
        suggest(UserFactory(), entry, region=f"Region {n}", lifecycle="pilot")
    with django_assert_max_num_queries(len(before.captured_queries)):
        html = page_with_personal_layer(client, entry.get_absolute_url())
    assert html.count('class="suggestion"') == 5
