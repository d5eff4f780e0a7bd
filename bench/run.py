"""`make bench`: run every bench/bench_*.py module against a throwaway database.

Uses DATABASE_URL / REDIS_URL when set (the numbers that matter are on PostgreSQL).
"""

from __future__ import annotations

import importlib
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def main(selected: list[str]) -> int:
    harness.setup_django()
    from django.conf import settings
    from django.test import Client, override_settings

    old_name = harness.create_database()
    from apps.common import http_cache

    # Fresh versions: pages and fragments an earlier run cached for the same ids in a
    # shared cache must not be served to this one.
    http_cache.invalidate(*http_cache.declared_models())
    try:
        with override_settings(ROOT_URLCONF="bench.urls"):
            from django.contrib.auth import get_user_model

            # get_or_create: an existing database (BENCH_DATABASE=existing) has it already.
            user = get_user_model().objects.filter(username="bench").first()
            user = user or get_user_model().objects.create_user(
                "bench", "bench@example.org", "bench-pass-123"
            )
            client = Client()
            yardstick = harness.Yardstick(client)
            rows = [yardstick.row]
            modules = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
            for name in modules:
                if selected and name.removeprefix("bench_") not in selected:
                    continue
                module = importlib.import_module(f"bench.{name}")
                rows.extend(module.run(yardstick, user))
    finally:
        harness.destroy_database(old_name)
    print(f"\nCreditscape benchmarks on {platform.node()} ({platform.machine()}, Python "
          f"{platform.python_version()}), database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
          f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}\n")  # fmt: skip
    harness.print_table(rows)
    return 0 if all(row.met is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
