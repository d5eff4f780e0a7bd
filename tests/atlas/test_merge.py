"""Merging duplicate entries: evidence and passage links united without duplicates, the
discussion moved, the duplicate's page and API address answering 301 to the target for
good, the duplicate gone from lists, counts and exports, the merge audited and undone
(the duplicate comes back exactly as it was). Bad input changes nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from apps.atlas.aggregates import selectors as aggregate_selectors
from apps.atlas.discussion import services as discussion
from apps.atlas.entries import services as entry_services
from apps.atlas.entries.data import PassageLinkData
from apps.atlas.lifecycle.models import LifecycleEvent
from apps.atlas.merge import services as merge_services
from apps.atlas.models import (
    EntryComment,
    Evidence,
    Example,
    ExampleContributor,
    ExampleMerge,
    PassageLink,
    SuggestedEdit,
)
from apps.atlas.suggestions import services as suggestion_services
from apps.moderation.models import AuditLogEntry, ModeratorScope
from apps.moderation.permissions import MODERATOR_GROUP
from apps.notifications.models import Notification
from apps.sources.models import Passage
from tests.factories import UserFactory
from tests.moderation.conftest import make_trusted_user
from tests.personal import page_with_personal_layer

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db


def make_moderator(countries=()):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])
    for code in countries:
        ModeratorScope.objects.create(user=user, country=code)
    return user


@pytest.fixture
def mod(db):
    return make_moderator()


@pytest.fixture
def passages(founding_paper):
    return list(
        Passage.objects.filter(document=founding_paper.current_document).order_by("order")[:3]
    )


@pytest.fixture
def pair(user, other_user, make_published, passages):
    """A (the target) and B (a duplicate): one piece of evidence in common (same URL), one
    each of their own; one passage in common, one of B's own; a thread under B."""
    services_data = {"passages": passages[:1]}
    a = make_published(user, title="Schufa geo-scoring", **services_data)
    b = make_published(other_user, title="Schufa scoring by address", passages=passages[:2])
    # Trusted authors' edits to published entries go live (others' wait for a moderator).
    make_trusted_user(user)
    make_trusted_user(other_user)
    entry_services.example_update(
        actor=user,
        example=a,
        evidence=[evidence_data(), evidence_data(title="Only in A", url="https://a.example/")],
    )
    entry_services.example_update(
        actor=other_user,
        example=b,
        evidence=[
            evidence_data(title="Same URL, other title"),
            evidence_data(title="Only in B", url="https://b.example/", doi=""),
        ],
    )
    root = discussion.comment_create(author=user, example=b, body="Is this a duplicate?")
    discussion.comment_create(author=other_user, example=b, body="Maybe.", parent_id=root.pk)
    return Example.objects.get(pk=a.pk), Example.objects.get(pk=b.pk)


# The pair's titles differ (everything else is coded alike): a merge says which stays.
KEEP_TITLE = {"field-title": "target"}


def merge_url(example) -> str:
    return f"/atlas/examples/{example.pk}/merge/"


def merge_pair(actor, source, target, reason, **fields):
    """Merge ``source`` into ``target`` keeping the target's title unless told."""
    return merge_services.example_merge(
        actor=actor,
        source=source,
        target_id=target.pk,
        reason=reason,
        fields={"title": "target", **fields},
    )


def state(example) -> dict:
    example = Example.objects.get(pk=example.pk)
    return {
        "status": example.status,
        "version": example.version,
        "merged_into": example.merged_into_id,
        "evidence": sorted((e.title, e.url) for e in example.evidence.all()),
        "passages": sorted(link.passage_id for link in example.passage_links.all()),
        "comments": sorted(
            EntryComment.objects.filter(example=example).values_list("pk", flat=True)
        ),
    }


def test_moderator_merges_b_into_a(client, pair, mod, passages):
    a, b = pair
    before_a, before_b = state(a), state(b)
    client.force_login(mod)
    assert client.get(merge_url(b)).status_code == 200
    response = client.post(merge_url(b), {**KEEP_TITLE, "into": a.pk, "reason": "Same system"})
    assert response.status_code == 302
    assert response["Location"] == a.get_absolute_url()

    after_a, after_b = state(a), state(b)
    # United, no duplicates: B's copy of the shared URL is not added again.
    assert after_a["evidence"] == sorted(
        before_a["evidence"] + [("Only in B", "https://b.example/")]
    )
    assert after_a["passages"] == sorted(p.pk for p in passages[:2])
    assert after_a["comments"] == before_b["comments"]
    assert after_a["version"] == before_a["version"] + 1
    # B is merged; its own rows stay with it (for an undo), its comments moved.
    assert after_b["status"] == "merged" and after_b["merged_into"] == a.pk
    assert after_b["evidence"] == before_b["evidence"]
    assert after_b["passages"] == before_b["passages"]
    assert after_b["comments"] == []
    # The thread kept its shape.
    reply = EntryComment.objects.get(body="Maybe.")
    assert reply.parent.example_id == a.pk

    log = AuditLogEntry.objects.get(action="merge")
    assert log.actor == mod and log.reason == "Same system"
    assert log.target_object_id == str(b.pk)
    assert log.before["source"]["status"] == "published"
    assert log.after["source"] == {
        "status": "merged",
        "merged_into": a.pk,
        "version": b.version + 1,
    }
    assert log.after["moved"]["comments"] == before_b["comments"]
    assert log.after["moved"]["evidence"] == [["url", "https://b.example"]]


