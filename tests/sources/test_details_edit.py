"""A source's stewards correct its bibliographic record (page and API PATCH): audited,
kept in its history, seen at once by every reader (caches on) and by search; nobody
else may, and bad input changes nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.moderation.models import AuditAction, AuditLogEntry
from apps.search import registry
from apps.search.models import SourceSearchIndex
from apps.search.providers import SearchRequest, is_postgres
from apps.search.query import parse_query
from apps.sources.models import Source
from tests.conftest import require
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator
from tests.personal import page_with_personal_layer

pytestmark = pytest.mark.django_db

FIELDS = {
    "title": "Scoring in Europe, revised",
    "authors": "Ada Lovelace\nGrace Hopper\nKaren Spärck Jones",
    "year": "2022",
    "published_on": "2022-06-17",
    "source_type": "paper",
    "venue": "Journal of Ratings",
    "volume": "7",
    "issue": "2",
    "pages": "11-29",
    "publisher": "",
    "doi": "https://doi.org/10.1234/ABCD.5",
    "url": "https://journal.example/ratings/7/2",
    "licence": "CC BY 4.0",
    "licence_url": "https://creativecommons.org/licenses/by/4.0/",
    "abstract": "How ratings spread.",
    "reason": "The journal's record",
}


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(source) -> str:
    return reverse("sources:details_edit", args=[source.slug])


def snapshot(source) -> dict:
    source = Source.objects.get(pk=source.pk)
    return {name: getattr(source, name) for name in ("title", "authors", "doi", "year", "venue")}


def test_a_maintainer_corrects_the_record_on_the_page(client, make_source, user, run_on_commit):
    source = make_source()
    anonymous = client.get(source.get_absolute_url())  # cached for everyone
    assert "Scoring in Europe, revised" not in anonymous.content.decode()
    client.force_login(user)
    page = client.get(url(source))
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("private")
    assert (
        'id="id_slug"' not in page.content.decode()
        and 'id="id_language"' not in page.content.decode()
    )
    with run_on_commit():
        saved = client.post(url(source), FIELDS)
    assert saved.status_code == 302 and saved["Location"] == source.get_absolute_url()
    source = Source.objects.get(pk=source.pk)
    assert source.title == "Scoring in Europe, revised"
    assert source.authors == ["Ada Lovelace", "Grace Hopper", "Karen Spärck Jones"]
    assert (source.doi, source.pages, str(source.published_on)) == (
        "10.1234/ABCD.5",
        "11-29",
        "2022-06-17",
    )
    row = source.history.order_by("-history_date").first()
    assert (row.history_change_reason, row.history_user_id) == ("The journal's record", user.pk)
    log = AuditLogEntry.objects.get(action=AuditAction.SOURCE_EDIT)
    assert log.actor_id == user.pk
    assert log.before["title"] == "Scoring in Europe" and log.after["title"] == source.title
    assert "slug" not in log.after
    # The next anonymous reader gets the new record (the public cache is not stale).
    client.logout()
    assert "Scoring in Europe, revised" in client.get(source.get_absolute_url()).content.decode()


def test_the_steward_sees_the_link_and_nobody_else_does(client, make_source, user, other_user):
    source = make_source()
    client.force_login(user)
    assert url(source) in page_with_personal_layer(client, source.get_absolute_url())
    client.force_login(other_user)
    assert url(source) not in page_with_personal_layer(client, source.get_absolute_url())


def test_nobody_else_may(client, make_source, other_user):
    source = make_source()
    before = snapshot(source)
    client.force_login(other_user)
    assert client.get(url(source)).status_code == 403
    assert client.post(url(source), FIELDS).status_code == 403
    client.force_login(make_moderator(countries=["DE"]))  # country moderators keep no sources
    assert client.post(url(source), FIELDS).status_code == 403
    client.logout()
    assert client.post(url(source), FIELDS).status_code == 302  # to sign in
    assert snapshot(source) == before
    assert not AuditLogEntry.objects.filter(action=AuditAction.SOURCE_EDIT).exists()


def test_moderators_keep_a_source_without_maintainers(client, founding_paper):
    client.force_login(make_moderator())
    fields = {**FIELDS, "title": "Exploring China's Social Credit System (corrected)"}
    assert client.post(url(founding_paper), fields).status_code == 302
    assert Source.objects.get(pk=founding_paper.pk).title.endswith("(corrected)")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": "  "}, "title"),
        ({"authors": "\n \n"}, "authors"),
        ({"doi": "not a doi"}, "doi"),
        ({"year": "3000"}, "year"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"venue": "v" * 301}, "venue"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_saved(client, make_source, user, change, field):
    source = make_source()
    before = snapshot(source)
    client.force_login(user)
    page = client.post(url(source), {**FIELDS, **change})
    assert page.status_code == 400
    assert page.context["form"].errors[field]
    assert snapshot(source) == before


def test_an_unchanged_record_writes_nothing(client, make_source, user):
    source = make_source()
    client.force_login(user)
    fields = {**FIELDS, "title": source.title, "authors": "\n".join(source.authors)}
    client.post(url(source), fields)
    rows = Source.history.filter(id=source.pk).count()
    client.post(url(source), fields)
    assert Source.history.filter(id=source.pk).count() == rows
    assert AuditLogEntry.objects.filter(action=AuditAction.SOURCE_EDIT).count() == 1


def test_the_api_patch(make_source, user, other_user, run_on_commit):
    source = make_source()
    endpoint = f"/api/sources/{source.slug}/"
    with run_on_commit():
        answer = api(user).patch(
            endpoint, {"title": "Scoring, revised", "authors": ["A. Lovelace"], "doi": "10.1234/x"},
            format="json",
        )  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert answer.json()["title"] == "Scoring, revised"
    assert Source.objects.get(pk=source.pk).authors == ["A. Lovelace"]
    assert Source.objects.get(pk=source.pk).year == 2022  # what was not sent stays
    assert api(other_user).patch(endpoint, {"title": "Mine"}, format="json").status_code == 403
    refused = api().patch(endpoint, {"title": "Mine"}, format="json")
    assert refused.status_code == 401 and refused["WWW-Authenticate"]
    assert Source.objects.get(pk=source.pk).title == "Scoring, revised"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"slug": "elsewhere"}, "slug"),
        ({"language": "de"}, "language"),
        ({"colour": "red"}, "colour"),
        ({"doi": "10"}, "doi"),
        ({"title": ""}, "title"),
        ({"authors": []}, "authors"),
        ({"year": "MMXXII"}, "year"),
    ],
)
def test_the_api_names_what_it_refuses(make_source, user, body, field):
    source = make_source()
    before = snapshot(source)
    answer = api(user).patch(f"/api/sources/{source.slug}/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert snapshot(source) == before


def test_hostile_bodies_are_400s(make_source, user):
    source = make_source()
    before = snapshot(source)
    client = api(user)
    endpoint = f"/api/sources/{source.slug}/"
    assert client.patch(endpoint, ["title"], format="json").status_code == 400
    nul = json.dumps({"title": "Scoring\u0000"})
    assert client.patch(endpoint, nul, content_type="application/json").status_code == 400
    assert snapshot(source) == before


def test_search_finds_the_corrected_title(client, make_source, user, run_on_commit):
    require(is_postgres(), "the search index is PostgreSQL only")
    source = make_source()
    client.force_login(user)
    with run_on_commit():
        client.post(url(source), {**FIELDS, "title": "Quokka ratings in Europe"})
    # The source's index row is written again (its vector has the new title's words).
    vector = SourceSearchIndex.objects.values_list("vector", flat=True).get(source_id=source.pk)
    assert "quokka" in str(vector)
    provider = registry.providers()["source"]
    found = provider.find(
        SearchRequest(query=parse_query("quokka"), viewer=UserFactory()), limit=10, facet_names=()
    )
    assert [pk for _score, pk in found.ranked] == [source.pk]
