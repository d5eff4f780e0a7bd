"""POST /api/annotations/ answers from the annotation it has just stored
(``selectors.annotation_as_written``) instead of reading it again: the answer must be
the very bytes the detail endpoint (``annotation_get``) gives the author for it, in both
shapes and for every kind of new note and author."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.annotations import services
from apps.moderation.models import UserModerationState
from tests.factories import UserFactory
from tests.moderation.conftest import make_admin, make_moderator, make_trusted

from .conftest import JSONLD, LIST

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_throttle_cache")]


def _author(kind: str):
    if kind == "moderator":
        return make_moderator()
    if kind == "scoped-moderator":
        return make_moderator(countries=["FR"])
    if kind == "admin":
        return make_admin()
    if kind == "trusted":
        return make_trusted()
    user = UserFactory(display_name="Ada L." if kind == "named" else "")
    if kind in ("premoderated", "shadow-hidden"):
        UserModerationState.objects.create(
            user=user,
            premoderate_annotations=kind == "premoderated",
            shadow_hidden=kind == "shadow-hidden",
        )
    return user


def _token_client(user, accept: str | None) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}
    if accept:
        headers["HTTP_ACCEPT"] = accept
    return Client(**headers)


def _posted_and_read_again(client, data):
    response = client.post(LIST, json.dumps(data), content_type="application/json")
    assert response.status_code == 201, response.content
    return response, _detail(client, response)


def _detail(client, response):
    """The detail endpoint's answer for the note ``response`` created (its ``id`` is a
    number in JSON, the detail URL in JSON-LD)."""
    pk = str(response.json()["id"]).rstrip("/").rsplit("/", 1)[-1]
    detail = client.get(f"{LIST}{pk}/")
    assert detail.status_code == 200
    return detail


CASES = {
    "public, position": {"visibility": "public"},
    "private": {"visibility": "private"},
    "source note": {"target": None, "tags": ["whole-source"]},
    "quote, a mention, tags": {
        "target": "quote",
        "body": "See **this** and <b>that</b>, @nobody-here",
        "tags": ["Platforms", "country:cn", "load-test"],
    },
    "highlight, no body": {"motivation": "highlighting", "body": "", "tags": ["x"]},
}
AUTHORS = ["plain", "named", "premoderated", "shadow-hidden", "trusted", "moderator",
           "scoped-moderator", "admin"]  # fmt: skip


def _payload(document, case: dict) -> dict:
    quote = "Sesame Credit"
    start = document.text.index(quote)
    data = {"source": document.source.slug, "body": "A note.", "tags": ["load-test"]}
    data.update({key: value for key, value in case.items() if key != "target"})
    target = case.get("target", "position")
    if target == "position":
        selector = {"type": "TextPositionSelector", "start": start, "end": start + len(quote)}
        data["target"] = {"selector": [selector]}
    elif target == "quote":
        data["target"] = {"selector": [{"type": "TextQuoteSelector", "exact": quote}]}
    return data


@pytest.mark.parametrize("accept", [None, JSONLD], ids=["json", "jsonld"])
@pytest.mark.parametrize("author_kind", AUTHORS)
@pytest.mark.parametrize("case", list(CASES))
def test_the_answer_is_byte_for_byte_the_detail_endpoints(document, accept, author_kind, case):
    client = _token_client(_author(author_kind), accept)
    response, detail = _posted_and_read_again(client, _payload(document, CASES[case]))
    assert response.content == detail.content
    assert response["Content-Type"] == detail["Content-Type"]


@pytest.mark.parametrize("accept", [None, JSONLD], ids=["json", "jsonld"])
def test_a_group_note_answers_as_the_detail_endpoint(document, accept):
    owner = UserFactory()
    group = services.group_create(creator=owner, name="Scoring seminar")
    data = _payload(document, {"visibility": "group"}) | {"group": group.slug}
    response, detail = _posted_and_read_again(_token_client(owner, accept), data)
    assert response.json()["group" if accept is None else "audience"]
    assert response.content == detail.content


def test_a_reply_and_a_note_on_an_older_version_are_read_again(
    document, make_annotation, django_capture_on_commit_callbacks
):
    """Not written on the current version (its anchor there comes from re-anchoring) or
    a reply (its source and version are its parent's): the answer reads the note again,
    and is still what the detail endpoint says."""
    from tests.annotations.test_services import _new_version

    author = UserFactory()
    client = _token_client(author, None)
    parent = make_annotation(author)
    response, detail = _posted_and_read_again(client, {"parent": parent.pk, "body": "Yes."})
    assert response.content == detail.content
    revised = document.text.replace("Sesame Credit", "Sesame  Credit")
    with django_capture_on_commit_callbacks(execute=True):
        _new_version(document.source, revised)
    data = _payload(document, {}) | {"version": document.version}
    response, detail = _posted_and_read_again(client, data)
    # The anchor shown is on the current version, which re-anchoring has not reached yet
    # (the stored one, on the version written on, is not it).
    assert response.json()["version"] == document.version
    assert response.json()["anchor"] is None
    assert response.content == detail.content
