"""What one writer POST of `make load` costs, its on-commit work included: queries, Redis
calls, CPU and wall time (median of 40). Run from a tree's root, with the load test's
environment (DATABASE_URL/REDIS_URL of a database `make load` has set up, DJANGO_DEBUG=false,
DJANGO_ALLOWED_HOSTS including testserver); `-v` lists the statements and commands. It is
not a test: no transaction around the request, so on-commit handlers run as in production.
The write throttle is lifted for this process only (40 POSTs in a few seconds).
(docs/benchmarks.md, "Live readers under make load".)"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

import redis.connection  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from apps.sources.models import Source  # noqa: E402

settings.WRITE_RATES = {"annotation": {"user": "100000/min", "new_user": "100000/min"}}
user, _ = get_user_model().objects.get_or_create(
    username="cost-writer", defaults={"email": "cost@example.org"}
)
token = Token.objects.get_or_create(user=user)[0].key
paper = Source.objects.get(slug="wong-2021-social-credit")
passage = paper.current_document.passages.filter(kind="paragraph").first()
client = Client(HTTP_AUTHORIZATION=f"Token {token}")
body = {
    "source": paper.slug,
    "target": {
        "selector": [
            {"type": "TextPositionSelector", "start": passage.start, "end": passage.start + 30}
        ]
    },
    "body": "Load test note: compare with the Schufa passage.",
    "tags": ["load-test"],
    "visibility": "public",
}
queries: list[str] = []
commands: list = []
send = redis.connection.AbstractConnection.send_packed_command


def counted_send(self, command, check_health=True):
    commands.append(command)
    return send(self, command, check_health)


redis.connection.AbstractConnection.send_packed_command = counted_send


def counted_query(execute, sql, params, many, context):
    queries.append(sql)
    return execute(sql, params, many, context)


def one() -> None:
    response = client.post("/api/annotations/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content[:300]


for _ in range(5):  # warm: first lookups, connections
    one()
queries.clear()
commands.clear()
with connection.execute_wrapper(counted_query):
    one()
print(f"queries {len(queries)}, Redis sends {len(commands)}")
if "-v" in sys.argv:
    for sql in queries:
        print("  SQL", sql[:110])
    for command in commands:
        print("  REDIS", repr(command)[:110])
cpu, wall = [], []
for _ in range(40):
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    one()
    cpu.append(time.process_time() - cpu_start)
    wall.append(time.perf_counter() - wall_start)
print(
    f"POST: CPU median {statistics.median(cpu) * 1000:.1f} ms, "
    f"wall median {statistics.median(wall) * 1000:.1f} ms (40 POSTs)"
)