def test_merged_entry_redirects_permanently_and_disappears(client, pair, mod, user):
    a, b = pair
    merge_pair(mod, b, a, "Duplicate")
    for viewer in (None, user, mod):
        if viewer is not None:
            client.force_login(viewer)
        for path in (
            b.get_absolute_url(),
            f"/atlas/examples/{b.pk}/",
            f"/atlas/examples/{b.pk}/old-slug/",
        ):
            response = client.get(path)
            assert response.status_code == 301, path
            assert response["Location"] == a.get_absolute_url()
        response = client.get(f"/api/examples/{b.pk}/")
        assert response.status_code == 301
        assert response["Location"] == f"/api/examples/{a.pk}/"
        assert client.get(response["Location"]).json()["id"] == a.pk
        client.logout()
    # Gone from lists, counts, the map data and the exports; for moderators too.
    listed = [row["id"] for row in APIClient().get("/api/examples/").json()["results"]]
    assert b.pk not in listed and a.pk in listed
    api = APIClient()
    api.force_authenticate(mod)
    assert b.pk not in [row["id"] for row in api.get("/api/examples/").json()["results"]]
    assert aggregate_selectors.atlas_aggregates()["total"] == 1
    assert b.title not in client.get("/api/examples/export.csv").content.decode()
    assert "1 example in 1 country" in client.get("/atlas/").content.decode()


def test_redirect_follows_later_merges(pair, mod, user, make_published, client):
    a, b = pair
    c = make_published(user, title="Third")
    merge_pair(mod, b, a, "Duplicate")
    merge_pair(mod, a, c, "Duplicate too")
    response = client.get(b.get_absolute_url())
    assert response.status_code == 301 and response["Location"] == c.get_absolute_url()


def test_undo_gives_b_back_exactly(client, pair, mod):
    a, b = pair
    before_a, before_b = state(a), state(b)
    merge = merge_pair(mod, b, a, "Duplicate")
    client.force_login(mod)
    html = page_with_personal_layer(client, f"/atlas/examples/{a.pk}/{a.slug}/history/")
    assert "Undo merge" in html
    response = client.post(f"/atlas/merges/{merge.pk}/undo/", {"reason": "Not the same system"})
    assert response.status_code == 302
    assert response["Location"] == b.get_absolute_url()
    after_a, after_b = state(a), state(b)
    for key in ("status", "merged_into", "evidence", "passages", "comments"):
        assert after_a[key] == before_a[key], key
        assert after_b[key] == before_b[key], key
    assert after_b["version"] == before_b["version"] + 2
    assert client.get(b.get_absolute_url()).status_code == 200
    log = AuditLogEntry.objects.get(action="unmerge")
    assert log.reason == "Not the same system" and log.after["source"]["status"] == "published"
    assert ExampleMerge.objects.get(pk=merge.pk).undone_by == mod
    # Undone once: a second undo is refused, and nothing changes.
    response = client.post(f"/atlas/merges/{merge.pk}/undo/", {"reason": "again"})
    assert state(b) == after_b and AuditLogEntry.objects.filter(action="unmerge").count() == 1


def test_undo_brings_back_replies_posted_to_bs_threads_after_the_merge(pair, mod, user):
    a, b = pair
    merge = merge_pair(mod, b, a, "Duplicate")
    root = EntryComment.objects.get(body="Is this a duplicate?")
    later = discussion.comment_create(author=user, example=a, body="Yes it is.", parent_id=root.pk)
    own = discussion.comment_create(author=user, example=a, body="About A")
    merge_services.example_unmerge(actor=mod, merge=merge, reason="Wrong")
    assert EntryComment.objects.get(pk=later.pk).example_id == b.pk
    assert EntryComment.objects.get(pk=own.pk).example_id == a.pk


def _nothing_changed(a, b, before):
    assert (state(a), state(b)) == before
    assert not ExampleMerge.objects.exists()
    assert not AuditLogEntry.objects.filter(action="merge").exists()


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("self", "cannot be merged into itself"),
        ("", "Choose the entry to merge into"),
        ("abc", "is not an entry number"),
        ("999999", "There is no entry #999999"),
    ],
)
def test_bad_targets_are_refused(client, pair, mod, into, message):
    a, b = pair
    before = (state(a), state(b))
    client.force_login(mod)
    response = client.post(merge_url(b), {"into": b.pk if into == "self" else into, "reason": "r"})
    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_changed(a, b, before)


def test_merging_into_a_merged_entry_is_refused(client, pair, mod, user, make_published):
    a, b = pair
    c = make_published(user, title="Third")
    merge_pair(mod, a, c, "dup")
    before_b, count = state(b), AuditLogEntry.objects.count()
    client.force_login(mod)
    response = client.post(merge_url(b), {"into": a.pk, "reason": "r"})
    assert response.status_code == 400
    assert f"was itself merged into #{c.pk}" in response.content.decode()
    assert state(b) == before_b and AuditLogEntry.objects.count() == count


def test_a_merge_needs_a_reason(client, pair, mod):
    a, b = pair
    before = (state(a), state(b))
    client.force_login(mod)
    response = client.post(merge_url(b), {"into": a.pk, "reason": "  "})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    _nothing_changed(a, b, before)


