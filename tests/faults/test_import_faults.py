"""Imports survive a dead broker and a worker killed mid-import."""

from __future__ import annotations

import signal
import time

import pytest
import redis
from django.conf import settings

from apps.sources import services
from apps.sources.models import Document, DocumentStatus, Passage
from tests import samples
from tests.conftest import require

from .conftest import run_django, spawn_worker

DEAD_BROKER = "redis://127.0.0.1:1/0"
FAULT_REDIS_DB = 12


def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def test_upload_succeeds_while_the_broker_is_down_and_the_sweep_imports_it_later(process_env, user):
    env = dict(process_env, REDIS_URL=DEAD_BROKER)
    started = time.monotonic()
    result = run_django(
        f"""
        from django.contrib.auth import get_user_model
        from apps.sources import services
        user = get_user_model().objects.get(pk={user.pk})
        source = services.source_create(
            user=user,
            metadata=services.SourceMetadata(title="Written while the broker is down", authors=["A. Author"]),
            data=b"# Heading\\n\\nA paragraph written while the broker was unreachable.\\n",
        )
        print(source.documents.get().pk)
        """,
        env,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "Could not enqueue import" in result.stderr  # logged, not raised
    assert elapsed < 15, elapsed  # the user's request did not hang on the broker
    document = Document.objects.get(pk=int(result.stdout.strip().splitlines()[-1]))
    assert document.status == DocumentStatus.PENDING
    assert not Passage.objects.filter(document=document).exists()

    # The broker is back (eager here): the periodic sweep finds the work without a job.
    Document.objects.filter(pk=document.pk).update(
        created=document.created - services.STALLED_AFTER * 2
    )
    assert services.document_retry_stalled() == [document.pk]
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.version == 1


@pytest.mark.worker
def test_worker_killed_mid_import_is_redelivered_and_never_half_visible(
    process_env, user, tmp_path
):
    base = settings.REDIS_URL.rsplit("/", 1)[0] if settings.REDIS_URL else "redis://127.0.0.1:6379"
    broker = f"{base}/{FAULT_REDIS_DB}"
    try:
        redis.Redis.from_url(broker).flushdb()
    except redis.RedisError as exc:
        require(False, f"Redis is not reachable: {exc}")
    # A short visibility timeout lets the second worker take back the unacknowledged task.
    env = dict(process_env, REDIS_URL=broker, CELERY_VISIBILITY_TIMEOUT="3")
    data = samples.pdf_bytes(pages=160, paragraphs_per_page=4)
    pdf_path = tmp_path / "long.pdf"
    pdf_path.write_bytes(data)

    first = spawn_worker(env, tmp_path / "worker1.log")
    second = None
    try:
        result = run_django(
            f"""
            from pathlib import Path
            from django.contrib.auth import get_user_model
            from apps.sources import services
            user = get_user_model().objects.get(pk={user.pk})
            source = services.source_create(
                user=user,
                metadata=services.SourceMetadata(title="A long report", authors=["A. Author"]),
                data=Path({str(pdf_path)!r}).read_bytes(), filename="long.pdf",
            )
            print(source.documents.get().pk)
            """,
            env,
        )
        assert result.returncode == 0, result.stderr
        document_id = int(result.stdout.strip().splitlines()[-1])

        def status():
            return Document.objects.get(pk=document_id).status

        assert wait_for(lambda: status() == DocumentStatus.PROCESSING, timeout=30), (
            status(),
            (tmp_path / "worker1.log").read_text()[-2000:],
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

        document = Document.objects.get(pk=document_id)
        assert document.status == DocumentStatus.PROCESSING
        assert document.version is None
        assert not Passage.objects.filter(document_id=document_id).exists()

        second = spawn_worker(env, tmp_path / "worker2.log")
        assert wait_for(lambda: status() == DocumentStatus.READY, timeout=90, interval=0.5), (
            status(),
            (tmp_path / "worker2.log").read_text()[-3000:],
        )
        document.refresh_from_db()
        assert document.version == 1
        assert document.attempts == 2
        assert Passage.objects.filter(document=document).count() > 100
    finally:
        for process in (first, second):
            if process and process.poll() is None:
                process.kill()
                process.wait(timeout=10)
