"""Settings switch on environment variables; production start-up is strict."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x" * 30 + "a-long-random-production-secret-key-0123456789",
    "DJANGO_ALLOWED_HOSTS": "creditscape.example.org",
    "SITE_URL": "https://creditscape.example.org",
}


def run_manage(*args, extra_env=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in (*drop, "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_fails_with_clear_message():
    result = run_manage("check", extra_env={"DJANGO_DEBUG": "false"}, drop=("DJANGO_SECRET_KEY",))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_in_production_without_site_url():
    """Links in e-mails, feeds, exports and citations are built on SITE_URL."""
    env_without = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    result = run_manage("check", "--deploy", extra_env=env_without, drop=("SITE_URL",))
    assert result.returncode != 0
    assert "creditscape.E001" in result.stderr and "SITE_URL is not set" in result.stderr


def test_check_deploy_warns_when_site_url_is_not_an_allowed_host():
    env = {**PRODUCTION_ENV, "SITE_URL": "https://elsewhere.example.org"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env=env)
    assert result.returncode != 0
    assert "creditscape.W003" in result.stdout + result.stderr


def test_malformed_site_url_is_refused():
    result = run_manage("check", extra_env={"SITE_URL": "creditscape.example.org/path"})
    assert result.returncode != 0
    assert "SITE_URL must be a scheme and a host" in result.stderr


def test_bad_boolean_is_refused():
    result = run_manage("check", extra_env={"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_defaults_are_embedded_sqlite_locmem_and_eager(settings):
    if os.environ.get("DATABASE_URL"):
        return  # CI runs this module with production services; the subprocess checks below cover it
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert settings.CELERY_TASK_ALWAYS_EAGER is True


def test_embedded_defaults_in_a_clean_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='project.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG")
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_database_and_redis_urls_switch_to_production_services():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='project.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)"
    )
    env = dict(
        os.environ,
        DATABASE_URL="postgres://u@db.example:5432/x",
        REDIS_URL="redis://cache.example:6379/0",
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "django.db.backends.postgresql",
        "apps.common.cache.RedisCache",
        "False",
        "redis://cache.example:6379/0",
    ]


def test_server_error_page_shows_no_traceback(client, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("secret internal detail")

    settings.DEBUG = False
    settings.ROOT_URLCONF = type(
        "urls",
        (),
        {"urlpatterns": [path("boom/", boom)], "handler500": "apps.common.views.server_error"},
    )
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internal detail" not in body
    assert "Traceback" not in body
    assert "Something went wrong" in body


def test_redis_cache_reuses_one_client_per_pool():
    """apps.common.cache keeps one redis.Redis per pool instead of one per operation."""
    from apps.common.cache import RedisCache

    cache = RedisCache("redis://127.0.0.1:6379/15", {})
    client = cache._cache
    assert client.get_client(write=True) is client.get_client(write=False)
