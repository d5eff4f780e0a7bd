"""With the database unreachable, pages answer 503 with a plain page, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import django; django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
for path in ("/", "/sources/wong-2021-social-credit/", "/api/sources/"):
    response = client.get(path, HTTP_HOST="creditscape.example.org", secure=True)
    print(path, response.status_code, response.get("Retry-After"), repr(response.content[:400]))
"""


def test_database_outage_is_a_503_without_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="s" * 60,
        DJANGO_ALLOWED_HOSTS="creditscape.example.org",
    )
    env.pop("REDIS_URL", None)
    # Production serves hashed static files: collect them as a deploy would.
    env["DJANGO_STATIC_ROOT"] = str(tmp_path / "static")
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert collect.returncode == 0, collect.stderr[-2000:]
    result = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3, result.stdout
    for line in lines:
        path, status, retry_after, body = line.split(" ", 3)
        assert status == "503", line
        assert retry_after == "60"
        assert "Traceback" not in body and "OperationalError" not in body
        if path.startswith("/api/"):
            assert "database is unavailable" in body
        else:
            assert "briefly unavailable" in body
