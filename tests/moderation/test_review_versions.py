"""What you review is what you publish (issue 12): a review item records the version and
content it was opened for; the queue (page and API) shows what changed since; a decision
applies only to the version the moderator saw and answers 409 "changed since you opened
it" with the diff otherwise. Entries, suggested edits and any adapter with versions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.atlas.entries import data as entry_data
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.models import Example, SuggestedEdit
from apps.atlas.suggestions import services as suggestion_services
from apps.moderation.actions import review_item_decide, review_items_decide
from apps.moderation.errors import TargetChanged
from apps.moderation.models import AuditLogEntry, ReviewItem
from apps.moderation.registry import get_adapter, register_target, snapshot_diff
from apps.moderation.services import flag_create, review_item_open
from apps.notifications.models import Notification
from apps.sources.models import Passage
from apps.sources.moderation import SourceAdapter
from tests.atlas.conftest import evidence_data, example_data
from tests.factories import SourceFactory, UserFactory

from .conftest import make_moderator, make_trusted
from .test_content_wiring import api_for, item_for, submit_entry

pytestmark = pytest.mark.django_db

QUEUE = "/moderation/"
REASON = "Checked against the sources."

REWRITE = {
    "title": "Benign municipal library card",
    "summary": "Nothing to see here.",
    "operator": "state",
    "consequences": ["rewards"],
}


def decide_api(moderator, item, decision="publish", **extra):
    return api_for(moderator).post(
        f"/api/moderation/items/{item.pk}/decide/",
        {"decision": decision, "reason": REASON, **extra},
        format="json",
    )


def queue_rows(moderator) -> dict[int, dict]:
    response = api_for(moderator).get("/api/moderation/items/")
    assert response.status_code == 200
    return {row["id"]: row for row in response.json()["results"]}


def published(author, moderator, run_on_commit, **overrides) -> Example:
    example = submit_entry(author, run_on_commit, **overrides)
    with run_on_commit():
        return transitions.example_transition(actor=moderator, example=example, to="published")


@pytest.fixture
def schufa_passage(founding_paper) -> Passage:
    return Passage.objects.get(
        document=founding_paper.current_document, text__contains="Schufa uses geo-scoring"
    )


@pytest.fixture
def submitted(user, run_on_commit):
    """An entry a contributor (not trusted) submitted: version 1, in the queue."""
    example = submit_entry(user, run_on_commit)
    return example, item_for(example, "submitted_entry")


# --- What an item records -------------------------------------------------------------------


def test_an_item_records_the_version_and_everything_the_reviewer_must_see(
    user, run_on_commit, schufa_passage
):
    with run_on_commit():
        example = entry_services.example_create(
            author=user,
            data=example_data(),
            evidence=[evidence_data()],
            passages=[entry_data.PassageLinkData(passage_id=schufa_passage.pk)],
            submit=True,
        )
    item = item_for(example, "submitted_entry")
    assert item.target_version == example.version == 1
    snapshot = item.target_snapshot
    rows = get_adapter("entry").describe(snapshot)  # in the form's order, whatever the db
    assert [row["field"] for row in rows][:4] == ["title", "summary", "country", "category"]
    assert [row["field"] for row in rows][-3:] == ["status", "evidence", "passages"]
    assert rows[2]["value"] == "Germany (DE)" and rows[2]["label"] == "Country or scope"
    assert {"operator", "scored", "data_sources", "consequences", "transparency", "contestable",
            "legal_basis", "legal_note", "lifecycle", "start_year", "end_year", "confidence",
            "region", "status"} <= set(snapshot)  # fmt: skip
    assert (snapshot["title"], snapshot["country"], snapshot["category"]) == (
        "Schufa geo-scoring", "DE", "Geo-scoring and neighbourhood scoring",
    )  # fmt: skip
    assert snapshot["consequences"] == ["price_differences", "access_restrictions"]
    [evidence] = snapshot["evidence"]
    assert (evidence["url"], evidence["published"]) == ("https://example.org/schufa", "2018-11-28")
    [link] = snapshot["passages"]
    assert link["passage_id"] == schufa_passage.pk and "Schufa" in link["text"]


def test_types_without_versions_record_none(user):
    item = review_item_open(item_type="uploaded_source", target=SourceFactory(added_by=user))
    assert item.target_version is None and item.target_snapshot is None


# --- The reproduction: bait-and-switch past review ---------------------------------------------


def test_bait_and_switch_is_refused_through_the_api(user, moderator, submitted, run_on_commit):
    example, item = submitted
    # The moderator reads the queue: version 1, the original title.
    row = queue_rows(moderator)[item.pk]
    assert (row["version"], row["target_version"], row["changed"]) == (1, 1, False)
    assert row["target"]["label"] == "Schufa geo-scoring"
    # The author rewrites the submitted entry.
    with run_on_commit():
        entry_services.example_update(actor=user, example=example, changes=REWRITE)
    example.refresh_from_db()
    assert (example.version, example.status) == (2, "submitted")

    response = decide_api(moderator, item, version=1)
    assert response.status_code == 409
    body = response.json()
    assert "changed since you opened it" in body["detail"]
    assert body["version"] == 2
    changes = {c["field"]: c for c in body["changes"]}
    assert set(changes) == {"title", "summary", "operator", "consequences"}
    assert changes["title"]["before"] == "Schufa geo-scoring"
    assert changes["title"]["after"] == "Benign municipal library card"
    assert changes["operator"]["label"] == "Operator"
    # Nothing was decided.
    example.refresh_from_db()
    item.refresh_from_db()
    assert example.status == "submitted" and item.status == "open"
    assert not AuditLogEntry.objects.filter(action="decision").exists()
    assert not Notification.objects.filter(kind="decision").exists()
    # Without a version the decision is for the version the item recorded: refused too.
    assert decide_api(moderator, item).status_code == 409

    # The queue now says so, with the diff, under the new label.
    row = queue_rows(moderator)[item.pk]
    assert (row["version"], row["target_version"], row["changed"]) == (2, 1, True)
    assert row["target"]["label"] == "Benign municipal library card"
    assert {c["field"] for c in row["changes"]} == set(changes)
    assert row["target_snapshot"]["title"] == "Schufa geo-scoring"

    # Having read it, the moderator publishes version 2: exactly what they read.
    response = decide_api(moderator, item, version=2)
    assert response.status_code == 200, response.json()
    example.refresh_from_db()
    assert (example.status, example.title) == ("published", "Benign municipal library card")
    after = AuditLogEntry.objects.get(action="decision").after
    assert after["reviewed_version"] == 2 and after["decision"] == "publish"


def test_bait_and_switch_is_refused_on_the_queue_page(client, user, moderator, submitted):
    example, item = submitted
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert f'name="version-{item.pk}" value="1"' in html
    assert "Changed since the item was opened" not in html
    assert "Content under review (version 1)" in html

    entry_services.example_update(actor=user, example=example, changes=REWRITE)

    post = {"items": [item.pk], f"version-{item.pk}": "1", "decision": "publish", "reason": REASON}
    response = client.post(QUEUE, post)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Changed since you opened it: not decided" in html
    assert "changed since you opened it" in html
    assert "<del>Schufa geo-scoring</del>" in html
    assert "<ins>Benign municipal library card</ins>" in html
    # Re-rendered for the new version, still selected, with the decision and reason kept.
    assert f'name="version-{item.pk}" value="2"' in html
    assert f'value="{item.pk}" id="item-{item.pk}" checked' in html
    assert REASON in html
    example.refresh_from_db()
    assert example.status == "submitted"
    assert ReviewItem.objects.get(pk=item.pk).status == "open"

    post[f"version-{item.pk}"] = "2"
    response = client.post(QUEUE, post)
    assert response.status_code == 302
    example.refresh_from_db()
    assert (example.status, example.title) == ("published", "Benign municipal library card")


def test_unchanged_items_are_decided_as_before(moderator, submitted):
    example, item = submitted
    assert decide_api(moderator, item).status_code == 200  # version defaults to 1
    example.refresh_from_db()
    assert example.status == "published"


def test_bulk_decisions_report_changed_items_as_failed(user, moderator, run_on_commit):
    first = submit_entry(user, run_on_commit)
    second = submit_entry(user, run_on_commit, title="Tenant blacklists", country="US")
    first_item = item_for(first, "submitted_entry")
    second_item = item_for(second, "submitted_entry")
    entry_services.example_update(actor=user, example=second, changes={"title": "Switched"})
    result = review_items_decide(
        actor=moderator,
        item_ids=[first_item.pk, second_item.pk],
        decision="publish",
        reason=REASON,
        versions={first_item.pk: 1, second_item.pk: 1},
    )
    assert [item.pk for item in result.decided] == [first_item.pk]
    assert [item_id for item_id, _ in result.failed] == [second_item.pk]
    assert "changed since you opened it" in result.failed[0][1]
    assert result.changed[second_item.pk].current_version == 2
    assert Example.objects.get(pk=second.pk).status == "submitted"


def test_the_page_decides_the_rest_and_holds_back_the_changed(
    client, user, moderator, run_on_commit
):
    first = submit_entry(user, run_on_commit)
    second = submit_entry(user, run_on_commit, title="Tenant blacklists", country="US")
    first_item = item_for(first, "submitted_entry")
    second_item = item_for(second, "submitted_entry")
    entry_services.example_update(actor=user, example=second, changes={"title": "Switched"})
    client.force_login(moderator)
    response = client.post(
        QUEUE,
        {
            "items": [first_item.pk, second_item.pk],
            f"version-{first_item.pk}": "1",
            f"version-{second_item.pk}": "1",
            "decision": "publish",
            "reason": REASON,
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Publish: “" in html
    assert "<ins>Switched</ins>" in html
    assert Example.objects.get(pk=first.pk).status == "published"
    assert Example.objects.get(pk=second.pk).status == "submitted"


# --- The open item follows the author's edits ------------------------------------------------


def test_an_edit_moves_the_item_to_the_right_moderators(user, run_on_commit, submitted):
    example, item = submitted
    german, french = make_moderator(countries=["DE"]), make_moderator(countries=["FR"])
    assert item.pk in queue_rows(german) and item.pk not in queue_rows(french)
    with run_on_commit():
        entry_services.example_update(
            actor=user,
            example=example,
            changes={
                "country": "FR",
                "category": "tenant-screening",
                "title": "Fichier locataires",
            },
        )
    item.refresh_from_db()
    assert (item.country, item.category, item.target_label) == (
        "FR", "tenant-screening", "Fichier locataires",
    )  # fmt: skip
    assert (item.target_version, item.target_snapshot["country"]) == (1, "DE")  # as reviewed
    assert item.pk in queue_rows(french) and item.pk not in queue_rows(german)
    row = queue_rows(french)[item.pk]
    assert {c["field"] for c in row["changes"]} == {"title", "country", "category"}


def test_a_moderator_out_of_scope_learns_nothing_about_the_change(user, submitted):
    example, item = submitted
    entry_services.example_update(actor=user, example=example, changes=REWRITE)
    response = decide_api(make_moderator(countries=["FR"]), item, version=1)
    assert response.status_code == 403
    assert "changes" not in response.json()
    assert decide_api(UserFactory(), item, version=1).status_code == 403


def test_resubmission_after_withdrawal_is_checked_against_what_was_opened(
    user, moderator, run_on_commit, submitted
):
    example, item = submitted
    transitions.example_transition(actor=user, example=example, to="draft")
    entry_services.example_update(actor=user, example=example, changes={"summary": "New."})
    with run_on_commit():
        transitions.example_transition(actor=user, example=example, to="submitted")
    assert ReviewItem.objects.filter(object_id=str(example.pk), status="open").count() == 1
    response = decide_api(moderator, item, version=1)
    assert response.status_code == 409
    assert {c["field"] for c in response.json()["changes"]} == {"summary"}
    assert decide_api(moderator, item, version=response.json()["version"]).status_code == 200


# --- Post-review edits and flags ------------------------------------------------------------


def test_post_review_edit_is_decided_on_the_version_seen(moderator, run_on_commit):
    author = make_trusted()
    example = submit_entry(author, run_on_commit)  # trusted: published at once
    with run_on_commit():
        entry_services.example_update(actor=author, example=example, changes={"region": "Berlin"})
    item = item_for(example, "post_review_edit")
    assert item.target_version == 2
    with run_on_commit():
        entry_services.example_update(actor=author, example=example, changes={"region": "Hesse"})
    item.refresh_from_db()
    assert item.target_version == 2  # the second edit joins the open item
    response = decide_api(moderator, item, decision="request_changes", version=2)
    assert response.status_code == 409
    assert response.json()["changes"][0]["after"] == "Hesse"
    assert decide_api(moderator, item, decision="request_changes", version=3).status_code == 200


def test_a_hide_by_flags_does_not_block_the_decision(settings, user, moderator, run_on_commit):
    settings.MODERATION_FLAG_HIDE_SCORE = 2.0
    example = published(user, moderator, run_on_commit)
    for _ in range(2):
        flag_create(flagger=UserFactory(), target=example, reason="inaccurate")
    example.refresh_from_db()
    assert example.status == "archived"  # hidden pending review: a new version
    item = item_for(example, "flag")
    assert item.target_version == example.version
    assert decide_api(moderator, item, decision="keep").status_code == 200
    example.refresh_from_db()
    assert example.status == "published"


# --- Suggested edits ------------------------------------------------------------------------


@pytest.fixture
def suggestion(user, other_user, moderator, run_on_commit):
    entry = published(user, moderator, run_on_commit)
    with run_on_commit():
        suggestion = suggestion_services.suggestion_create(
            proposer=other_user, example=entry, changes={"region": "Bavaria"}
        )
    return entry, suggestion, item_for(suggestion, "suggested_edit")


def test_a_suggestion_is_reviewed_against_the_entry_version(moderator, suggestion):
    entry, suggestion, item = suggestion
    assert item.target_version == suggestion.base_version == entry.version
    assert item.target_snapshot["suggested_changes"] == {"region": "Bavaria"}
    entry_services.example_update(actor=moderator, example=entry, changes={"lifecycle": "pilot"})
    response = decide_api(moderator, item)  # the version the suggestion was made on
    assert response.status_code == 409
    assert [c["field"] for c in response.json()["changes"]] == ["lifecycle"]
    suggestion.refresh_from_db()
    assert suggestion.status == "open"
    assert Example.objects.get(pk=entry.pk).region == ""
    response = decide_api(moderator, item, version=response.json()["version"])
    assert response.status_code == 200
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"
    assert Example.objects.get(pk=entry.pk).region == "Bavaria"


def test_the_suggestions_api_defaults_to_the_version_suggested_on(user, moderator, suggestion):
    entry, suggestion, _item = suggestion
    entry_services.example_update(actor=moderator, example=entry, changes={"lifecycle": "pilot"})
    decide = f"/api/suggestions/{suggestion.pk}/decide/"
    response = api_for(moderator).post(decide, {"decision": "accept"}, format="json")
    assert response.status_code == 409
    assert response.json()["version"] == entry.version + 1
    assert [c["field"] for c in response.json()["changes"]] == ["lifecycle"]
    assert SuggestedEdit.objects.get(pk=suggestion.pk).status == "open"
    response = api_for(moderator).post(
        decide, {"decision": "accept", "version": entry.version + 1}, format="json"
    )
    assert response.status_code == 200
    assert Example.objects.get(pk=entry.pk).region == "Bavaria"


# --- Status changes on the entry page and in the API ----------------------------------------


def test_publishing_on_the_entry_page_checks_the_version_shown(client, user, moderator, submitted):
    example, _item = submitted
    client.force_login(moderator)
    html = client.get(example.get_absolute_url()).content.decode()
    assert 'name="version" value="1"' in html
    entry_services.example_update(actor=user, example=example, changes=REWRITE)
    url = f"/atlas/examples/{example.pk}/transition/"
    response = client.post(url, {"to": "published", "version": "1"}, follow=True)
    assert "The entry changed while you were looking at it" in response.content.decode()
    assert Example.objects.get(pk=example.pk).status == "submitted"
    client.post(url, {"to": "published", "version": "2"})
    assert Example.objects.get(pk=example.pk).status == "published"


def test_the_transition_api_checks_the_version(user, moderator, submitted):
    example, _item = submitted
    entry_services.example_update(actor=user, example=example, changes=REWRITE)
    url = f"/api/examples/{example.pk}/transition/"
    response = api_for(moderator).post(url, {"to": "published", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["version"] == 2
    assert "title" in {c["field"] for c in response.json()["changes"]}
    assert Example.objects.get(pk=example.pk).status == "submitted"
    response = api_for(moderator).post(url, {"to": "published", "version": 2}, format="json")
    assert response.status_code == 200


# --- The generic mechanism: any adapter with versions ------------------------------------------


class VersionedSourceAdapter(SourceAdapter):
    """Stands for any adapter with versions (e.g. proposed source versions): here the
    source's year is its version."""

    def version(self, obj):
        return obj.year

    def snapshot(self, obj):
        return {"title": obj.title, "year": obj.year}


