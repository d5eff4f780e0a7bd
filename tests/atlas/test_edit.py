"""Editing an entry: the form for its author and moderators, the version carried in a
hidden field (a stale save is a 409 showing what changed), and If-Match/ETag in the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.entries.data import PassageLinkData
from apps.atlas.models import Evidence, Example, PassageLink
from apps.atlas.starter import load_starter_data
from apps.sources.models import Passage

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db


def edit_url(example) -> str:
    return f"/atlas/examples/{example.pk}/{example.slug}/edit/"


def edit_post(example, *, evidence=None, links=None, **overrides) -> dict:
    """What the edit form posts when nothing is changed, with ``overrides`` applied."""
    example.refresh_from_db()
    data = {
        "title": example.title,
        "summary": example.summary,
        "country": example.place_code,
        "region": example.region,
        "category": example.category.slug,
        "operator": example.operator,
        "scored": example.scored,
        "data_sources": [v for v in example.data_sources if v != "unknown"],
        "consequences": [v for v in example.consequences if v != "unknown"],
        "transparency": example.transparency,
        "contestable": example.contestable,
        "legal_basis": example.legal_basis,
        "legal_note": example.legal_note,
        "lifecycle": example.lifecycle,
        "start_year": example.start_year or "",
        "end_year": example.end_year or "",
        "confidence": example.confidence,
        "relation": "comparable",
        "passage": "",
        "version": example.version,
        "action": "save",
    }
    rows = evidence if evidence is not None else [
        {"title": e.title, "url": e.url, "doi": e.doi, "source": e.source_id or "",
         "published": e.published or "", "accessed": e.accessed or ""}
        for e in example.evidence.all()
    ]  # fmt: skip
    data |= {
        "evidence-TOTAL_FORMS": str(len(rows)),
        "evidence-INITIAL_FORMS": str(example.evidence.count()),
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"evidence-{index}-{key}"] = value
    link_rows = links if links is not None else [
        {"passage": link.passage_id, "relation": link.relation, "note": link.note}
        for link in example.passage_links.all()
    ]  # fmt: skip
    data |= {
        "links-TOTAL_FORMS": str(len(link_rows)),
        "links-INITIAL_FORMS": str(example.passage_links.count()),
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(link_rows):
        for key, value in row.items():
            data[f"links-{index}-{key}"] = value
    data.update(overrides)
    return data


@pytest.fixture
def entry(user, schufa_passage):
    return entry_services.example_create(
        author=user,
        data=example_data(),
        evidence=[
            evidence_data(),
            evidence_data(title="Second source", url="https://example.org/2"),
        ],
        passages=[PassageLinkData(passage_id=schufa_passage.pk, note="Same mechanism")],
    )


# --- The form ---------------------------------------------------------------------------


def test_author_opens_the_filled_in_form(user_client, entry, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = user_client.get(edit_url(entry))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Edit this entry" in html
    assert 'name="version" value="1"' in html
    assert 'value="Schufa geo-scoring"' in html
    assert 'value="Second source"' in html
    assert "Schufa uses geo-scoring" in html and 'value="Same mechanism"' in html
    assert "Unlink this passage" in html and "Remove this source" in html
    entry_page = user_client.get(entry.get_absolute_url()).content.decode()
    assert edit_url(entry) in entry_page


def test_edit_form_query_count_does_not_grow(
    user_client, user, founding_paper, django_assert_max_num_queries
):
    passages = list(Passage.objects.filter(document=founding_paper.current_document)[:6])
    small = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()],
        passages=[PassageLinkData(passage_id=passages[0].pk)],
    )  # fmt: skip
    large = entry_services.example_create(
        author=user, data=example_data(title="Another"),
        evidence=[evidence_data(title=f"Source {n}") for n in range(5)],
        passages=[PassageLinkData(passage_id=p.pk) for p in passages],
    )  # fmt: skip
    with django_assert_max_num_queries(12) as before:
        user_client.get(edit_url(small))
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert user_client.get(edit_url(large)).status_code == 200


def test_strangers_cannot_edit(client, other_user, entry, make_published, user):
    assert client.get(edit_url(entry)).status_code == 302  # sign in first
    client.force_login(other_user)
    assert client.get(edit_url(entry)).status_code == 404  # a draft does not exist for them
    published = make_published(user, title="Published one")
    assert client.get(edit_url(published)).status_code == 403
    response = client.post(edit_url(published), edit_post(published, title="Vandalised"))
    assert response.status_code == 403
    assert Example.objects.get(pk=published.pk).title == "Published one"


def test_wrong_slug_redirects_to_the_edit_url(user_client, entry):
    response = user_client.get(f"/atlas/examples/{entry.pk}/old-title/edit/")
    assert response.status_code == 302 and response["Location"] == edit_url(entry)


def test_author_saves_fields_evidence_and_links(user_client, entry, founding_paper):
    other_passage = Passage.objects.filter(document=founding_paper.current_document).first()
    link = entry.passage_links.get()
    data = edit_post(
        entry,
        title="Schufa neighbourhood scoring",
        lifecycle="discontinued",
        end_year="2020",
        consequences=["sanctions", "public_naming"],
        evidence=[
            {
                "title": "Schufa and the scoring of neighbourhoods",
                "url": "https://example.org/schufa",
                "published": "2018-11-28",
            },
            {"title": "Second source", "url": "https://example.org/2", "DELETE": "on"},
            {"title": "A third source", "doi": "10.1234/abcd", "accessed": "2024-02-01"},
        ],
        links=[{"passage": link.passage_id, "relation": "illustrates", "note": "Changed note"}],
        passage=other_passage.pk,
        relation="contrasts",
    )
    data["evidence-TOTAL_FORMS"] = "3"
    response = user_client.post(edit_url(entry), data)
    assert response.status_code == 302, response.content.decode()
    entry.refresh_from_db()
    assert (entry.title, entry.slug, entry.version) == (
        "Schufa neighbourhood scoring", "schufa-neighbourhood-scoring", 2,
    )  # fmt: skip
    assert (entry.lifecycle, entry.end_year) == ("discontinued", 2020)
    assert entry.consequences == ["sanctions", "public_naming"]
    assert [e.title for e in entry.evidence.all()] == [
        "Schufa and the scoring of neighbourhoods", "A third source",
    ]  # fmt: skip
    assert Evidence.objects.get(title="A third source").doi == "10.1234/abcd"
    links = {(x.passage_id, x.relation, x.note) for x in entry.passage_links.all()}
    assert links == {
        (link.passage_id, "illustrates", "Changed note"), (other_passage.pk, "contrasts", ""),
    }  # fmt: skip
    assert response["Location"] == entry.get_absolute_url()


def test_unlinking_a_passage(user_client, entry):
    link = entry.passage_links.get()
    data = edit_post(
        entry, links=[{"passage": link.passage_id, "relation": "comparable", "DELETE": "on"}]
    )
    assert user_client.post(edit_url(entry), data).status_code == 302
    assert PassageLink.objects.filter(example=entry).count() == 0


def test_moderator_edit_keeps_hosted_source_evidence(client, moderator, founding_paper):
    list(load_starter_data())
    starter = Example.objects.get(title__contains="Schufa")
    assert starter.evidence.get().source_id == founding_paper.pk
    client.force_login(moderator)
    response = client.post(edit_url(starter), edit_post(starter, region="Wiesbaden"))
    assert response.status_code == 302, response.content.decode()
    starter.refresh_from_db()
    assert starter.region == "Wiesbaden" and starter.status == "published"
    assert starter.evidence.get().source_id == founding_paper.pk


def test_bad_input_is_shown_and_nothing_is_stored(user_client, entry):
    data = edit_post(entry, start_year="2015", end_year="2010", title="Changed")
    response = user_client.post(edit_url(entry), data)
    assert response.status_code == 400
    assert "The end year (2010) is before the start year (2015)." in response.content.decode()
    data = edit_post(
        entry,
        evidence=[{"title": "Only one", "url": "https://example.org/x", "DELETE": "on"}],
        title="Changed",
    )
    data["evidence-INITIAL_FORMS"] = "1"
    response = user_client.post(edit_url(entry), data)
    assert response.status_code == 400
    assert "Add at least one piece of evidence" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.title, entry.version, entry.evidence.count()) == ("Schufa geo-scoring", 1, 2)


# --- Conflicts --------------------------------------------------------------------------


def test_stale_save_is_a_conflict_showing_what_changed(client, user, moderator, entry):
    client.force_login(user)
    stale = edit_post(entry, region="Hesse")  # the author opened the form at version 1
    entry_services.example_update(
        actor=moderator,
        example=entry,
        changes={"title": "Schufa geo-scoring (Germany)", "operator": "public_private"},
        expected_version=1,
    )
    response = client.post(edit_url(entry), stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this entry since you opened it" in html
    assert "What changed since you opened this page" in html
    assert "<del>Schufa geo-scoring</del>" in html
    assert "<ins>Schufa geo-scoring (Germany)</ins>" in html
    assert "<del>Private company</del>" in html and "<ins>Public–private partnership</ins>" in html
    assert 'value="Hesse"' in html  # the editor's input is kept
    assert 'name="version" value="2"' in html  # ... and saving again is a knowing choice
    entry.refresh_from_db()
    assert (entry.region, entry.title, entry.version) == ("", "Schufa geo-scoring (Germany)", 2)
    again = client.post(edit_url(entry), edit_post(entry, region="Hesse"))
    assert again.status_code == 302
    entry.refresh_from_db()
    assert (entry.region, entry.title, entry.version) == (
        "Hesse",
        "Schufa geo-scoring (Germany)",
        3,
    )


def test_conflict_lists_evidence_link_and_status_changes(user, moderator, entry):
    from apps.atlas.history import selectors as history_selectors

    entry_services.example_update(
        actor=user, example=entry, evidence=[evidence_data(title="Replaced")], passages=[]
    )
    transitions.example_transition(actor=user, example=entry, to="submitted")
    entry.refresh_from_db()
    changes = {
        c.field: c for c in history_selectors.example_changes_since(example=entry, version=1)
    }
    assert set(changes) == {"evidence", "passages", "status"}
    assert "Second source" in changes["evidence"].before
    assert changes["evidence"].after == "Replaced <https://example.org/schufa>"
    assert changes["passages"].after == "—"
    assert (changes["status"].before, changes["status"].after) == ("Draft", "Submitted for review")
    assert history_selectors.example_changes_since(example=entry, version=entry.version) == []


# --- API --------------------------------------------------------------------------------


@pytest.fixture
def author_api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_get_returns_the_version_as_etag(author_api, entry):
    response = author_api.get(f"/api/examples/{entry.pk}/")
    assert response["ETag"] == '"1"'


def test_api_patch_honours_if_match(author_api, moderator, entry):
    url = f"/api/examples/{entry.pk}/"
    response = author_api.patch(url, {"region": "Bavaria"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert response.json()["version"] == 2
    entry_services.example_update(actor=moderator, example=entry, changes={"lifecycle": "pilot"})
    response = author_api.patch(url, {"region": "Hesse"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 409
    body = response.json()
    assert "Someone else changed this entry" in body["detail"]
    assert body["current_version"] == 3 and response["ETag"] == '"3"'
    assert body["changes"] == [
        {"field": "lifecycle", "label": "Lifecycle", "before": "Active", "after": "Pilot"}
    ]
    entry.refresh_from_db()
    assert (entry.region, entry.version) == ("Bavaria", 3)
    weak = author_api.patch(url, {"region": "Hesse"}, format="json", HTTP_IF_MATCH='W/"3"')
    assert weak.status_code == 200 and weak["ETag"] == '"4"'
    anything = author_api.patch(url, {"region": "Saxony"}, format="json", HTTP_IF_MATCH="*")
    assert anything.status_code == 200


def test_api_bad_if_match_is_a_400_and_stores_nothing(author_api, entry):
    url = f"/api/examples/{entry.pk}/"
    response = author_api.patch(url, {"region": "X"}, format="json", HTTP_IF_MATCH='"abc"')
    assert response.status_code == 400
    assert "is not an entity tag of this entry" in response.json()["detail"]
    response = author_api.patch(
        url, {"region": "X", "version": 2}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400
    assert "name different versions" in response.json()["detail"]
    entry.refresh_from_db()
    assert (entry.region, entry.version) == ("", 1)
