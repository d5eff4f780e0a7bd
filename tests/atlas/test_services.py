from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.atlas import permissions as atlas_permissions
from apps.atlas.aggregates import selectors as aggregate_selectors
from apps.atlas.entries import selectors as entry_selectors
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.entries.data import PassageLinkData
from apps.atlas.models import Category, CountryResearchStatus, Evidence, Example, PassageLink
from apps.atlas.research_status import services as research_status
from apps.sources.models import Document, DocumentStatus, Passage

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db


def assert_nothing_stored():
    assert Example.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert PassageLink.objects.count() == 0
    assert Example.history.count() == 0


def messages_of(exc: ValidationError) -> str:
    return " ".join(m for messages in exc.message_dict.values() for m in messages)


def test_categories_are_seeded_with_the_issue_taxonomy():
    slugs = set(Category.objects.values_list("slug", flat=True))
    assert {"tenant-screening", "geo-scoring", "government-blacklists", "other"} <= slugs
    assert len(slugs) >= 14


def test_create_stores_entry_evidence_links_and_history(user, schufa_passage):
    example = entry_services.example_create(
        author=user,
        data=example_data(summary="See <script>x</script> and [a link](https://example.org)."),
        evidence=[
            evidence_data(),
            evidence_data(title="Second", url="", doi="doi:10.1234/ABC.def"),
        ],
        passages=[PassageLinkData(passage_id=schufa_passage.pk, relation="illustrates", note="n")],
    )
    example.refresh_from_db()
    assert example.status == "draft"
    assert example.version == 1
    assert example.country.code == "DE" and example.scope == ""
    assert example.slug == "schufa-geo-scoring"
    assert "<script>" not in example.summary_html
    assert 'rel="nofollow ugc noopener"' in example.summary_html
    assert example.data_sources == ["financial", "location"]
    assert [e.title for e in example.evidence.all()] == [
        "Schufa and the scoring of neighbourhoods",
        "Second",
    ]
    assert example.evidence.get(title="Second").doi == "10.1234/ABC.def"
    link = example.passage_links.get()
    assert (link.passage_id, link.relation, link.note) == (schufa_passage.pk, "illustrates", "n")
    assert example.history.count() == 1
    assert Evidence.history.count() == 2
    assert PassageLink.history.count() == 1


def test_create_supranational_scope(user):
    example = entry_services.example_create(
        author=user, data=example_data(country="eu"), evidence=[evidence_data()]
    )
    assert (example.country, example.scope) == ("", "EU")
    assert example.place_name == "European Union"


def test_create_empty_multi_values_mean_unknown(user):
    example = entry_services.example_create(
        author=user, data=example_data(data_sources=[], consequences=[]), evidence=[evidence_data()]
    )
    assert example.data_sources == ["unknown"] and example.consequences == ["unknown"]


def _future():
    return timezone.now().year + 3


@pytest.mark.parametrize(
    ("overrides", "evidence", "field", "message"),
    [
        ({"country": "XX"}, None, "country", "Unknown country “XX”"),
        ({"country": ""}, None, "country", "Choose a country"),
        ({"category": "astrology"}, None, "category", "Unknown category “astrology”"),
        ({"start_year": 2015, "end_year": 2010}, None, "end_year",
         "The end year (2010) is before the start year (2015)."),
        ({"start_year": "future"}, None, "start_year", "cannot be in the future"),
        ({"summary": "x" * 5001}, None, "summary",
         "The summary is 5,001 characters long; the limit is 5,000."),
        ({"title": " "}, None, "title", "Give the example a title."),
        ({"operator": "aliens"}, None, "operator", "Unknown value “aliens”"),
        ({"consequences": ["unknown", "sanctions"]}, None, "consequences",
         "cannot be combined with other values"),
        ({"data_sources": ["telepathy"]}, None, "data_sources", "Unknown value “telepathy”"),
        ({}, [], "evidence", "Add at least one piece of evidence"),
        ({}, [evidence_data(url="htp:/broken")], "evidence.1",
         "“htp:/broken” is not a valid web address"),
        ({}, [evidence_data(url="javascript:alert(1)")], "evidence.1", "is not a valid web address"),
        ({}, [evidence_data(url="", doi="11.1/abc")], "evidence.1", "“11.1/abc” is not a DOI"),
        ({}, [evidence_data(url="", doi="")], "evidence.1", "give a URL or a DOI"),
        ({}, [evidence_data(title="")], "evidence.1", "give the title of the source"),
    ],
)  # fmt: skip
def test_create_refuses_bad_input_and_stores_nothing(user, overrides, evidence, field, message):
    if overrides.get("start_year") == "future":
        overrides = {"start_year": _future()}
    with pytest.raises(ValidationError) as info:
        entry_services.example_create(
            author=user,
            data=example_data(**overrides),
            evidence=[evidence_data()] if evidence is None else evidence,
        )
    assert field in info.value.message_dict
    assert message in messages_of(info.value)
    assert_nothing_stored()


