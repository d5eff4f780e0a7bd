import time
from dataclasses import asdict

import pytest

from apps.atlas import cache as atlas_cache
from apps.atlas import tasks
from apps.atlas.aggregates import selectors as aggregate_selectors
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.entries.filters import ExampleFilters
from apps.atlas.taxonomy import ensure_default_categories

from .conftest import evidence_data, example_data


@pytest.mark.django_db
def test_rebuild_task_is_idempotent(user, make_published):
    make_published(user)
    assert tasks.rebuild_atlas_snapshot.delay().get() == 1
    assert tasks.rebuild_atlas_snapshot.delay().get() == 1


def test_beat_schedule_has_the_snapshot_rebuild():
    from project.celery import app

    entry = app.conf.beat_schedule["atlas-rebuild-snapshot"]
    assert entry["task"] == "apps.atlas.tasks.rebuild_atlas_snapshot"


@pytest.mark.worker
def test_publishing_rebuilds_the_snapshot_on_a_real_worker(celery_worker_real):
    from tests.factories import UserFactory
    from tests.moderation.conftest import make_moderator

    ensure_default_categories()  # the transactional test database was flushed
    author, moderator = UserFactory(), make_moderator()
    example = entry_services.example_create(
        author=author, data=example_data(), evidence=[evidence_data()], submit=True
    )
    transitions.example_transition(actor=moderator, example=example, to="published")
    key = atlas_cache.aggregate_key("aggregates", asdict(ExampleFilters()))
    deadline = time.monotonic() + 15
    while atlas_cache.cache.get(key) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert atlas_cache.cache.get(key)["total"] == 1
    assert aggregate_selectors.headline() == "1 example in 1 country"
