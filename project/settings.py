"""Creditscape settings: one module, everything from the environment.

No variables set  -> development: SQLite file, local-memory cache, eager Celery,
                     console email, DEBUG on.
DATABASE_URL      -> PostgreSQL through psycopg 3 (or any dj-database-url URL).
REDIS_URL         -> Redis cache and Celery broker/result backend; tasks run on workers.
DJANGO_DEBUG=false-> production: DJANGO_SECRET_KEY is required, secure cookies, HSTS.

docs/deploy.md lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core -----------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG=false) needs a long random "
            'secret key, e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
        )
    # Development only: a fixed key keeps sessions valid across restarts of `make run`.
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])


def _site_url(value: str) -> str:
    """``SITE_URL`` checked: scheme and host (and port), no path, no trailing slash."""
    from urllib.parse import urlsplit

    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query:
        raise ImproperlyConfigured(
            f"SITE_URL must be a scheme and a host, e.g. https://creditscape.example.org, "
            f"not {value!r}."
        )
    return value


# Where the site lives, for every absolute link it writes: e-mails, the Atom feed, exports,
# permalinks and citations (apps/common/site.py, absolute_url). Never the request's Host
# header, which a client chooses. `make run` sets it to http://HOST:PORT; production must
# set it (`check --deploy` fails without it).
SITE_URL = _site_url(os.environ.get("SITE_URL", "")) or ("http://127.0.0.1:8000" if DEBUG else "")

# A proxy in front (nginx, Caddy) that terminates TLS and appends the client's address to
# X-Forwarded-For. Only then is that header read, and only the entry written by the
# proxies we run: TRUSTED_PROXY_COUNT from the right (apps/common/client_ip.py).
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1) if BEHIND_PROXY else 0
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")

# Version histories keep the whole reason given for a change (moderators' reasons embed
# what a person typed; simple-history's default 100-character column made a longer one
# fail the write on PostgreSQL).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

INSTALLED_APPS = [
    # Before the admin: it patches the admin for translated model fields (ADR 0012).
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.orcid",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "django_htmx",
    "simple_history",
    "csp",
    # Ours
    "apps.common",
    "apps.accounts",
    "apps.notifications",
    "apps.sources",
    "apps.annotations",
    "apps.atlas",
    "apps.releases",
    "apps.coding",
    "apps.moderation",
    "apps.search",
    "apps.site",
    # Only for `manage.py seed_bench` (benchmark data; bench/apps.py).
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # NUL bytes, lone surrogates and undecodable bytes anywhere in the request: 400.
    "apps.common.middleware.RejectUnencodableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A public page's 304 as soon as the language is known (apps/common/revalidation.py).
    "apps.common.revalidation.EarlyRevalidationMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in (or session-carrying) responses: Cache-Control private, never public.
    "apps.common.middleware.PrivateCacheControlMiddleware",
    # The signed_in=1 hint cookie for static/js/site.js (private responses only).
    "apps.common.middleware.SignedInHintMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"
SITE_ID = 1  # kept in step with SITE_URL and SITE_NAME after every migrate (apps/common/site.py)
SITE_NAME = "Creditscape"
# Request bodies in JSON: deeper nesting than this is refused with a 400.
MAX_JSON_DEPTH = 32

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.common.context_processors.site",
                "apps.common.context_processors.public_page",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # The queries every cold page makes (apps/common/prepared.py) are kept prepared on
        # each connection after this many runs: PostgreSQL then skips parsing and planning
        # them. Django turns prepared statements off by default for connection poolers in
        # transaction mode; set DJANGO_DB_PREPARED_STATEMENTS=false behind one that cannot
        # keep them (PgBouncer before 1.21, or without max_prepared_statements). The ORM's
        # own queries bind client-side and are never prepared either way.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
            5 if env_bool("DJANGO_DB_PREPARED_STATEMENTS", True) else None
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Writers wait for the lock instead of failing at once ("database is locked").
            "OPTIONS": {"timeout": 20},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: a bare host in a URL field means https
AUTH_USER_MODEL = "accounts.User"

# --- Cache, Celery ---------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
# pytest-xdist names each parallel test process ("gw0", "gw1", ...). They share one Redis:
# the cache, the channel layer and the Celery queues are kept apart by this suffix (their
# databases are apart already: pytest-django adds it to the test database's name).
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, keeping one client per pool; an unreachable Redis reads
            # as an empty cache instead of failing the request (apps/common/cache.py).
            "BACKEND": "apps.common.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Parallel test workers share one Redis database: their cache versions and
            # throttle counters must not meet, and clear() deletes only this prefix's
            # keys (apps/common/cache.py), not the other workers' (or the broker's).
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "creditscape") + TEST_WORKER,
            # A Redis that stopped answering costs a request at most a second or two per
            # cache call, not the operating system's TCP timeout of minutes.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Live updates (apps/annotations/live.py): Redis carries group messages between every web
# process, ASGI process and Celery worker; without Redis (`make run`) one process does
# everything and memory is enough. Parallel test workers share one Redis: their groups
# (named by database ids) must not meet.
#
# The pub/sub layer (the default, CHANNEL_REDIS_LAYER=pubsub): a group message is one
# PUBLISH that each ASGI process fans out to its own sockets. The list-based core layer
# (CHANNEL_REDIS_LAYER=core) writes one copy per socket, which the ASGI process pops one
# by one: 200 readers of a paper, 200 copies per note (docs/benchmarks.md, "Live readers
# under make load"). Nothing here needs what only the core layer gives (messages kept for
# a process that is briefly away; a reader that misses one sees it on the next load).
# Pub/sub channel names are server-wide, not per database number: the prefix carries the
# number, so deployments (or test runs) on other databases of one Redis do not meet.
if REDIS_URL:
    _redis_db = urlparse(REDIS_URL).path.strip("/") or "0"
    _channel_prefix = (
        os.environ.get("CACHE_KEY_PREFIX", "creditscape") + f"-live{_redis_db}" + TEST_WORKER
    )
    if os.environ.get("CHANNEL_REDIS_LAYER", "pubsub") == "core":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    # redis-py 5+ caps an asyncio pool at 100 connections: 200 readers
                    # closing their sockets at once (a class ending) then failed their
                    # group_discard with MaxConnectionsError (make load's live readers).
                    "hosts": [
                        {
                            "address": REDIS_URL,
                            "max_connections": env_int("CHANNEL_REDIS_MAX_CONNECTIONS", 1000),
                        }
                    ],
                    "prefix": _channel_prefix,
                },
            }
        }
    else:
        # Two connections per process (one publishing, one subscribed), whatever the
        # number of sockets.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [{"address": REDIS_URL}], "prefix": _channel_prefix},
            }
        }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# HTTP caching of public pages and JSON (apps/common/http_cache.py, ADR 0007). ETags come
# from the versions of the models a payload reads, so none of these bounds freshness at
# the origin: a change shows on the next request. s-maxage is how long a reverse proxy or
# CDN may serve a page without asking (then, for CDNs, stale-while-revalidate more while it
# asks: CDN-Cache-Control, as browsers would apply it too).
HTTP_CACHE_S_MAXAGE = env_int("HTTP_CACHE_S_MAXAGE", 10)
HTTP_CACHE_STALE_WHILE_REVALIDATE = env_int("HTTP_CACHE_STALE_WHILE_REVALIDATE", 30)
# Rendered public bodies kept in Django's cache under their ETag (single-box deploys
# without a proxy; 0 turns it off); fragments (a version's passage markup) likewise.
HTTP_CACHE_BODY_SECONDS = env_int("HTTP_CACHE_BODY_SECONDS", 60)
PUBLIC_FRAGMENT_CACHE_SECONDS = env_int("PUBLIC_FRAGMENT_CACHE_SECONDS", 3600)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
# Nobody waits on task results (tasks write their outcome to the database), and a result
# backend would stall every enqueue for ~20 s of reconnects while Redis is down.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
# Without a broker there is nobody to run tasks: run them inline (development default).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
# One Redis can carry several deployments (or test runs) apart by queue name; parallel test
# workers each start their own Celery worker (tests/conftest.py), which must not take the
# other's tasks (they would run against the other's test database).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get(
    "CELERY_QUEUE", "celery" + (TEST_WORKER and f"-{TEST_WORKER}")
)
# Imports run in a queue of their own, so one hostile upload holds an import worker and
# never the e-mails, notices and re-anchoring on the default queue (docs/deploy.md: run
# one worker per queue). A deployment named by CELERY_QUEUE gets "<name>-imports".
SOURCE_IMPORT_QUEUE = os.environ.get(
    "SOURCE_IMPORT_QUEUE",
    "imports" if CELERY_TASK_DEFAULT_QUEUE == "celery" else f"{CELERY_TASK_DEFAULT_QUEUE}-imports",
)
# Both declared: a worker started without -Q (development, the test worker) takes both.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, SOURCE_IMPORT_QUEUE)
]
CELERY_TASK_ROUTES = {"apps.sources.tasks.import_document": {"queue": SOURCE_IMPORT_QUEUE}}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged after it finishes, so a worker killed mid-task gets it redelivered;
# tasks are idempotent (state guards) so a second run is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A prefork worker process that grew past this many KB is replaced once its task is done
# (it cannot stop a task mid-way: the PDF layout pass has its own cap, importers/limits.py).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 512 * 1024)
# Redis redelivers an unacknowledged task after the visibility timeout; it must exceed the
# longest task's hard time limit (imports: SOURCE_IMPORT_TIME_LIMIT, 6 minutes).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
# A user's write must not hang on a dead broker: try briefly, then log and let the periodic
# sweep send the work later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # Picks up documents whose import job was lost (broker down at upload time, worker crash).
    "sources-sweep-stalled-imports": {
        "task": "apps.sources.tasks.sweep_stalled_imports",
        "schedule": 300.0,
    },
    # Files uploaded but never confirmed (apps/sources/services/pending.py).
    "sources-clean-pending-uploads": {
        "task": "apps.sources.tasks.clean_pending_uploads",
        "schedule": 3600.0,
    },
    # Saved searches' e-mail digests (apps/search/saved_searches.py): every morning, and on
    # Monday mornings for the weekly ones (UTC).
    "search-daily-digests": {
        "task": "apps.search.tasks.send_daily_digests",
        "schedule": crontab(hour=6, minute=0),
    },
    "search-weekly-digests": {
        "task": "apps.search.tasks.send_weekly_digests",
        "schedule": crontab(hour=6, minute=30, day_of_week="mon"),
    },
    # Saved searches' in-app alerts in the one inbox (apps/search/saved_searches.py).
    "search-in-app-alerts": {
        "task": "apps.search.tasks.send_in_app_alerts",
        "schedule": crontab(minute=5),
    },
    # The "did you mean" vocabulary (apps/search/spelling.py): words of public text.
    "search-rebuild-vocabulary": {
        "task": "apps.search.tasks.rebuild_vocabulary",
        "schedule": crontab(minute=15),
    },
}

# --- Auth, allauth ------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
# Confirming in the browser one signed up in signs in and resumes at `next` (issue 19).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "apps.accounts.forms.SignupExtraForm"
ACCOUNT_FORMS = {"login": "apps.accounts.login_form.LoginForm"}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = SITE_URL.split(":", 1)[0] if SITE_URL else "https"
# Links in allauth's e-mails come from SITE_URL, the client IP from apps/common/client_ip.py
# (apps/accounts/adapter.py); subjects are plain text with the site's name.
ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# allauth's own rate limits (login failures per account and per IP, signups, resets) are
# the brute-force protection; they need a cache shared by all processes (Redis in production).
# /admin/login/ counts against the same "login_failed" limits (apps/accounts/admin_login.py).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
}

# ORCID sign-in (allauth's ORCID provider, public API, scope /authenticate). Off unless
# ORCID_CLIENT_ID and ORCID_SECRET are set: then the sign-in page shows the button.
# ORCID_BASE_DOMAIN=sandbox.orcid.org for the sandbox. docs/deploy.md "ORCID sign-in".
ORCID_CLIENT_ID = os.environ.get("ORCID_CLIENT_ID", "")
ORCID_SECRET = os.environ.get("ORCID_SECRET", "")
ORCID_BASE_DOMAIN = os.environ.get("ORCID_BASE_DOMAIN", "orcid.org")
SOCIALACCOUNT_PROVIDERS = {
    "orcid": {
        "BASE_DOMAIN": ORCID_BASE_DOMAIN,
        "MEMBER_API": False,
        "APPS": (
            [{"client_id": ORCID_CLIENT_ID, "secret": ORCID_SECRET, "key": ""}]
            if ORCID_CLIENT_ID and ORCID_SECRET
            else []
        ),
    }
}
SOCIALACCOUNT_ADAPTER = "apps.accounts.orcid.OrcidAccountAdapter"
# Only the sign-in button's POST starts the dance (no GET that a link could trigger). ORCID's
# public record rarely carries an e-mail: a new account is asked for one (and a user name)
# and confirms it like any other sign-up (ACCOUNT_SIGNUP_FIELDS, ACCOUNT_EMAIL_VERIFICATION).
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False

# --- Email ------------------------------------------------------------------------------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )
    # For django.core.mail.backends.filebased.EmailBackend: a directory that several
    # processes (web, workers) write to, e.g. the fault tests reading a worker's mail.
    if os.environ.get("EMAIL_FILE_PATH"):
        EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Creditscape <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- I18n -------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
# Each shipped language has a complete catalogue in locale/ (tests/common/test_catalogues.py)
# and translated categories (modeltranslation, apps/atlas/translation.py). URLs carry no
# language: LocaleMiddleware picks it from the language cookie that the header's switcher
# sets (Django's set_language), else from Accept-Language; public pages are cached per
# resolved language (ADR 0012).
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
# modeltranslation: a category without a German or Chinese name shows the English one.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": (
        {"BACKEND": "project.staticfiles.ModuleAwareManifestStaticFilesStorage"}
        if not DEBUG
        else {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    ),
}
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

# Uploads: the cap is checked by the form before anything is stored.
SOURCE_UPLOAD_MAX_BYTES = env_int("SOURCE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# A file whose details were never confirmed is deleted after this many hours.
SOURCE_PENDING_UPLOAD_HOURS = env_int("SOURCE_PENDING_UPLOAD_HOURS", 24)
# PDFs built to explode in the layout pass are refused before parsing
# (apps/sources/importers/pdf_structure.py; docs/security.md, "Hostile uploads"). Real
# documents stay far below each limit.
SOURCE_PDF_MAX_PAGES = env_int("SOURCE_PDF_MAX_PAGES", 2000)
SOURCE_PDF_MAX_OBJECTS = env_int("SOURCE_PDF_MAX_OBJECTS", 200_000)
# Drawings (Form XObjects) inside drawings: real files nest two or three deep.
SOURCE_PDF_MAX_FORM_DEPTH = env_int("SOURCE_PDF_MAX_FORM_DEPTH", 8)
# Drawings painted on one page, nested ones included (pypdf's text extraction stops at
# the same number).
SOURCE_PDF_MAX_FORM_INVOCATIONS = env_int("SOURCE_PDF_MAX_FORM_INVOCATIONS", 5000)
# Saved graphics states (q) open at once: PDF 1.7 readers supported 28; each costs a copy.
SOURCE_PDF_MAX_GRAPHICS_NESTING = env_int("SOURCE_PDF_MAX_GRAPHICS_NESTING", 256)
# What one import may cost (apps/sources/importers/limits.py, docs/deploy.md). The soft
# limit ends the import with a clear "could not be processed"; the hard one kills a
# worker process that ignored it. The PDF layout pass runs in a child process capped at
# SOURCE_IMPORT_MAX_MEMORY_MB of address space and the soft limit in seconds.
SOURCE_IMPORT_SOFT_TIME_LIMIT = env_int("SOURCE_IMPORT_SOFT_TIME_LIMIT", 300)
SOURCE_IMPORT_TIME_LIMIT = env_int("SOURCE_IMPORT_TIME_LIMIT", SOURCE_IMPORT_SOFT_TIME_LIMIT + 60)
SOURCE_IMPORT_MAX_MEMORY_MB = env_int("SOURCE_IMPORT_MAX_MEMORY_MB", 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST framework ---------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: a request without credentials is challenged (401 with
    # WWW-Authenticate: Token), as the README promises. A browser's session still signs
    # in, with CSRF checked on its writes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.common.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON nested too deep, or carrying NUL bytes or lone surrogates: 400 (apps/common/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "apps.common.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "apps.common.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.common.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Creditscape API",
    "DESCRIPTION": "Sources, passages, annotations and the comparative atlas of "
    "social-credit-like systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two "decision" fields with different choices (moderation queue, suggested edits).
    "ENUM_NAME_OVERRIDES": {
        "DecisionEnum": "apps.moderation.models.Decision",
        "SuggestionDecisionEnum": ["accept", "reject"],
        # Where a quote stands on the current version: annotations' anchors, value
        # citations and passage-link quotes share these values.
        "AnchorStatusEnum": ["anchored", "fuzzy", "orphaned"],
    },
}

# --- Security ---------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
if REDIS_URL:
    # Read sessions from Redis, write them to both: one PostgreSQL query less on every
    # signed-in request; with Redis unreachable the cache reads as empty and the database
    # still answers (apps/common/cache.py).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Public pages carry no token: static/js/site.js reads this cookie when a form is submitted
# or htmx sends a request (docs/security.md).
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    if BEHIND_PROXY:
        # The proxy terminates TLS and says so in this header; trust it only when told to.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Inline scripts are forbidden; the few that exist carry the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Publishing an entry needs a citation for every field the current codebook requires
# (apps/coding, ADR 0011). Off only for a bulk import of entries coded elsewhere.
CODING_ENFORCE_REQUIRED_CITATIONS = env_bool("CODING_ENFORCE_REQUIRED_CITATIONS", True)
