from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.atlas import cache as atlas_cache
from apps.atlas import tasks
from apps.atlas.aggregates import selectors as aggregate_selectors
from apps.atlas.dimensions import Scope
from apps.atlas.entries import data as entry_data
from apps.atlas.entries import selectors as entry_selectors
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.entries.filters import ExampleFilters, parse_filters
from apps.atlas.models import Category, Example, PassageLink
from apps.sources.models import Passage

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db


def _draft(user, **overrides):
    return entry_services.example_create(
        author=user, data=example_data(**overrides), evidence=[evidence_data()],
        confirm_distinct=True,
    )  # fmt: skip


def test_visibility_of_unpublished_entries(user, other_user, moderator, make_published):
    draft = _draft(user, title="My draft")
    published = make_published(other_user, title="Public entry")
    anonymous = AnonymousUser()
    assert list(entry_selectors.example_list(viewer=anonymous)) == [published]
    assert set(entry_selectors.example_list(viewer=user)) == {draft, published}
    assert list(entry_selectors.example_list(viewer=other_user)) == [published]
    assert set(entry_selectors.example_list(viewer=moderator)) == {draft, published}
    with pytest.raises(Http404):
        entry_selectors.example_get(viewer=other_user, example_id=draft.pk)
    with pytest.raises(Http404):
        entry_selectors.example_get(viewer=anonymous, example_id=draft.pk)
    assert entry_selectors.example_get(viewer=user, example_id=draft.pk) == draft
    # Counts and exports never include drafts, even for their author or a moderator.
    assert list(entry_selectors.example_export_list()) == [published]
    assert aggregate_selectors.atlas_aggregates()["total"] == 1


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"category": "astrology"}, "category", "Unknown category “astrology”"),
        ({"country": "XX"}, "country", "Unknown country “XX”"),
        ({"operator": "aliens"}, "operator", "Unknown operator “aliens”"),
        ({"consequence": "fines"}, "consequence", "Unknown consequence “fines”"),
        ({"lifecycle": "zombie"}, "lifecycle", "Unknown lifecycle “zombie”"),
        ({"year": "last"}, "year", "“last” is not a year."),
        ({"year_from": "2020", "year_to": "2010"}, "year_to", "before its start"),
        ({"has_passage": "maybe"}, "has_passage", "has_passage must be true or false."),
        ({"status": "lost"}, "status", "Unknown status “lost”"),
    ],
)
def test_parse_filters_refuses_unknown_values(params, field, message):
    with pytest.raises(ValidationError) as info:
        parse_filters(params)
    assert message in info.value.message_dict[field][0]


def test_parse_filters_normalises():
    filters = parse_filters({"country": "de", "year": "2015", "has_passage": "yes", "page": "2"})
    assert filters == ExampleFilters(country="DE", year_from=2015, year_to=2015, has_passage=True)
    assert filters.as_query() == {
        "country": "DE",
        "year_from": "2015",
        "year_to": "2015",
        "has_passage": "true",
    }


def test_aggregates_are_cached_and_invalidated_on_commit(
    user, moderator, make_published, run_on_commit, django_assert_num_queries
):
    with run_on_commit():
        make_published(user)
    aggregate_selectors.atlas_aggregates()
    with django_assert_num_queries(0):
        assert aggregate_selectors.atlas_aggregates()["total"] == 1
        assert aggregate_selectors.headline() == "1 example in 1 country"
    example = _draft(user, country="CN", title="Red lists")
    transitions.example_transition(actor=user, example=example, to="submitted")
    # Not committed yet (the test transaction stays open): the cached view still holds.
    assert aggregate_selectors.atlas_aggregates()["total"] == 1
    with run_on_commit():
        transitions.example_transition(actor=moderator, example=example, to="published")
    data = aggregate_selectors.atlas_aggregates()
    assert data["total"] == 2
    assert [row["country"] for row in data["countries"]] == ["CN", "DE"]
    assert aggregate_selectors.headline() == "2 examples in 2 countries"


