"""EXPLAIN (ANALYZE, BUFFERS) of every SQL query of each search benchmark request.

    BENCH_DATABASE=existing DATABASE_URL=postgres://…/<seeded db> python bench/explain_search.py

Runs in the configured database as it is (seed it first: ``make seed-bench SCALE=full``),
requests each benchmark path of bench/bench_search.py once through the test client (after
a new cache generation, so the search runs), and prints each SELECT's plan with
the connection's planner settings (apps/common/planner.py). docs/search.md quotes the output.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def main(only: str = "") -> int:
    harness.setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from apps.annotations.models import Annotation
    from apps.common import http_cache
    from bench.bench_search import benchmark_requests

    if connection.vendor != "postgresql":
        print("EXPLAIN needs PostgreSQL")
        return 1
    user = get_user_model().objects.filter(username="bench").first()
    user = user or get_user_model().objects.create_user("bench", "bench@example.org", "x-pass-123")
    settings.ALLOWED_HOSTS = ["*"]
    with override_settings(ROOT_URLCONF="bench.urls"):
        for name, client, path in benchmark_requests(user):
            if only not in name or "(cached)" in name:
                continue
            http_cache.invalidate(Annotation)
            client.get(path)  # warm the connection and the catalogue caches
            http_cache.invalidate(Annotation)
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            print(f"\n### {name}: `{path}`\n")
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                if "search_" not in sql:
                    continue  # session, user: not the search's
                # The planner settings are the connection's (apps/common/planner.py).
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                print("```")
                print(sql[:300] + (" …" if len(sql) > 300 else ""))
                print("\n".join(plan))
                print("```")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
