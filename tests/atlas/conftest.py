"""Atlas fixtures: a moderator, valid input builders, and a published-entry factory."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.entries.data import EvidenceData, ExampleData, PassageLinkData
from apps.sources.models import Passage


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def moderator(db):
    """A global moderator (the Moderators group; apps.moderation owns the roles)."""
    from tests.moderation.conftest import make_moderator

    return make_moderator()


@pytest.fixture
def german_moderator(db):
    """A moderator scoped to Germany (DE)."""
    from tests.moderation.conftest import make_moderator

    return make_moderator(countries=["DE"])


@pytest.fixture
def french_moderator(db):
    """A moderator scoped to France (FR): out of scope for the German entries below."""
    from tests.moderation.conftest import make_moderator

    return make_moderator(countries=["FR"])


def example_data(**overrides) -> ExampleData:
    values = {
        "title": "Schufa geo-scoring",
        "summary": "Credit scores that depend on **where** you live.",
        "country": "DE",
        "category": "geo-scoring",
        "operator": "private",
        "scored": "individuals",
        "data_sources": ["financial", "location"],
        "consequences": ["price_differences", "access_restrictions"],
        "transparency": "opaque",
        "contestable": "yes",
        "legal_basis": "statute",
        "legal_note": "BDSG § 31",
        "lifecycle": "active",
        "start_year": 1927,
        "end_year": None,
        "confidence": "high",
    }
    values.update(overrides)
    return ExampleData(**values)


def evidence_data(**overrides) -> EvidenceData:
    values = {
        "title": "Schufa and the scoring of neighbourhoods",
        "url": "https://example.org/schufa",
        "publisher": "Example Press",
        "published": datetime.date(2018, 11, 28),
        "accessed": datetime.date(2024, 1, 5),
        "page": "3",
        "quote": "Living in a substandard neighbourhood",
    }
    values.update(overrides)
    return EvidenceData(**values)


@pytest.fixture
def schufa_passage(founding_paper) -> Passage:
    return Passage.objects.get(
        document=founding_paper.current_document, text__contains="Schufa uses geo-scoring"
    )


@pytest.fixture
def make_published(moderator):
    """Factory: a published entry by ``author`` (created, submitted, published)."""

    def make(author, *, passages=(), **overrides):
        example = entry_services.example_create(
            author=author,
            data=example_data(**overrides),
            evidence=[evidence_data()],
            passages=[PassageLinkData(passage_id=p.pk) for p in passages],
            submit=True,
            confirm_distinct=True,  # a factory: look-alike entries are made on purpose
        )
        if example.status == "published":  # a trusted author skips pre-moderation
            return example
        return transitions.example_transition(actor=moderator, example=example, to="published")

    return make


def api(user=None):
    """A REST client, authenticated as ``user`` when given."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