def test_supranational_entries_are_listed_apart(user, make_published):
    make_published(user, country="EU", category="other")
    make_published(user, country="DE")
    data = aggregate_selectors.atlas_aggregates()
    assert [row["country"] for row in data["countries"]] == ["DE"]
    assert data["supranational"] == [
        {"country": "EU", "name": "European Union", "count": 1, "categories": {"other": 1}}
    ]
    assert aggregate_selectors.headline() == "2 examples in 1 country"


def test_rebuild_task_refreshes_the_snapshot(user, make_published, monkeypatch):
    aggregate_selectors.atlas_aggregates()  # cache an empty snapshot
    # A lost invalidation (the write's bumps never reached the cache): stale figures.
    monkeypatch.setattr(atlas_cache, "bump_generation", lambda: None)
    make_published(user)
    monkeypatch.undo()
    assert aggregate_selectors.atlas_aggregates()["total"] == 0
    assert tasks.rebuild_atlas_snapshot.delay().get() == 1
    assert aggregate_selectors.atlas_aggregates()["total"] == 1


def test_generation_bump_survives_an_empty_cache():
    """A lost generation (Redis restarted, key evicted) restarts above every earlier one,
    so aggregates cached under an old number are never served again."""
    atlas_cache.bump_generation()
    before = atlas_cache.generation()
    atlas_cache.cache.clear()
    atlas_cache.bump_generation()
    assert atlas_cache.generation() > before


def test_passage_link_summary_counts_published_entries_and_places(
    user, make_published, schufa_passage
):
    make_published(user, passages=[schufa_passage])
    make_published(user, passages=[schufa_passage], country="AT", title="Austrian scoring")
    make_published(user, passages=[schufa_passage], country="AT", title="Another")
    entry_services.example_create(
        author=user,
        data=example_data(country="FR"),
        evidence=[evidence_data()],
        passages=[entry_data.PassageLinkData(passage_id=schufa_passage.pk)],
    )
    summary = aggregate_selectors.passage_link_summary(passage_ids=[schufa_passage.pk, 0])
    assert summary == {schufa_passage.pk: {"examples": 3, "countries": 2}}


def test_similar_examples(user, other_user, make_published):
    make_published(user, title="Schufa geo-scoring of neighbourhoods")
    make_published(user, title="Tenant blacklists", category="tenant-screening")
    make_published(user, title="Schufa geo-scoring", country="AT")
    hidden = _draft(other_user, title="Schufa geo-scoring draft")
    similar = entry_selectors.similar_examples(
        viewer=user, title="Schufa geo scoring", country="DE"
    )
    titles = [e.title for e in similar]
    assert titles == ["Schufa geo-scoring of neighbourhoods"]
    assert hidden not in similar


# --- Aggregates against a brute-force count ---------------------------------------------------

PLACES = ["DE", "CN", "US", "FR", "EU", "GLOBAL"]
CATEGORIES = ["geo-scoring", "tenant-screening", "government-blacklists"]
STATUSES = ["draft", "submitted", "published", "published", "archived", "rejected"]
OPERATORS = ["state", "private", "unknown"]
CONSEQUENCES = ["rewards", "sanctions", "price_differences"]
LIFECYCLES = ["pilot", "active", "discontinued"]

entry_strategy = st.fixed_dictionaries(
    {
        "place": st.sampled_from(PLACES),
        "category": st.sampled_from(CATEGORIES),
        "status": st.sampled_from(STATUSES),
        "operator": st.sampled_from(OPERATORS),
        "consequences": st.lists(st.sampled_from(CONSEQUENCES), unique=True, max_size=3),
        "lifecycle": st.sampled_from(LIFECYCLES),
        "start_year": st.none() | st.integers(2000, 2020),
        "duration": st.none() | st.integers(0, 8),
        "linked": st.booleans(),
    }
)
filter_strategy = st.fixed_dictionaries(
    {
        "country": st.sampled_from(["", *PLACES]),
        "category": st.sampled_from(["", *CATEGORIES]),
        "operator": st.sampled_from(["", *OPERATORS]),
        "consequence": st.sampled_from(["", *CONSEQUENCES]),
        "lifecycle": st.sampled_from(["", *LIFECYCLES]),
        "year_from": st.none() | st.integers(1998, 2022),
        "span": st.none() | st.integers(0, 10),
        "has_passage": st.none() | st.booleans(),
        "unknown_years": st.booleans(),
    }
)


