"""Shared fixtures.

Real components: with DATABASE_URL/REDIS_URL set (CI) the suite runs on PostgreSQL and
Redis, and tests marked ``worker`` send tasks to a real Celery worker. Locally a missing
service or browser skips its tests with a reason; with CI=true any skip fails the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's async-safety check
# would then refuse ORM calls made by the test itself (not by the server under test).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Under pytest-xdist (--dist loadgroup) every browser test runs in the same worker: one
    # Chromium at a time beside the other worker's tests, not two racing for two cores.
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if (
            "tests/browser/" in item.nodeid
            or item.get_closest_marker("browser")
            or fixtures & {"browser", "page", "login_page"}
        ):
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_sessionstart(session):
    """The .mo files are built from the .po files (not committed): compile the changed
    ones before any test loads a catalogue, so `pytest` alone serves German and Chinese
    pages as `make test` does. Each write is atomic, so parallel workers may race."""
    from django.core.management import call_command

    call_command("compile_catalogues", verbosity=0)


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real component is missing; fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI needs this: {reason}")
    pytest.skip(reason)


@pytest.fixture
def session_read():
    """The query a signed-in request spends reading its session where sessions are not
    cached: 1 on the embedded default (no REDIS_URL: database sessions), 0 in production
    and CI (cached_db sessions, read from Redis). Query pins of signed-in pages add it."""
    from django.conf import settings

    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


@pytest.fixture
def postgres(db):
    """For tests of what only PostgreSQL does (row locks, compiled search statements):
    skipped on the embedded SQLite of a plain `make test`, required in CI."""
    from django.db import connection

    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI (a skip is a failure with CI=true): {report.longrepr}"


# --- Caches -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _default_language():
    """A request through the test client activates its language in this thread
    (LocaleMiddleware) and nothing resets it: a test that asked in Chinese would leave
    the next test's services speaking Chinese."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Django's default PBKDF2 costs about half a second a password on the CI machine, and
    the suite makes users by the thousand. Tests that are about hashing set their own."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Tests run with production's cache settings (the HTTP cache, the fragment caches):
    locmem here, Redis in CI (``REDIS_URL``, a key prefix per worker). Versions are bumped
    at write as well as on commit (apps/common/http_cache.py), so a test's writes, which
    never commit, still show on its next request. Each test starts from an empty cache:
    on Redis ``clear()`` deletes only this worker's prefix (apps/common/cache.py), so
    tests may call it too while the other xdist worker runs."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _site_url(settings):
    """Absolute links (e-mails, feeds, exports, citations) are built on SITE_URL; the
    test client's host, so links in responses can be followed by the test client."""
    settings.SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _no_upload_rate_limit(settings):
    """Upload limits are counted in the cache, per user id, and test users are new
    accounts (3 uploads an hour) whose ids the next test reuses: fixtures that upload
    would trip them. tests/security/test_upload_limits.py tests them with the defaults."""
    settings.WRITE_RATES = {
        **getattr(settings, "WRITE_RATES", {}),
        "upload": {"user": "100000/hour", "new_user": "100000/hour", "ip": "100000/hour"},
    }


@pytest.fixture(autouse=True)
def _required_citations(request, settings):
    """Publishing needs the citations the codebook requires (apps/coding, ADR 0011). The
    suite's entries predate the rule and are about other things, so it is enforced only
    in tests marked ``citations_required`` (tests/coding/, the browser walk-through),
    as production always does."""
    settings.CODING_ENFORCE_REQUIRED_CITATIONS = bool(
        request.node.get_closest_marker("citations_required")
    )


# --- Celery -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _celery_eager(request, settings):
    """Tasks run inline unless the test asks for the real worker."""
    from project.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker_real(transactional_db):
    """A real Celery worker (threaded, in this process) consuming from Redis.

    It shares this process's Django settings, so it reads and writes the test database.
    """
    from django.conf import settings

    require(bool(settings.REDIS_URL), "REDIS_URL is not set: no broker for a real worker")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        require(False, f"Redis is not reachable at {settings.REDIS_URL}: {exc}")

    from celery.contrib.testing.worker import start_worker

    from project.celery import app

    app.conf.task_always_eager = False
    # Both queues, the imports one included (settings.CELERY_TASK_QUEUES), as a
    # development worker started without -Q.
    queues = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.SOURCE_IMPORT_QUEUE]
    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=queues
    ) as worker:
        yield worker
    app.conf.task_always_eager = True


# --- Data ---------------------------------------------------------------------------------


@pytest.fixture
def founding_paper(db, django_capture_on_commit_callbacks):
    """The founding paper as the site has it once its import committed: its on-commit
    events ran (the search index is written by a subscriber of ``source.version_ready``)."""
    from apps.sources.starter import load_founding_paper

    with django_capture_on_commit_callbacks(execute=True):
        source, _ = load_founding_paper()
    source.refresh_from_db()
    return source


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Use as ``with run_on_commit(): ...`` to run on-commit work (task enqueues)."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner


@pytest.fixture
def dispatched():
    """``seen = dispatched("source.version_ready")``: the payloads of that event dispatched
    (on commit) during this test, in order."""
    from apps.common import events

    subscriptions = []

    def recorder(name: str) -> list[dict]:
        seen: list[dict] = []

        def record(**payload):
            seen.append(payload)

        events.subscribe(name, record)
        subscriptions.append((name, record))
        return seen

    yield recorder
    for name, record in subscriptions:
        events.unsubscribe(name, record)


# --- Browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright():
    require(
        shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM),
        f"{CHROMIUM} is not installed",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright Python package is not installed")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    _settle(context)
    context.close()


def _settle(context) -> None:
    """Let the pages' last requests finish before the test's database is flushed: a
    request still running in the live server's thread while TRUNCATE waits for its lock
    deadlocked the flush once (CI, two xdist workers)."""
    for open_page in context.pages:
        # A page that never settles is closed anyway.
        with contextlib.suppress(Exception):
            open_page.wait_for_load_state("networkidle", timeout=3_000)


@pytest.fixture
def login_page(browser, live_server):
    """Factory: a page whose browser context is signed in as the given user."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    contexts = []

    def make(user, **context_options):
        """``context_options`` for the browser context (e.g. a phone's viewport and touch)."""
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_server.url, **context_options)
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "domain": host,
                    "path": "/",
                },
                # As a sign-in sets it (SignedInHintMiddleware): site.js then asks /api/me/.
                {"name": "signed_in", "value": "1", "domain": host, "path": "/"},
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # as on the anonymous `page`
        return page

    yield make
    for context in contexts:
        _settle(context)
        context.close()