def test_create_refuses_unknown_passage(user):
    with pytest.raises(ValidationError) as info:
        entry_services.example_create(
            author=user,
            data=example_data(),
            evidence=[evidence_data()],
            passages=[PassageLinkData(passage_id=999_999)],
        )
    assert "Passage 999999 does not exist or you cannot see it." in messages_of(info.value)
    assert_nothing_stored()


def test_create_refuses_passage_of_unreadable_version(user, founding_paper):
    pending = Document.objects.create(
        source=founding_paper, import_format="text", status=DocumentStatus.FAILED
    )
    hidden = Passage.objects.create(
        document=pending, order=1, kind="paragraph", text="hidden", start=0, end=6, anchor="x"
    )
    with pytest.raises(ValidationError) as info:
        entry_services.example_create(
            author=user,
            data=example_data(),
            evidence=[evidence_data()],
            passages=[PassageLinkData(passage_id=hidden.pk)],
        )
    assert f"Passage {hidden.pk} does not exist or you cannot see it." in messages_of(info.value)
    assert_nothing_stored()


def test_create_refuses_unknown_relation(user, schufa_passage):
    with pytest.raises(ValidationError) as info:
        entry_services.example_create(
            author=user,
            data=example_data(),
            evidence=[evidence_data()],
            passages=[PassageLinkData(passage_id=schufa_passage.pk, relation="loves")],
        )
    assert "Unknown relation “loves”" in messages_of(info.value)
    assert_nothing_stored()


def test_create_lists_every_problem_at_once(user):
    with pytest.raises(ValidationError) as info:
        entry_services.example_create(
            author=user, data=example_data(country="XX", category="nope"), evidence=[]
        )
    assert {"country", "category", "evidence"} <= set(info.value.message_dict)


def test_anonymous_cannot_create():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied, match="Sign in"):
        entry_services.example_create(
            author=AnonymousUser(), data=example_data(), evidence=[evidence_data()]
        )
    assert_nothing_stored()


# --- Transitions ----------------------------------------------------------------------------


def _draft(user, **overrides):
    return entry_services.example_create(
        author=user, data=example_data(**overrides), evidence=[evidence_data()],
        confirm_distinct=True,
    )  # fmt: skip


def test_author_submits_moderator_publishes(user, moderator, run_on_commit):
    example = _draft(user)
    example = transitions.example_transition(actor=user, example=example, to="submitted")
    assert example.status == "submitted" and example.version == 2
    with run_on_commit():
        example = transitions.example_transition(actor=moderator, example=example, to="published")
    assert example.status == "published" and example.published_at is not None
    assert aggregate_selectors.headline() == "1 example in 1 country"
    assert example.history.count() == 3


