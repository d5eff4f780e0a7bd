"""Coding fixtures: an entry with evidence and the founding paper's Schufa passage,
coders, and citation builders."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from apps.atlas.entries import services as entry_services
from apps.coding.services import CitationData
from apps.coding.services.double_coding import CODERS_GROUP
from apps.sources.models import Passage
from tests.atlas.conftest import api, evidence_data, example_data  # noqa: F401
from tests.factories import UserFactory

SCHUFA_QUOTE = "Schufa uses geo-scoring"


@pytest.fixture
def moderator(db):
    from tests.moderation.conftest import make_moderator

    return make_moderator()


@pytest.fixture
def german_moderator(db):
    from tests.moderation.conftest import make_moderator

    return make_moderator(countries=["DE"])


@pytest.fixture
def french_moderator(db):
    from tests.moderation.conftest import make_moderator

    return make_moderator(countries=["FR"])


@pytest.fixture
def schufa_passage(founding_paper) -> Passage:
    return Passage.objects.select_related("document__source").get(
        document=founding_paper.current_document, text__contains=SCHUFA_QUOTE
    )


@pytest.fixture
def draft(user):
    """A German draft by ``user`` with one piece of evidence."""
    return entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()], confirm_distinct=True
    )


def passage_citation(passage, field="legal_basis", **overrides) -> CitationData:
    values = {
        "field": field,
        "source": passage.document.source.slug,
        "version": passage.document.version,
        "anchor": passage.anchor,
        "quote": SCHUFA_QUOTE,
        "note": "",
    }
    values.update(overrides)
    return CitationData(**values)


def make_coder(**kwargs):
    coder = UserFactory(**kwargs)
    coder.groups.add(Group.objects.get_or_create(name=CODERS_GROUP)[0])
    return coder


@pytest.fixture
def coders(db):
    return [make_coder(), make_coder(), make_coder()]
