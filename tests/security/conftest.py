from __future__ import annotations

import pytest
from django.core.cache import cache

# Fixtures shared with the atlas tests (published entries, a global moderator).
from tests.atlas.conftest import make_published, moderator  # noqa: F401

# Real worker processes sharing the test database (PostgreSQL and Redis; they skip
# locally without them): test_hostile_uploads.py runs an imports worker and a default one.
from tests.faults.conftest import process_env, worker_env, workers  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache and are keyed by user id, which the next
    test's users reuse: the fuzzing would otherwise leave the route table at 429."""
    cache.clear()
    yield
    cache.clear()
