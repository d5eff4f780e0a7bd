"""The PostgreSQL settings every database connection gets (apps/common/planner.py,
ADR 0025). What they are for is tested where it shows: the search's samples
(tests/search/test_selectors.py), its prepared hits (tests/search/test_statements.py)."""

from __future__ import annotations

import pytest

from apps.common import planner
from tests.conftest import require

pytestmark = pytest.mark.django_db


def test_every_new_connection_gets_the_planner_settings():
    # Set per connection, not per search: a connection opened after the first has them
    # too, with no statement of the search's own.
    from django.db import connections

    fresh = connections.create_connection("default")
    require(fresh.vendor == "postgresql", "planner settings are PostgreSQL's")
    try:
        with fresh.cursor() as cursor:
            shown = {}
            for name in planner.SETTINGS:
                cursor.execute(f"SHOW {name}")
                shown[name] = cursor.fetchone()[0]
    finally:
        fresh.close()
    assert shown == planner.SETTINGS
