"""Fault injection needs processes that share the test database: PostgreSQL only (CI)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]

# Nothing listens on port 1: connecting is refused at once, as with a broker that is down.
DEAD_BROKER = "redis://127.0.0.1:1/0"
# Fault workers use a Redis database of their own (several agents or CI shards may share a
# server) and a queue of their own per test, so workers of concurrent runs never cross.
FAULT_REDIS_DB = int(os.environ.get("FAULT_REDIS_DB", "12"))


def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def process_env(transactional_db):
    require(
        connection.vendor == "postgresql",
        "fault tests share the test database across processes: PostgreSQL only",
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="project.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture
def worker_env(process_env):
    """Environment for real Celery workers (and the processes that enqueue for them) of
    this test alone: its own queue, a three-second visibility timeout so a replacement
    worker takes back a killed worker's task at start-up."""
    base = settings.REDIS_URL.rsplit("/", 1)[0] if settings.REDIS_URL else "redis://127.0.0.1:6379"
    broker = f"{base}/{FAULT_REDIS_DB}"
    client = redis.Redis.from_url(broker)
    try:
        client.ping()
    except redis.RedisError as exc:
        require(False, f"Redis is not reachable at {broker}: {exc}")
    queue = f"faults-{uuid.uuid4().hex}"
    yield dict(
        process_env,
        REDIS_URL=broker,
        CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_VISIBILITY_TIMEOUT="3",
        CELERY_QUEUE=queue,  # imports go to f"{queue}-imports" (settings.SOURCE_IMPORT_QUEUE)
    )
    client.delete(queue, f"{queue}-imports")


@pytest.fixture
def workers():
    """Start workers with ``workers.spawn(env, log_path)``; any still running at the end
    of the test is killed."""

    class Workers(list):
        def spawn(self, env: dict, log_path: Path, **options) -> subprocess.Popen:
            process = spawn_worker(env, log_path, **options)
            self.append(process)
            return process

        def kill(self, process: subprocess.Popen) -> None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    started = Workers()
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def run_django(code: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    script = "import django; django.setup()\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def spawn_worker(
    env: dict,
    log_path: Path,
    *,
    queues: list[str] | None = None,
    prelude: str = "",
    pool: str = "solo",
) -> subprocess.Popen:
    """A worker consuming ``queues`` (default: every declared queue, as a worker started
    without -Q). ``prelude`` is code run in the worker process before it starts (a test's
    patch: the worker runs in a process of its own). Time limits need ``pool="prefork"``
    (one process)."""
    arguments = [
        "worker",
        f"--pool={pool}",
        *(["--concurrency=1"] if pool == "prefork" else []),
        "--loglevel=INFO",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
    ]
    if queues:
        arguments += ["-Q", ",".join(queues)]
    if prelude:
        code = (
            "import django; django.setup()\n"
            + textwrap.dedent(prelude)
            + f"\nfrom project.celery import app\napp.worker_main({arguments!r})\n"
        )
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, "-m", "celery", "-A", "project", *arguments]
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process by the caller
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