def test_non_moderators_and_moderators_out_of_scope_get_403(client, pair, user, make_published):
    a, b = pair
    before = (state(a), state(b))
    for actor in (user, make_moderator(countries=["FR"])):
        client.force_login(actor)
        assert client.get(merge_url(b)).status_code == 403
        assert client.post(merge_url(b), {"into": a.pk, "reason": "r"}).status_code == 403
        _nothing_changed(a, b, before)
    # In scope for B (DE) but not for the target (FR): refused too.
    french = make_published(user, title="French scoring", country="FR")
    client.force_login(make_moderator(countries=["DE"]))
    assert client.get(merge_url(b), {"into": french.pk}).status_code == 403  # the comparison
    assert client.post(merge_url(b), {"into": french.pk, "reason": "r"}).status_code == 403
    _nothing_changed(a, b, before)
    client.logout()
    assert client.post(merge_url(b), {"into": a.pk, "reason": "r"}).status_code == 302  # to login
    _nothing_changed(a, b, before)


def test_moderator_in_scope_may_merge(client, pair):
    a, b = pair
    client.force_login(make_moderator(countries=["DE"]))
    assert (
        client.post(merge_url(b), {**KEEP_TITLE, "into": a.pk, "reason": "dup"}).status_code == 302
    )
    assert Example.objects.get(pk=b.pk).status == "merged"