class _Rollback(Exception):
    pass


def _brute_force(entries, f) -> tuple[dict, dict]:
    countries: dict[str, Counter] = defaultdict(Counter)
    scopes: dict[str, Counter] = defaultdict(Counter)
    year_to = None if f["year_from"] is None or f["span"] is None else f["year_from"] + f["span"]
    for e in entries:
        end = (
            None
            if e["start_year"] is None or e["duration"] is None
            else e["start_year"] + e["duration"]
        )
        consequences = e["consequences"] or ["unknown"]
        if e["status"] != "published":
            continue
        if f["country"] and e["place"] != f["country"]:
            continue
        if f["category"] and e["category"] != f["category"]:
            continue
        if f["operator"] and e["operator"] != f["operator"]:
            continue
        if f["consequence"] and f["consequence"] not in consequences:
            continue
        if f["lifecycle"] and e["lifecycle"] != f["lifecycle"]:
            continue
        ranged = f["year_from"] is not None or year_to is not None
        if ranged and e["start_year"] is None and not f["unknown_years"]:
            continue
        if f["year_from"] is not None and end is not None and end < f["year_from"]:
            continue
        if year_to is not None and e["start_year"] is not None and e["start_year"] > year_to:
            continue
        if f["has_passage"] is not None and e["linked"] != f["has_passage"]:
            continue
        target = scopes if e["place"] in Scope.values else countries
        target[e["place"]][e["category"]] += 1
    return countries, scopes


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(entry_strategy, max_size=12), f=filter_strategy)
def test_aggregates_equal_a_brute_force_count(founding_paper, entries, f):
    passage = Passage.objects.filter(document=founding_paper.current_document).first()
    categories = {c.slug: c for c in Category.objects.filter(slug__in=CATEGORIES)}
    filters = ExampleFilters(
        country=f["country"],
        category=f["category"],
        operator=f["operator"],
        consequence=f["consequence"],
        lifecycle=f["lifecycle"],
        year_from=f["year_from"],
        year_to=None if f["year_from"] is None or f["span"] is None else f["year_from"] + f["span"],
        has_passage=f["has_passage"],
        unknown_years=f["unknown_years"],
    )
    atlas_cache.cache.clear()
    try:
        with transaction.atomic():
            for index, e in enumerate(entries):
                is_scope = e["place"] in Scope.values
                start = e["start_year"]
                example = Example.objects.create(
                    title=f"Entry {index}",
                    slug=f"entry-{index}",
                    summary="s",
                    country="" if is_scope else e["place"],
                    scope=e["place"] if is_scope else "",
                    category=categories[e["category"]],
                    status=e["status"],
                    operator=e["operator"],
                    consequences=e["consequences"] or ["unknown"],
                    lifecycle=e["lifecycle"],
                    start_year=start,
                    end_year=None
                    if start is None or e["duration"] is None
                    else start + e["duration"],
                )
                if e["linked"]:
                    PassageLink.objects.create(example=example, passage=passage)
            data = aggregate_selectors.atlas_aggregates(filters=filters)
            raise _Rollback
    except _Rollback:
        pass
    countries, scopes = _brute_force(entries, f)
    got_countries = {row["country"]: row["categories"] for row in data["countries"]}
    got_scopes = {row["country"]: row["categories"] for row in data["supranational"]}
    assert got_countries == {code: dict(c) for code, c in countries.items()}
    assert got_scopes == {code: dict(c) for code, c in scopes.items()}
    for row in data["countries"] + data["supranational"]:
        assert row["count"] == sum(row["categories"].values())
    assert data["total"] == sum(sum(c.values()) for c in [*countries.values(), *scopes.values()])