@pytest.fixture
def versioned_sources():
    register_target("source", VersionedSourceAdapter())
    yield
    register_target("source", SourceAdapter())


def test_any_adapter_with_versions_gets_the_check(versioned_sources, user, moderator):
    source = SourceFactory(added_by=user, year=2020, title="Original")
    item = review_item_open(item_type="uploaded_source", target=source)
    assert (item.target_version, item.target_snapshot) == (
        2020,
        {"title": "Original", "year": 2020},
    )
    type(source).objects.filter(pk=source.pk).update(year=2021, title="Replaced")
    with pytest.raises(TargetChanged) as caught:
        review_item_decide(actor=moderator, item=item, decision="publish", reason=REASON)
    assert caught.value.current_version == 2021
    assert [c["field"] for c in caught.value.changes] == ["title", "year"]
    item.refresh_from_db()
    assert item.status == "open"
    decided = review_item_decide(
        actor=moderator, item=item, decision="publish", reason=REASON, version=2021
    )
    assert decided.status == "decided"


def test_types_without_versions_ignore_the_version(user, moderator):
    item = review_item_open(item_type="uploaded_source", target=SourceFactory(added_by=user))
    assert decide_api(moderator, item, version=7).status_code == 200


def test_snapshot_diff_in_words():
    changes = snapshot_diff(
        {"title": "A", "tags": ["x", "y"], "note": "", "gone": 1},
        {"title": "B", "tags": ["x", "y"], "note": None, "new": {"k": True}},
    )
    assert changes == [
        {"field": "title", "label": "Title", "before": "A", "after": "B"},
        {"field": "new", "label": "New", "before": "—", "after": "k: yes"},
        {"field": "gone", "label": "Gone", "before": "1", "after": "—"},
    ]