def test_staff_and_old_permission_holders_are_not_moderators(user):
    """One notion of moderator: the moderation app's roles. Being staff, or holding the
    atlas's old model permission, moderates nothing."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    holder = UserFactory()
    holder.user_permissions.add(Permission.objects.get(codename="moderate_example"))
    example = transitions.example_transition(actor=user, example=_draft(user), to="submitted")
    for actor in (staff, holder):
        with pytest.raises(PermissionDenied):
            transitions.example_transition(actor=actor, example=example, to="published")
    example.refresh_from_db()
    assert example.status == "submitted" and example.version == 2


def test_country_moderator_publishes_entries_of_their_country(user, german_moderator):
    example = transitions.example_transition(actor=user, example=_draft(user), to="submitted")
    example = transitions.example_transition(
        actor=german_moderator, example=example, to="published"
    )
    assert example.status == "published"


def test_country_moderator_out_of_scope_is_refused_with_a_clear_message(user, french_moderator):
    example = transitions.example_transition(actor=user, example=_draft(user), to="submitted")
    with pytest.raises(PermissionDenied) as info:
        transitions.example_transition(actor=french_moderator, example=example, to="published")
    assert str(info.value) == (
        "This entry is about Germany, which is outside the countries you moderate."
    )
    example.refresh_from_db()
    assert example.status == "submitted" and example.version == 2
    # Nor may they edit it, see it unpublished, or decide suggestions on it.
    assert not atlas_permissions.can_edit(user=french_moderator, example=example)
    assert (
        not entry_selectors.examples_visible_to(viewer=french_moderator)
        .filter(pk=example.pk)
        .exists()
    )


def test_entries_about_a_scope_belong_to_global_moderators(user, german_moderator, moderator):
    example = transitions.example_transition(
        actor=user, example=_draft(user, country="EU"), to="submitted"
    )
    with pytest.raises(PermissionDenied) as info:
        transitions.example_transition(actor=german_moderator, example=example, to="published")
    assert "Only global moderators can act on entries about European Union." in str(info.value)
    example = transitions.example_transition(actor=moderator, example=example, to="published")
    assert example.status == "published"


def test_author_cannot_publish_own_entry(user):
    example = transitions.example_transition(actor=user, example=_draft(user), to="submitted")
    with pytest.raises(PermissionDenied) as info:
        transitions.example_transition(actor=user, example=example, to="published")
    assert "You may not change this entry from “Submitted for review” to “Published”." in str(
        info.value
    )
    example.refresh_from_db()
    assert (example.status, example.version) == ("submitted", 2)
    assert example.history.count() == 2


def test_stranger_cannot_submit_someone_elses_draft(user, other_user):
    example = _draft(user)
    with pytest.raises(PermissionDenied):
        transitions.example_transition(actor=other_user, example=example, to="submitted")
    example.refresh_from_db()
    assert example.status == "draft"


def test_transition_that_does_not_exist_is_refused(user, moderator):
    example = _draft(user)
    with pytest.raises(ValidationError) as info:
        transitions.example_transition(actor=moderator, example=example, to="archived")
    assert "An entry cannot go from “Draft” to “Archived”." in messages_of(info.value)
    with pytest.raises(ValidationError) as info:
        transitions.example_transition(actor=moderator, example=example, to="vanished")
    assert "Unknown status “vanished”" in messages_of(info.value)
    example.refresh_from_db()
    assert (example.status, example.version) == ("draft", 1)


def test_rejecting_needs_a_reason(user, moderator):
    example = transitions.example_transition(actor=user, example=_draft(user), to="submitted")
    with pytest.raises(ValidationError) as info:
        transitions.example_transition(actor=moderator, example=example, to="rejected")
    assert "Give a reason" in messages_of(info.value)
    example.refresh_from_db()
    assert example.status == "submitted"
    example = transitions.example_transition(
        actor=moderator, example=example, to="changes_requested", reason="Add a second source."
    )
    assert example.status_reason == "Add a second source."
    example = transitions.example_transition(actor=user, example=example, to="submitted")
    assert example.status == "submitted"


def test_archiving_withdraws_from_counts(user, moderator, make_published, run_on_commit):
    with run_on_commit():
        example = make_published(user)
    assert aggregate_selectors.headline() == "1 example in 1 country"
    with run_on_commit():
        transitions.example_transition(
            actor=moderator, example=example, to="archived", reason="Dup"
        )
    assert aggregate_selectors.headline() == "0 examples in 0 countries"


def test_allowed_transitions(user, other_user, moderator):
    example = _draft(user)
    assert atlas_permissions.allowed_transitions(user=user, example=example) == ["submitted"]
    assert atlas_permissions.allowed_transitions(user=other_user, example=example) == []
    example = transitions.example_transition(actor=user, example=example, to="submitted")
    assert set(atlas_permissions.allowed_transitions(user=moderator, example=example)) == {
        "draft", "published", "changes_requested", "rejected",
    }  # fmt: skip


# --- Update ---------------------------------------------------------------------------------


def test_author_updates_draft_and_version_increments(user, schufa_passage):
    example = _draft(user)
    example = entry_services.example_update(
        actor=user,
        example=example,
        changes={"title": "Schufa neighbourhood scoring", "summary": "*New*"},
        passages=[PassageLinkData(passage_id=schufa_passage.pk)],
        expected_version=1,
    )
    assert example.version == 2
    assert example.slug == "schufa-neighbourhood-scoring"
    assert example.summary_html == "<p><em>New</em></p>\n"
    assert example.passage_links.count() == 1
    assert example.evidence.count() == 1


def test_stale_update_is_refused(user):
    example = _draft(user)
    entry_services.example_update(actor=user, example=example, changes={"region": "Bavaria"})
    with pytest.raises(ValidationError) as info:
        entry_services.example_update(
            actor=user, example=example, changes={"region": "Hesse"}, expected_version=1
        )
    assert "Someone else changed this entry" in messages_of(info.value)
    assert isinstance(info.value, entry_services.StaleVersion)
    assert (info.value.expected_version, info.value.current_version) == (1, 2)
    example.refresh_from_db()
    assert (example.region, example.version) == ("Bavaria", 2)


def test_update_refuses_bad_input_and_keeps_old_values(user):
    example = _draft(user)
    with pytest.raises(ValidationError) as info:
        entry_services.example_update(
            actor=user, example=example, changes={"end_year": 1900}, evidence=[]
        )
    assert "before the start year" in messages_of(info.value)
    assert "Add at least one piece of evidence" in messages_of(info.value)
    example.refresh_from_db()
    assert (example.end_year, example.version, example.evidence.count()) == (None, 1, 1)


def test_update_refuses_unknown_field(user):
    example = _draft(user)
    with pytest.raises(ValidationError) as info:
        entry_services.example_update(actor=user, example=example, changes={"status": "published"})
    assert "“status” is not a field you can change." in messages_of(info.value)
    example.refresh_from_db()
    assert example.status == "draft"


def test_only_author_or_moderator_edits(user, other_user, moderator, make_published):
    example = _draft(user)
    with pytest.raises(PermissionDenied):
        entry_services.example_update(actor=other_user, example=example, changes={"region": "X"})
    published = make_published(user)
    with pytest.raises(PermissionDenied):
        entry_services.example_update(actor=other_user, example=published, changes={"region": "X"})
    updated = entry_services.example_update(
        actor=moderator, example=published, changes={"region": "X"}
    )
    assert updated.region == "X"
    # An author who is not yet trusted does not change a published entry directly...
    with pytest.raises(PermissionDenied):
        entry_services.example_update(actor=user, example=published, changes={"region": "Y"})
    # ... a trusted one keeps it up to date (the history records it; post-reviewed).
    from tests.moderation.conftest import make_trusted_user

    make_trusted_user(user)
    updated = entry_services.example_update(actor=user, example=published, changes={"region": "Y"})
    assert (updated.region, updated.status) == ("Y", "published")


def test_rejected_and_archived_entries_are_closed_to_their_author(user, moderator, make_published):
    archived = transitions.example_transition(
        actor=moderator, example=make_published(user), to="archived", reason="Gone."
    )
    submitted = transitions.example_transition(actor=user, example=_draft(user), to="submitted")
    rejected = transitions.example_transition(
        actor=moderator, example=submitted, to="rejected", reason="Out of scope."
    )
    for example in (archived, rejected):
        with pytest.raises(PermissionDenied):
            entry_services.example_update(actor=user, example=example, changes={"region": "X"})
        example.refresh_from_db()
        assert example.region == ""


# --- Research status ------------------------------------------------------------------------


def test_moderator_marks_research_status(moderator):
    status = research_status.research_status_mark(
        actor=moderator, country="fr", category="tenant-screening", note="Checked 2024"
    )
    assert status.country.code == "FR" and status.set_by == moderator
    again = research_status.research_status_mark(
        actor=moderator, country="FR", category="tenant-screening"
    )
    assert again.pk == status.pk
    assert (
        research_status.research_status_mark(
            actor=moderator, country="FR", category="tenant-screening", none_found=False
        )
        is None
    )
    assert CountryResearchStatus.objects.count() == 0


def test_non_moderator_cannot_mark_research_status(user):
    with pytest.raises(PermissionDenied, match="Only moderators"):
        research_status.research_status_mark(actor=user, country="FR", category="tenant-screening")
    assert CountryResearchStatus.objects.count() == 0


@pytest.mark.parametrize(
    ("country", "category", "message"),
    [
        ("XX", "tenant-screening", "Unknown country “XX”"),
        ("EU", "tenant-screening", "kept for countries"),
        ("FR", "nope", "Unknown category “nope”"),
    ],
)
def test_research_status_bad_input(moderator, country, category, message):
    with pytest.raises(ValidationError) as info:
        research_status.research_status_mark(actor=moderator, country=country, category=category)
    assert message in messages_of(info.value)
    assert CountryResearchStatus.objects.count() == 0
