"""Imports survive a dead broker and a worker killed mid-import."""

from __future__ import annotations

import time

import pytest

from apps.sources import services, tasks
from apps.sources.models import Document, DocumentStatus, Passage
from tests import samples

from .conftest import DEAD_BROKER, run_django, wait_for

# Uploads made in these processes pass throttle=False ("unthrottled"): the upload limits
# are counted in the workers' Redis, which outlives the test database (whose user ids
# start again at 1 on every run). tests/security/test_upload_limits.py tests the limits.


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
    assert (
        "Could not enqueue apps.sources.tasks.import_document" in result.stderr
    )  # logged, not raised
    assert elapsed < 15, elapsed  # the user's request did not hang on the broker
    document = Document.objects.get(pk=int(result.stdout.strip().splitlines()[-1]))
    assert document.status == DocumentStatus.PENDING
    assert not Passage.objects.filter(document=document).exists()

    # The broker is back (eager here): the periodic sweep finds the work without a job.
    Document.objects.filter(pk=document.pk).update(
        created=document.created - services.STALLED_AFTER * 2
    )
    assert services.document_retry_stalled(send=tasks.import_document.delay) == [document.pk]
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.version == 1


@pytest.mark.worker
def test_worker_killed_mid_import_is_redelivered_and_never_half_visible(
    worker_env, workers, user, tmp_path
):
    env = worker_env
    data = samples.pdf_bytes(pages=160, paragraphs_per_page=4)
    pdf_path = tmp_path / "long.pdf"
    pdf_path.write_bytes(data)

    first = workers.spawn(env, tmp_path / "worker1.log")
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
            throttle=False,  # unthrottled: see the top of the module
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
    workers.kill(first)

    document = Document.objects.get(pk=document_id)
    assert document.status == DocumentStatus.PROCESSING
    assert document.version is None
    assert not Passage.objects.filter(document_id=document_id).exists()

    # The replacement worker (as a supervisor would restart it) takes back unacknowledged
    # tasks older than the visibility timeout when it starts.
    time.sleep(4)
    workers.spawn(env, tmp_path / "worker2.log")
    assert wait_for(lambda: status() == DocumentStatus.READY, timeout=90, interval=0.5), (
        status(),
        (tmp_path / "worker2.log").read_text()[-3000:],
    )
    document.refresh_from_db()
    assert document.version == 1
    assert document.attempts == 2
    assert Passage.objects.filter(document=document).count() > 100


@pytest.mark.worker
def test_import_past_its_hard_time_limit_is_killed_and_fails_without_a_retry(
    worker_env, workers, user, tmp_path
):
    """An import stuck where the soft limit cannot stop it (here: it swallows it, as code
    stuck in C would ignore it) is killed at the hard limit by a prefork worker. The
    document fails with "could not be processed", the task is not redelivered, and the
    worker runs the next import."""
    env = dict(worker_env, SOURCE_IMPORT_SOFT_TIME_LIMIT="2", SOURCE_IMPORT_TIME_LIMIT="4")
    log_path = tmp_path / "worker.log"
    worker = workers.spawn(
        env,
        log_path,
        pool="prefork",
        prelude="""
        import time
        from billiard.exceptions import SoftTimeLimitExceeded
        from apps.sources.importers import pipeline

        real_extract = pipeline._extract

        def stuck(data):
            if b"stuck" not in data:
                return real_extract(data)
            while True:
                try:
                    time.sleep(60)
                except SoftTimeLimitExceeded:
                    pass

        pipeline._extract = stuck
        """,
    )
    assert wait_for(lambda: " ready." in log_path.read_text(), timeout=60), log_path.read_text()

    def upload(text: str) -> int:
        result = run_django(
            f"""
            from django.contrib.auth import get_user_model
            from apps.sources import services
            source = services.source_create(
                user=get_user_model().objects.get(pk={user.pk}),
                metadata=services.SourceMetadata(title="A report", authors=["A. Author"]),
                data={text.encode()!r},
                throttle=False,  # unthrottled: see the top of the module
            )
            print(source.documents.get().pk)
            """,
            env,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return int(result.stdout.strip().splitlines()[-1])

    stuck_id = upload("This import is stuck in a loop.\n")

    def status(pk):
        return Document.objects.get(pk=pk).status

    assert wait_for(lambda: status(stuck_id) == DocumentStatus.FAILED, timeout=30), (
        log_path.read_text()[-3000:]
    )
    document = Document.objects.get(pk=stuck_id)
    assert document.error.startswith("This file could not be processed")
    assert "Hard time limit (4s) exceeded" in log_path.read_text()

    next_id = upload("A plain paragraph about scores, imported next.\n")
    assert wait_for(lambda: status(next_id) == DocumentStatus.READY, timeout=30), (
        log_path.read_text()[-3000:]
    )
    # Not redelivered (acknowledged on the time-out): one run of the stuck import.
    time.sleep(4)  # longer than the 3 s visibility timeout of these workers
    assert log_path.read_text().count("import_document[") >= 2
    assert Document.objects.get(pk=stuck_id).attempts == 1
    assert worker.poll() is None