# --- Query counts ---------------------------------------------------------------------------


PLACES = ["US", "GB", "FR", "IT", "ES", "NL", "SE", "PL"]


def _changed_entries(user, run_on_commit, places) -> None:
    for place in places:
        example = submit_entry(user, run_on_commit, country=place)
        entry_services.example_update(
            actor=user, example=example, changes={"summary": f"Changed in {place}."}
        )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", [QUEUE, "/api/moderation/items/"])
def test_changed_items_cost_a_constant_number_of_queries(
    client, user, moderator, run_on_commit, url, django_assert_max_num_queries
):
    client.force_login(moderator)
    _changed_entries(user, run_on_commit, PLACES[:2])
    few = _queries(client, url)
    _changed_entries(user, run_on_commit, PLACES[2:])
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Changed since the item was opened") == (
        8 if url == QUEUE else 0
    )
    # session, user, groups, scopes, count, items, entries, evidence, passage links; the
    # page also lists the category filter's choices and names each row's decisions
    assert few <= (12 if url == QUEUE else 10)


def test_a_row_shown_in_full_shows_what_changed_since_it_was_opened(
    user, moderator, submitted, run_on_commit
):
    """Issue 19: the expanded row (GET /moderation/items/<id>/) carries the diff of an
    edit made after the item was opened, and the content as it is now."""
    from django.test import Client

    example, item = submitted
    with run_on_commit():
        entry_services.example_update(actor=user, example=example, changes=REWRITE)
    client = Client()
    client.force_login(moderator)
    html = client.get(f"/moderation/items/{item.pk}/").content.decode()
    assert "Changed since the item was opened (version 1 → 2)" in html
    assert "<del>Schufa geo-scoring</del>" in html