def test_merge_and_undo_through_the_api(pair, mod, user):
    a, b = pair
    before = (state(a), state(b))
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(
        f"/api/examples/{b.pk}/merge/", {"into": a.pk, "reason": "dup"}, format="json"
    )
    assert response.status_code == 403
    api.force_authenticate(make_moderator(countries=["FR"]))
    response = api.post(
        f"/api/examples/{b.pk}/merge/", {"into": a.pk, "reason": "dup"}, format="json"
    )
    assert response.status_code == 403
    api.force_authenticate(mod)
    response = api.post(
        f"/api/examples/{b.pk}/merge/", {"into": b.pk, "reason": "dup"}, format="json"
    )
    assert response.status_code == 400
    assert "cannot be merged into itself" in response.json()["detail"]
    _nothing_changed(a, b, before)
    response = api.post(
        f"/api/examples/{b.pk}/merge/", {"into": a.pk, "reason": "dup"}, format="json"
    )
    assert response.status_code == 400  # the titles differ: which one stays?
    assert response.json()["errors"]["fields.title"]
    _nothing_changed(a, b, before)
    response = api.post(
        f"/api/examples/{b.pk}/merge/",
        {"into": a.pk, "reason": "dup", "fields": {"title": "target"}},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["source"] == b.pk and body["target"] == a.pk
    assert api.get(f"/api/examples/{b.pk}/").status_code == 301
    response = api.post(body["undo_url"], {"reason": ""}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["reason"]
    response = api.post(body["undo_url"], {"reason": "not a duplicate"}, format="json")
    assert response.status_code == 200 and response.json()["undone_at"]
    assert (state(a)["evidence"], state(b)["comments"]) == (
        before[0]["evidence"],
        before[1]["comments"],
    )


def test_merge_page_query_count(client, pair, mod, django_assert_max_num_queries):
    a, b = pair
    client.force_login(mod)
    with django_assert_max_num_queries(12):
        assert client.get(merge_url(b)).status_code == 200


def test_merge_page_offers_the_candidates_to_pick_and_a_title_search(
    client, pair, mod, make_published, user
):
    """No entry number to type (issue 19): the entries in the same place are choices, a
    search box finds one filed elsewhere, and the help text is readable."""
    a, b = pair
    elsewhere = make_published(user, title="Schufa look-alike in France", country="FR")
    client.force_login(mod)
    page = client.get(merge_url(b)).text
    assert f'name="into" value="{a.pk}"' in page  # a candidate, picked with a radio
    assert 'type="text" inputmode="numeric"' not in page
    assert "/atlas/examples//" not in page
    assert f'value="{elsewhere.pk}"' not in page  # another country: found by search only
    found = client.get(merge_url(b), {"q": "look-alike"}).text
    assert f'name="into" value="{elsewhere.pk}"' in found
    nothing = client.get(merge_url(b), {"q": "no such title"}).text
    assert "No other entry you may merge into has" in nothing
    compared = client.get(merge_url(b), {"into": elsewhere.pk})
    assert compared.status_code == 200
    assert 'name="source_version"' in compared.text


# --- Field by field: nothing differs silently (issue 12) ----------------------------------


@pytest.fixture
def coded_pair(user, other_user, make_published):
    """A (kept) says nothing about the right to contest or the legal basis and calls the
    operator a company; B (the duplicate) says "yes", cites a statute with a note, and
    calls the operator a platform. Their titles differ too."""
    a = make_published(
        user, title="Schufa geo-scoring", contestable="unknown", legal_basis="unknown",
        legal_note="", operator="private",
    )  # fmt: skip
    b = make_published(
        other_user, title="Schufa scoring by address", contestable="yes",
        legal_basis="statute", legal_note="BDSG § 31", operator="platform",
    )  # fmt: skip
    return Example.objects.get(pk=a.pk), Example.objects.get(pk=b.pk)


def test_reproduction_differing_codings_are_kept_not_dropped(coded_pair, mod):
    """Issue 12: merging dropped B's "right to contest: yes" and its legal basis. Known
    values beat "unknown" by default; B's values land on A."""
    a, b = coded_pair
    merge_row = merge_services.example_merge(
        actor=mod, source=b, target_id=a.pk, reason="Same system",
        fields={"title": "target", "operator": "target"},
    )  # fmt: skip
    a.refresh_from_db()
    assert (a.contestable, a.legal_basis, a.legal_note) == ("yes", "statute", "BDSG § 31")
    assert (a.title, a.operator) == ("Schufa geo-scoring", "private")
    assert merge_row.field_choices == {
        "title": "target", "operator": "target", "contestable": "source",
        "legal_basis": "source",
    }  # fmt: skip
    assert merge_row.field_changes == {
        "contestable": ["unknown", "yes"],
        "legal_basis": ["unknown", "statute"],
        "legal_note": ["", "BDSG § 31"],
    }
    # A new version of A, in its history, says what was kept from B.
    row = a.history.order_by("-history_date", "-history_id").first()
    assert row.version == a.version and row.contestable == "yes"
    assert f"Merged #{b.pk}" in row.history_change_reason


def test_a_field_both_entries_know_differently_needs_a_choice(coded_pair, mod):
    a, b = coded_pair
    before = (state(a), state(b))
    with pytest.raises(ValidationError) as caught:
        merge_services.example_merge(
            actor=mod, source=b, target_id=a.pk, reason="Same", fields={"title": "target"}
        )
    errors = caught.value.message_dict
    assert set(errors) == {"fields", "fields.operator"}
    assert "Operator (operator)" in errors["fields"][0]
    _nothing_changed(a, b, before)
    assert Example.objects.get(pk=a.pk).contestable == "unknown"
    # The moderator may keep B's value where A's is known too.
    merge_services.example_merge(
        actor=mod, source=b, target_id=a.pk, reason="Same",
        fields={"title": "source", "operator": "source", "contestable": "target"},
    )  # fmt: skip
    a.refresh_from_db()
    assert (a.title, a.slug, a.operator) == (b.title, b.slug, "platform")
    assert a.contestable == "unknown"  # chosen: A's "unknown" over B's "yes"


def test_choosing_years_that_contradict_each_other_is_refused(
    user, other_user, mod, make_published
):
    a = make_published(user, title="A", start_year=2000, end_year=2005)
    b = make_published(other_user, title="A", start_year=2010, end_year=2020)
    before = (state(a), state(b))
    with pytest.raises(ValidationError) as caught:
        merge_services.example_merge(
            actor=mod, source=b, target_id=a.pk, reason="Same",
            fields={"start_year": "source", "end_year": "target"},
        )  # fmt: skip
    assert "end year (2005) comes before the start year (2010)" in caught.value.messages[0]
    _nothing_changed(a, b, before)


def test_merge_form_shows_both_values_side_by_side(client, coded_pair, mod):
    a, b = coded_pair
    client.force_login(mod)
    html = client.get(merge_url(b), {"into": a.pk}).content.decode()
    for legend in ("Title", "Operator", "Right to contest", "Legal basis (with its note)"):
        assert f"<legend>{legend}</legend>" in html
    assert "<legend>Category</legend>" not in html  # the same in both: listed apart
    assert "fields are the same in both entries" in html
    # Both values, each labelled by its entry; the known value preselected over unknown.
    assert f"From #{b.pk} (merged away)" in html and f"From #{a.pk} (kept)" in html
    assert 'id="field-contestable-source" name="field-contestable" value="source" checked' in html
    assert 'id="field-legal_basis-source" name="field-legal_basis" value="source" checked' in html
    assert "Statute — BDSG § 31" in html
    # Both known and different: nothing preselected.
    assert 'name="field-operator" value="source">' in html
    assert 'name="field-operator" value="target">' in html
    assert f'name="target_version" value="{a.version}"' in html


def test_merge_form_without_a_choice_answers_400_and_keeps_the_choices(client, coded_pair, mod):
    a, b = coded_pair
    before = (state(a), state(b))
    client.force_login(mod)
    response = client.post(
        merge_url(b),
        {"into": a.pk, "reason": "Same", "field-title": "source", "field-contestable": "target"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The two entries differ on Operator (operator)" in html
    assert (
        'id="choice-operator-error"' in html and 'aria-describedby="choice-operator-error"' in html
    )
    # What the moderator picked stays picked.
    assert 'name="field-title" value="source" checked' in html
    assert 'name="field-contestable" value="target" checked' in html
    _nothing_changed(a, b, before)


def test_merge_form_applies_the_choices(client, coded_pair, mod):
    a, b = coded_pair
    client.force_login(mod)
    response = client.post(
        merge_url(b),
        {
            "into": a.pk, "reason": "Same", "field-title": "target", "field-operator": "source",
            "field-contestable": "source", "field-legal_basis": "source",
            "source_version": b.version, "target_version": a.version,
        },
    )  # fmt: skip
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.operator, a.contestable, a.legal_basis) == ("platform", "yes", "statute")


def test_merge_form_refuses_entries_changed_since_they_were_compared(client, coded_pair, mod):
    a, b = coded_pair
    client.force_login(mod)
    shown = a.version
    entry_services.example_update(actor=mod, example=a, changes={"region": "Bavaria"})
    before = (state(a), state(b))
    response = client.post(
        merge_url(b),
        {
            "into": a.pk, "reason": "Same", "field-title": "target", "field-operator": "source",
            "source_version": b.version, "target_version": shown,
        },
    )  # fmt: skip
    assert response.status_code == 409
    assert "changed since you compared them" in response.content.decode()
    _nothing_changed(a, b, before)


def test_api_preview_and_choices(coded_pair, mod):
    a, b = coded_pair
    api = APIClient()
    api.force_authenticate(mod)
    preview = api.get(f"/api/examples/{b.pk}/merge/", {"into": a.pk})
    assert preview.status_code == 200
    body = preview.json()
    assert body["choices_needed"] == ["title", "operator"]
    contest = next(row for row in body["fields"] if row["field"] == "contestable")
    assert contest == {
        "field": "contestable", "label": "Right to contest", "source": "Yes",
        "target": "Unknown", "differs": True, "default": "source",
    }  # fmt: skip
    assert body["target_version"] == a.version
    before = (state(a), state(b))
    for fields, key in (
        ({"title": "target"}, "fields.operator"),
        ({"title": "target", "operator": "left"}, "fields.operator"),
        ({"title": "target", "operator": "source", "colour": "source"}, "fields"),
        (["title"], "fields"),
    ):
        response = api.post(
            f"/api/examples/{b.pk}/merge/",
            {"into": a.pk, "reason": "dup", "fields": fields},
            format="json",
        )
        assert response.status_code == 400, fields
        assert key in response.json()["errors"], response.json()
        _nothing_changed(a, b, before)
    response = api.post(
        f"/api/examples/{b.pk}/merge/",
        {"into": a.pk, "reason": "dup", "fields": {"title": "target", "operator": "source"},
         "target_version": a.version - 1},
        format="json",
    )  # fmt: skip
    assert response.status_code == 409
    _nothing_changed(a, b, before)
    response = api.post(
        f"/api/examples/{b.pk}/merge/",
        {"into": a.pk, "reason": "dup", "fields": {"title": "target", "operator": "source"}},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["field_changes"]["operator"] == ["private", "platform"]


def test_preview_is_for_moderators_in_scope(coded_pair, user):
    a, b = coded_pair
    api = APIClient()
    for actor in (user, make_moderator(countries=["FR"])):
        api.force_authenticate(actor)
        assert api.get(f"/api/examples/{b.pk}/merge/", {"into": a.pk}).status_code == 403
    api.force_authenticate(make_moderator(countries=["DE"]))
    assert api.get(f"/api/examples/{b.pk}/merge/", {"into": "x"}).status_code == 400
    assert api.get(f"/api/examples/{b.pk}/merge/", {"into": a.pk}).status_code == 200


# --- Contributors and credit ------------------------------------------------------------------


def test_an_entry_credits_its_author_and_accepted_suggestions(user, other_user, make_published):
    from apps.atlas.contributors import contributor_names

    entry = make_published(user, title="Entry")
    assert contributor_names(entry) == [user.public_name]
    suggestion = suggestion_services.suggestion_create(
        proposer=other_user, example=entry, changes={"region": "Hesse"}
    )
    suggestion_services.suggestion_accept(actor=make_moderator(), suggestion=suggestion)
    rows = list(ExampleContributor.objects.filter(example=entry).order_by("since", "pk"))
    assert [(row.user, row.role) for row in rows] == [(user, "author"), (other_user, "editor")]
    rejected = suggestion_services.suggestion_create(
        proposer=UserFactory(), example=entry, changes={"region": "Saxony"}
    )
    suggestion_services.suggestion_reject(actor=user, suggestion=rejected, reason="No")
    assert ExampleContributor.objects.filter(example=entry).count() == 2


def test_the_survivor_credits_every_contributor_of_both(coded_pair, mod, user, other_user):
    a, b = coded_pair
    editor = UserFactory(display_name="Ed Itor")
    suggestion = suggestion_services.suggestion_create(
        proposer=editor, example=b, changes={"region": "Hesse"}
    )
    suggestion_services.suggestion_accept(actor=mod, suggestion=suggestion)
    merge_row = merge_services.example_merge(
        actor=mod, source=b, target_id=a.pk, reason="Same",
        fields={"title": "target", "operator": "target"},
    )  # fmt: skip
    credited = {
        row.user: (row.role, row.merge_id) for row in ExampleContributor.objects.filter(example=a)
    }
    assert credited == {
        user: ("author", None),
        other_user: ("merged", merge_row.pk),
        editor: ("merged", merge_row.pk),
    }
    # B keeps its own credit (an undo gives it back as it was).
    assert ExampleContributor.objects.filter(example=b).count() == 2


def test_contributors_show_on_the_page_in_citations_the_api_and_every_export(
    client, coded_pair, mod, user, other_user
):
    a, b = coded_pair
    other_user.is_active = False  # a deactivated account is still credited by name
    other_user.save()
    merge_pair(mod, b, a, "Same", operator="target")
    names = f"{user.public_name}, {other_user.public_name}"
    expected = f"Creditscape contributors: {names}"

    html = client.get(a.get_absolute_url()).content.decode()
    assert f"Contributors: {names}." in html
    assert f"{expected}. (" in html  # APA
    assert f"author = {{{{{expected}}}}}" in html  # BibTeX
    entry = APIClient().get(f"/api/examples/{a.pk}/").json()
    assert [c["name"] for c in entry["contributors"]] == [user.public_name, other_user.public_name]
    assert [c["role"] for c in entry["contributors"]] == ["author", "merged"]
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/examples/export.csv").content.decode()))
    )
    (row,) = rows
    assert row["contributors"] == f"{user.public_name}; {other_user.public_name}"
    assert row["cite_as"].startswith(expected)
    feature = json.loads(client.get("/api/examples/export.geojson").content)["features"][0]
    assert feature["properties"]["contributors"] == [user.public_name, other_user.public_name]
    part = json.loads(client.get("/api/examples/export.jsonld").content)["hasPart"][0]
    assert part["contributor"] == [
        {"@type": "Person", "name": user.public_name},
        {"@type": "Person", "name": other_user.public_name},
    ]
    # Public names only: never an e-mail address.
    for body in (html, json.dumps(entry), json.dumps(rows), json.dumps(part)):
        assert user.email not in body and other_user.email not in body


def test_contributor_lists_cost_constant_queries(
    client, user, make_published, django_assert_max_num_queries
):
    moderator = make_moderator()

    def add_entries(count):
        for index in range(count):
            entry = make_published(user, title=f"Entry {index} {count}")
            suggestion = suggestion_services.suggestion_create(
                proposer=UserFactory(), example=entry, changes={"region": f"R{index}"}
            )
            suggestion_services.suggestion_accept(actor=moderator, suggestion=suggestion)

    add_entries(2)
    counts = {}
    for path in (
        "/api/examples/",
        "/api/examples/export.csv",
        "/api/examples/export.geojson",
        "/api/examples/export.jsonld",
    ):
        with django_assert_max_num_queries(7) as captured:  # + lifecycle events
            assert client.get(path).status_code == 200
        counts[path] = len(captured.captured_queries)
    add_entries(5)
    for path, count in counts.items():
        with django_assert_max_num_queries(count):
            assert client.get(path).status_code == 200


# --- Notices ------------------------------------------------------------------------------------


def test_the_merged_entrys_contributors_are_told_in_the_app_and_by_email(
    client, coded_pair, mod, user, other_user, run_on_commit, mailoutbox
):
    a, b = coded_pair
    editor = UserFactory()
    suggestion = suggestion_services.suggestion_create(
        proposer=editor, example=b, changes={"region": "Hesse"}
    )
    suggestion_services.suggestion_accept(actor=mod, suggestion=suggestion)
    mailoutbox.clear()
    with run_on_commit():
        merge_pair(mod, b, a, "Same system, reported twice", operator="target")
    notices = Notification.objects.filter(kind="decision", verb="merge").order_by("recipient_id")
    assert {n.recipient for n in notices} == {other_user, editor}
    for notice in notices:
        assert notice.target_label == b.title and notice.target_url == a.get_absolute_url()
        assert "Same system, reported twice" in notice.text and f"#{a.pk}" in notice.text
        assert notice.get_verb_display() == "Merged into another entry"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([other_user.email, editor.email])
    assert all(a.get_absolute_url() in m.body for m in mailoutbox)
    # The kept entry's author learns nothing: nothing of theirs moved.
    assert not Notification.objects.filter(kind="decision", recipient=user).exists()
    client.force_login(other_user)
    html = client.get("/notifications/").content.decode()
    assert (
        f'<a href="{a.get_absolute_url()}">Moderation decision on “{b.title}”: '
        "Merged into another entry</a>"
    ) in html


def test_the_acting_moderator_is_never_told(user, mod, make_published):
    a = make_published(user, title="A")
    b = make_published(mod, title="A")
    merge_services.example_merge(actor=mod, source=b, target_id=a.pk, reason="Same")
    assert not Notification.objects.filter(kind="decision", recipient=mod).exists()


def test_the_queue_never_offers_merge_as_a_decision(client, coded_pair, mod):
    from apps.moderation.models import ReviewItem
    from apps.moderation.services import flag_create

    a, b = coded_pair
    flag_create(flagger=UserFactory(), target=a, reason="inaccurate")
    client.force_login(mod)
    html = client.get("/moderation/").content.decode()
    assert 'value="publish"' in html
    assert 'value="merge"' not in html and "Merged into another entry" not in html
    item = ReviewItem.objects.get()
    api = APIClient()
    api.force_authenticate(mod)
    response = api.post(
        f"/api/moderation/items/{item.pk}/decide/",
        {"decision": "merge", "reason": "x"},
        format="json",
    )
    assert response.status_code == 400 and ReviewItem.objects.get().status == "open"


# --- The queue around a merge -------------------------------------------------------------------


def test_open_items_about_the_merged_entry_are_closed_and_suggestions_move(
    coded_pair, mod, user, other_user, run_on_commit
):
    from apps.moderation.models import Flag, ReviewItem
    from apps.moderation.services import flag_create

    a, b = coded_pair
    flagger = UserFactory()
    flag_create(flagger=flagger, target=b, reason="duplicate")
    with run_on_commit():
        values_only = suggestion_services.suggestion_create(
            proposer=user, example=b, changes={"region": "Hesse"}
        )
    lists = SuggestedEdit.objects.create(
        example=b, proposer=UserFactory(), base_version=b.version,
        changes={"evidence": [], "region": "Bremen"},
    )  # fmt: skip
    with run_on_commit():
        merge_row = merge_pair(mod, b, a, "Same", operator="target")
    flag_item = ReviewItem.objects.get(item_type="flag")
    assert (flag_item.status, flag_item.decision) == ("decided", "merge")
    assert Flag.objects.get().status == "agreed"
    assert merge_row.closed_review_items == [flag_item.pk]
    # Values-only suggestions follow the entry, and so does their queue item.
    values_only.refresh_from_db()
    assert values_only.example_id == a.pk and values_only.status == "open"
    item = ReviewItem.objects.get(item_type="suggested_edit", object_id=str(values_only.pk))
    assert item.status == "open" and item.target_url == f"{a.get_absolute_url()}#suggestions"
    assert a.title in item.target_label
    # One that would replace the survivor's evidence is declined, and its proposer told why.
    lists.refresh_from_db()
    assert lists.status == "rejected" and f"#{a.pk}" in lists.reason
    assert merge_row.moved_suggestions == [values_only.pk]
    assert merge_row.declined_suggestions == [lists.pk]


def test_undo_re_queues_a_submitted_entry_and_re_opens_nothing_decided(
    user, other_user, mod, make_published, run_on_commit
):
    from apps.moderation.models import ReviewItem

    a = make_published(user, title="A")
    with run_on_commit():
        b = entry_services.example_create(
            author=other_user, data=example_data(title="A"), evidence=[evidence_data()],
            submit=True, confirm_distinct=True,  # a duplicate on purpose: it gets merged
        )  # fmt: skip
    assert b.status == "submitted"
    first = ReviewItem.objects.get(item_type="submitted_entry", object_id=str(b.pk))
    # A suggestion on the entry awaiting review (made before it was withdrawn and
    # resubmitted, say: only its author and moderators see it now).
    suggestion = SuggestedEdit.objects.create(
        example=b, proposer=UserFactory(), base_version=b.version, changes={"region": "Hesse"}
    )
    with run_on_commit():
        merge_row = merge_services.example_merge(actor=mod, source=b, target_id=a.pk, reason="Same")
    first.refresh_from_db()
    assert first.decision == "merge"
    # Decided on the survivor meanwhile: stays decided there after the undo.
    # The moderator accepts it against the survivor as they see it now (a moved
    # suggestion's base version is the merged entry's, so it must be confirmed).
    suggestion_services.suggestion_accept(
        actor=mod,
        suggestion=SuggestedEdit.objects.get(pk=suggestion.pk),
        expected_version=Example.objects.get(pk=a.pk).version,
    )
    with run_on_commit():
        merge_services.example_unmerge(actor=mod, merge=merge_row, reason="Not the same")
    first.refresh_from_db()
    assert first.status == "decided" and first.decision == "merge"
    again = ReviewItem.objects.get(item_type="submitted_entry", object_id=str(b.pk), status="open")
    assert again.pk != first.pk
    assert Example.objects.get(pk=b.pk).status == "submitted"
    suggestion.refresh_from_db()
    assert (suggestion.example_id, suggestion.status) == (a.pk, "accepted")


# --- Undo restores both entries exactly -----------------------------------------------------------

# Moving parts an undo is allowed to change: every write bumps ``version`` and ``modified``.
MOVING = {"version", "modified"}


def _row(instance) -> dict:
    values = {}
    for model_field in instance._meta.concrete_fields:
        if model_field.attname in MOVING:
            continue
        value = getattr(instance, model_field.attname)
        values[model_field.attname] = str(value) if model_field.name == "country" else value
    return values


def full_snapshot(example) -> dict:
    example = Example.objects.get(pk=example.pk)
    return {
        "entry": _row(example),
        "evidence": [_row(row) for row in Evidence.objects.filter(example=example).order_by("pk")],
        "links": [_row(row) for row in PassageLink.objects.filter(example=example).order_by("pk")],
        "contributors": [
            _row(row) for row in ExampleContributor.objects.filter(example=example).order_by("pk")
        ],
        "comments": [
            _row(row) for row in EntryComment.objects.filter(example=example).order_by("pk")
        ],
        "suggestions": [
            _row(row) for row in SuggestedEdit.objects.filter(example=example).order_by("pk")
        ],
        "lifecycle_events": [
            _row(row) for row in LifecycleEvent.objects.filter(example=example).order_by("pk")
        ],
    }


def test_undo_restores_both_entries_exactly(coded_pair, mod, user, other_user, passages):
    a, b = coded_pair
    entry_services.example_update(
        actor=mod, example=a, passages=[PassageLinkData(passage_id=passages[0].pk)]
    )
    entry_services.example_update(
        actor=mod, example=b,
        evidence=[evidence_data(), evidence_data(title="Only in B", url="https://b.example/")],
        passages=[PassageLinkData(passage_id=p.pk) for p in passages[:2]],
    )  # fmt: skip
    editor = UserFactory()
    accepted = suggestion_services.suggestion_create(
        proposer=editor, example=b, changes={"region": "Hesse"}
    )
    suggestion_services.suggestion_accept(actor=mod, suggestion=accepted)
    suggestion_services.suggestion_create(
        proposer=UserFactory(), example=b, changes={"lifecycle": "pilot"}
    )
    root = discussion.comment_create(author=user, example=b, body="Duplicate?")
    discussion.comment_create(author=other_user, example=b, body="Yes.", parent_id=root.pk)
    discussion.comment_create(author=user, example=a, body="About A")
    a_before, b_before = full_snapshot(a), full_snapshot(b)
    versions = (Example.objects.get(pk=a.pk).version, Example.objects.get(pk=b.pk).version)

    merge_row = merge_services.example_merge(
        actor=mod, source=b, target_id=a.pk, reason="Same",
        fields={"title": "source", "operator": "source"},  # the survivor changes
    )  # fmt: skip
    merged = full_snapshot(a)
    assert merged["entry"]["title"] == b.title and merged["entry"]["contestable"] == "yes"
    assert len(merged["evidence"]) == 2 and len(merged["links"]) == 2
    assert len(merged["contributors"]) == 3 and len(merged["comments"]) == 3
    assert len(merged["suggestions"]) == 1

    merge_services.example_unmerge(actor=mod, merge=merge_row, reason="Two systems")
    assert full_snapshot(a) == a_before
    assert full_snapshot(b) == b_before
    # Only the documented moving parts moved: one version for the merge, one for the undo.
    assert (Example.objects.get(pk=a.pk).version, Example.objects.get(pk=b.pk).version) == (
        versions[0] + 2,
        versions[1] + 2,
    )


def test_undo_keeps_what_was_edited_on_the_survivor_since(coded_pair, mod):
    a, b = coded_pair
    merge_row = merge_pair(mod, b, a, "Same", operator="target")
    entry_services.example_update(actor=mod, example=a, changes={"contestable": "no"})
    merge_services.example_unmerge(actor=mod, merge=merge_row, reason="Two systems")
    a.refresh_from_db()
    assert a.contestable == "no"  # the later edit wins
    assert (a.legal_basis, a.legal_note) == ("unknown", "")  # the merge's own change undone
    log = AuditLogEntry.objects.get(action="unmerge")
    assert log.after["fields_kept_edited_since"] == ["contestable"]
    assert log.after["fields_restored"] == ["legal_basis", "legal_note"]


def test_undo_removes_credit_added_by_the_merge_but_not_credit_earned_since(
    coded_pair, mod, user, other_user
):
    a, b = coded_pair
    merge_row = merge_pair(mod, b, a, "Same", operator="target")
    # B's author then has a suggestion of their own accepted on A: that credit is theirs.
    suggestion = suggestion_services.suggestion_create(
        proposer=other_user, example=a, changes={"region": "Hesse"}
    )
    suggestion_services.suggestion_accept(actor=mod, suggestion=suggestion)
    third = UserFactory()
    merge_services.example_unmerge(actor=mod, merge=merge_row, reason="Two systems")
    credited = dict(ExampleContributor.objects.filter(example=a).values_list("user", "role"))
    assert credited == {user.pk: "author", other_user.pk: "editor"}
    assert third.pk not in credited


# --- Backfill ---------------------------------------------------------------------------------------


def test_the_migration_credits_existing_authors_editors_and_live_merges(
    coded_pair, mod, user, other_user
):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("apps.atlas.migrations.0009_backfill_contributors").backfill
    a, b = coded_pair
    editor = UserFactory()
    suggestion = suggestion_services.suggestion_create(
        proposer=editor, example=a, changes={"region": "X"}
    )
    suggestion_services.suggestion_accept(actor=mod, suggestion=suggestion)
    merge_pair(mod, b, a, "Same", operator="target")
    expected = set(ExampleContributor.objects.values_list("example", "user", "role"))
    ExampleContributor.objects.all().delete()
    backfill(apps, None)
    assert set(ExampleContributor.objects.values_list("example", "user", "role")) == expected
    assert expected == {
        (a.pk, user.pk, "author"), (a.pk, editor.pk, "editor"), (a.pk, other_user.pk, "merged"),
        (b.pk, other_user.pk, "author"),
    }  # fmt: skip


def test_long_reasons_are_kept_whole_in_the_history(coded_pair, mod):
    """History rows once held 100 characters (PostgreSQL refused a longer reason: a 500)."""
    a, b = coded_pair
    reason = "The same system, described twice. " * 20
    merge_row = merge_pair(mod, b, a, reason, operator="target")
    latest = a.history.order_by("-history_date", "-history_id").first()
    assert reason.strip() in latest.history_change_reason
    merge_services.example_unmerge(actor=mod, merge=merge_row, reason=reason)
    latest = b.history.order_by("-history_date", "-history_id").first()
    assert reason.strip() in latest.history_change_reason


def test_merge_comparison_page_query_count(
    client, coded_pair, mod, make_published, user, django_assert_max_num_queries, session_read
):
    a, b = coded_pair
    client.force_login(mod)
    # 17: one of them reads both entries' dated lifecycle changes.
    with django_assert_max_num_queries(17 + session_read) as captured:
        assert client.get(merge_url(b), {"into": a.pk}).status_code == 200
    for index in range(5):
        make_published(user, title=f"Another entry {index}")
    with django_assert_max_num_queries(len(captured.captured_queries)):
        assert client.get(merge_url(b), {"into": a.pk}).status_code == 200


def test_admins_see_the_credit_on_the_entry(client, coded_pair, mod, other_user):
    from tests.moderation.conftest import make_admin

    a, b = coded_pair
    merge_pair(mod, b, a, "Same", operator="target")
    client.force_login(make_admin())
    response = client.get(f"/admin/atlas/example/{a.pk}/change/")
    assert response.status_code == 200
    assert "contributors-0-user" in response.content.decode()
    assert f'name="contributors-1-user" value="{other_user.pk}"' in response.content.decode()
