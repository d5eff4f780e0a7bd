"""GET /api/search/suggest/?q=: suggestions as you type (countries, entries, sources,
tags). A public payload, the same for everyone: only what anonymous visitors may see."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def suggestions(q: str, client=None) -> list[tuple[str, str]]:
    response = (client or Client()).get("/api/search/suggest/", {"q": q})
    assert response.status_code == 200, response.content
    return [(s["kind"], s["label"]) for s in response.json()["suggestions"]]


def test_suggests_each_kind(founding_paper, make_entry, annotate, user, run_on_commit):
    make_entry(user, title="Schufa geo-scoring")
    with run_on_commit():  # tags are counted once the write commits (TagUsage)
        annotate(user, "A note", tags=["schufa-watch"])
    found = suggestions("schuf")
    assert ("entry", "Schufa geo-scoring") in found
    assert ("tag", "schufa-watch") in found
    assert ("country", "Germany") in suggestions("germ")
    assert ("source", founding_paper.title) in suggestions("exploring")
    # Several words: the last may be unfinished.
    assert suggestions("schufa geo-sc") == [("entry", "Schufa geo-scoring")]


def test_urls_lead_somewhere(founding_paper, make_entry, user):
    entry = make_entry(user, title="Schufa geo-scoring")
    by_label = {
        s["label"]: s["url"]
        for s in Client().get("/api/search/suggest/", {"q": "schufa"}).json()["suggestions"]
    }
    assert by_label["Schufa geo-scoring"] == entry.get_absolute_url()
    germany = Client().get("/api/search/suggest/", {"q": "germany"}).json()["suggestions"]
    assert germany[0]["url"] == "/atlas/countries/DE/"


def test_at_most_eight_mixing_kinds(make_entry, user):
    for n in range(12):
        make_entry(user, title=f"Credit bureau {n}", country="FR")
    found = suggestions("cr")
    assert len(found) == 8
    assert {kind for kind, _label in found} == {"country", "entry"}  # Croatia, Cuba…


def test_never_what_anonymous_visitors_may_not_see(annotate, make_entry, user, other_user):
    annotate(user, "Private", tags=["quokka-secret"], visibility="private")
    make_entry(user, title="Quokka draft entry", status="draft")
    signed_in = Client()
    signed_in.force_login(user)  # even their author: the payload is public
    for client in (Client(), signed_in):
        assert suggestions("quokka", client) == []


@pytest.mark.parametrize("q", ["", "s", " - ", "\u00a0x"])
def test_too_little_typed_gives_nothing(q):
    assert suggestions(q) == []


def test_hostile_input(founding_paper):
    assert Client().get("/api/search/suggest/", {"q": "a" * 101}).status_code == 400
    # tsquery syntax is not passed through.
    for q in ["a:* | b", "'); DROP", "!!!&&&", "<script>alert(1)</script>", "sch\u0000"]:
        response = Client().get("/api/search/suggest/", {"q": q})
        assert response.status_code in (200, 400), q
        assert b"<script>" not in response.content


def test_public_cacheable_and_query_count(
    founding_paper, make_entry, user, django_assert_max_num_queries
):
    make_entry(user, title="Schufa geo-scoring")
    with django_assert_max_num_queries(4):
        response = Client().get("/api/search/suggest/", {"q": "schuf"})
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert "Set-Cookie" not in response


def test_typing_does_not_rebuild_the_entries_and_sources_queries(
    postgres, founding_paper, make_entry, user
):
    """Keystroke after keystroke, the entries' and sources' suggestion queries (their
    visibility subqueries) are compiled once per process, not once per request (issue
    18: rebuilding them cost about 2 ms of each suggestion's 6)."""
    from django.db.models.sql.compiler import SQLCompiler

    from apps.atlas.models import Example
    from apps.sources.models import Source

    make_entry(user, title="Schufa geo-scoring")
    suggestions("schu")  # the first keystroke of the process compiles them
    compiled = []
    as_sql = SQLCompiler.as_sql

    def recording(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", recording):
        assert ("entry", "Schufa geo-scoring") in suggestions("schuf")
        assert ("source", founding_paper.title) in suggestions("explor")
        assert ("source", founding_paper.title) in suggestions("karen wong")
    assert [model for model in compiled if model in (Example, Source)] == []


def test_compiled_queries_still_apply_visibility_and_escape_the_typed_text(
    postgres, founding_paper, make_entry, user, other_user
):
    """The compiled queries keep the selectors' rules (a subquery asked each time, not
    values frozen at the first keystroke), and LIKE's wildcards typed are plain text."""
    from apps.moderation.models import UserModerationState
    from apps.search.suggest import suggest

    make_entry(user, title="Quokka_mapping")
    make_entry(other_user, title="Quokka mapping")

    def labels(text):
        return [(found.kind, found.label) for found in suggest(text)]

    # In the prefix index's order on PostgreSQL, by title on SQLite.
    assert sorted(labels("quokka")) == [("entry", "Quokka mapping"), ("entry", "Quokka_mapping")]
    assert labels("quokka_") == [("entry", "Quokka_mapping")]
    assert labels("quokka%mapping") == []
    UserModerationState.objects.create(user=other_user, shadow_hidden=True)
    assert labels("quokka") == [("entry", "Quokka_mapping")]
    # Up to four words compiled once, more built each time: the same answers.
    assert labels("karen li xan wong") == labels("karen li xan wong karen")
    assert labels("karen li xan wong") == [("source", founding_paper.title)]


def test_sources_kept_in_memory_follow_every_change_at_once(
    make_source, user, moderator, other_user
):
    """Each process keeps the readable sources' titles for the suggestions
    (apps/sources/search_providers.py, ``_readable_sources``): a new source, a hidden one
    and one whose adder is shadow-hidden show, or stop showing, on the next keystroke."""
    from apps.moderation.models import UserModerationState
    from apps.moderation.services.hiding import content_hide, content_unhide

    first = make_source("Wallaby ledger studies", "# H\n\nText.")
    assert suggestions("wallab") == [("source", "Wallaby ledger studies")]
    second = make_source("Wallaby scoring", "# H\n\nText.", authors=("Zed Quist",))
    assert suggestions("wallab") == [
        ("source", "Wallaby ledger studies"), ("source", "Wallaby scoring"),
    ]  # fmt: skip
    assert suggestions("quist wall") == [("source", "Wallaby scoring")]
    content_hide(target=first, actor=moderator)
    assert suggestions("wallab") == [("source", "Wallaby scoring")]
    content_unhide(target=first)
    assert suggestions("wallab") == [
        ("source", "Wallaby ledger studies"), ("source", "Wallaby scoring"),
    ]  # fmt: skip
    UserModerationState.objects.create(user=second.added_by, shadow_hidden=True)
    assert suggestions("wallab") == []  # both were added by the same account


def test_sources_from_memory_equal_the_query(founding_paper, make_source, monkeypatch):
    from django.db import connection

    from apps.search.suggest import suggest
    from apps.sources import search_providers

    make_source("Über Kreditwürdigkeit", "# H\n\nText.", authors=("Anna Öztürk",))
    make_source("Credit scores in Germany", "# H\n\nText.", authors=("Ger Hartmann",))
    make_source("A history of credit", "# H\n\nText.", authors=("Ada Lovelace", "Li Wong"))
    typed = ["ger", "cred", "credit ger", "wong", "karen li xan wong", "his cr"]
    if connection.vendor == "postgresql":
        typed += ["über", "öz"]  # SQLite's UPPER() and LIKE fold ASCII letters only

    def found(text):
        return [(s.kind, s.label, s.url) for s in suggest(text) if s.kind == "source"]

    from_memory = {text: found(text) for text in typed}
    assert from_memory["ger"] and from_memory["wong"] and from_memory["his cr"]
    monkeypatch.setattr(search_providers, "_readable_sources", lambda: None)
    assert {text: found(text) for text in typed} == from_memory
