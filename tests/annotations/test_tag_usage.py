"""Tag suggestions from the tags in public use site-wide (``TagUsage``): kept per tag by
the annotation writes (never a recount of every tag), one indexed query per typed
prefix, cached; private, group, hidden and deleted notes' tags are never suggested."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.annotations import selectors, services
from apps.annotations.models import TagUsage
from apps.annotations.tag_selectors import tag_suggestions

pytestmark = pytest.mark.django_db
API = "/api/annotations/tags/"


def counts() -> dict[str, int]:
    return dict(TagUsage.objects.filter(public_count__gt=0).values_list("tag", "public_count"))


def suggested(client, typed: str) -> list[str]:
    response = client.get(API, {"q": typed})
    assert response.status_code == 200
    return [row["tag"] for row in response.json()["tags"]]


def test_public_tags_counted_and_suggested_site_wide(client, user, other_user, make_annotation, run_on_commit):  # fmt: skip
    with run_on_commit():
        make_annotation(user, tags=["surveillance", "country:DE"])
        make_annotation(other_user, tags=["surveillance", "scoring"])
        make_annotation(other_user, tags=["secret-plan"], visibility="private")
    assert counts() == {"surveillance": 2, "country:DE": 1, "scoring": 1}
    assert suggested(client, "s") == ["surveillance", "scoring"]  # most used first
    assert suggested(client, "SURV") == ["surveillance"]
    assert suggested(client, "country-d") == ["country:DE"]
    assert suggested(client, "country:d") == ["country:DE"]
    assert suggested(client, "secret") == []  # a private note's tag: never


def test_every_write_keeps_the_counts(client, user, moderator, make_annotation, run_on_commit):
    with run_on_commit():
        note = make_annotation(user, tags=["alpha", "beta"])
    with run_on_commit():
        services.annotation_update(annotation=note, user=user, tags=["beta", "gamma"])
    assert counts() == {"beta": 1, "gamma": 1}
    with run_on_commit():
        services.annotation_hide(annotation=note, moderator=moderator)
    assert counts() == {}
    assert suggested(client, "gam") == []
    with run_on_commit():
        services.annotation_restore(annotation=note, moderator=moderator)
    assert counts() == {"beta": 1, "gamma": 1}
    with run_on_commit():
        services.annotation_update(annotation=note, user=user, visibility="private")
    assert counts() == {}
    with run_on_commit():
        services.annotation_update(annotation=note, user=user, visibility="public")
        other = make_annotation(user, quote="credit", tags=["gamma"])
    assert counts() == {"beta": 1, "gamma": 2}
    with run_on_commit():
        services.annotation_delete(annotation=other, user=user)
    assert counts() == {"beta": 1, "gamma": 1}


def test_group_notes_tags_are_not_suggested(client, user, make_annotation, run_on_commit):
    with run_on_commit():
        group = services.group_create(creator=user, name="Seminar", description="", access="invite")
        make_annotation(user, tags=["seminar-only"], visibility="group", group=group)
    assert counts() == {} and suggested(client, "semi") == []


def test_shadow_hidden_author_tags_leave_and_return(client, user, make_annotation, run_on_commit):
    from apps.moderation.services.roles import user_set_shadow_hidden
    from tests.moderation.conftest import make_admin

    admin = make_admin()
    with run_on_commit():
        make_annotation(user, tags=["spam-ish"])
    with run_on_commit():
        user_set_shadow_hidden(actor=admin, user=user, hidden=True, reason="Spam.")
    assert counts() == {}
    with run_on_commit():
        user_set_shadow_hidden(actor=admin, user=user, hidden=False, reason="Cleared.")
    assert counts() == {"spam-ish": 1}


def test_a_write_recounts_only_its_own_tags(user, make_annotation, run_on_commit, monkeypatch):
    with run_on_commit():
        for n in range(5):
            make_annotation(user, tags=[f"tag{n}"])
    asked = []
    real = selectors.public_tag_counts
    monkeypatch.setattr(
        selectors, "public_tag_counts", lambda tags=None: asked.append(tags) or real(tags)
    )
    with run_on_commit():
        make_annotation(user, quote="credit", tags=["tag1", "new"])
    assert asked == [["new", "tag1"]]  # never None (every tag)
    assert counts()["tag1"] == 2 and counts()["tag4"] == 1


def test_one_indexed_query_then_the_cache(client, user, make_annotation, run_on_commit, django_assert_num_queries):  # fmt: skip
    with run_on_commit():
        make_annotation(user, tags=["surveillance"])
    cache.clear()
    with django_assert_num_queries(1):
        assert tag_suggestions(typed="sur") == [("surveillance", 1)]
    with django_assert_num_queries(0):
        assert tag_suggestions(typed="sur") == [("surveillance", 1)]
    with django_assert_num_queries(0):  # the API's second answer comes from the page cache
        suggested(client, "sur")
        suggested(client, "sur")
    if connection.vendor == "postgresql":
        with CaptureQueriesContext(connection) as captured:
            tag_suggestions(typed="zz-uncached")
        plan = connection.cursor()
        plan.execute("SET enable_seqscan = off")
        plan.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
        assert "tag_usage_key_prefix" in " ".join(row[0] for row in plan.fetchall())


def test_rebuild_repairs_what_no_event_announced(user, make_annotation, run_on_commit):
    with run_on_commit():
        make_annotation(user, tags=["kept"])
    TagUsage.objects.all().delete()
    TagUsage.objects.create(tag="ghost", key="ghost", public_count=3)
    assert services.tag_usage_rebuild() == 1
    assert counts() == {"kept": 1}


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 65},
        {"q": "a", "limit": "0"},
        {"q": "a", "limit": "21"},
        {"q": "a", "limit": "x"},
    ],
)
def test_bad_queries_are_400(client, params):
    assert client.get(API, params).status_code == 400


def test_empty_and_hostile_prefixes(client):
    assert suggested(client, "") == []
    assert suggested(client, "%") == []  # LIKE wildcards are escaped
    assert suggested(client, "_") == []
    assert client.get(API, {"q": "a\x00"}).status_code == 400
