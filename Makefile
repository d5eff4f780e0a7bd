# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Links in e-mails, feeds, exports and citations point here (`make run` serves it).
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test messages compile-messages worker worker-default worker-imports beat lint format migrate seed seed-bench check-deploy bench load load-steps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

# Re-install only when a requirements file changed.
$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

migrate: $(VENV)/.installed-runtime compile-messages
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py migrate --noinput

## Interface languages (ADR 0012, docs/translations.md). `make messages` extracts every
## wrapped string into locale/{de,zh_Hans}/LC_MESSAGES/django.po and djangojs.po (needs
## GNU gettext: apt-get install gettext); translate the new msgids, then `make test`.
LOCALES ?= de zh_Hans
MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles \
	--ignore=node_modules --ignore=media --ignore=static/vendor
messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages $(foreach l,$(LOCALES),-l $(l)) $(MAKEMESSAGES_IGNORE) \
		--add-location=file --no-obsolete
	$(BIN)/python manage.py makemessages -d djangojs $(foreach l,$(LOCALES),-l $(l)) \
		$(MAKEMESSAGES_IGNORE) --add-location=file --no-obsolete
	$(BIN)/python manage.py compile_catalogues

## .po -> .mo with polib (no gettext needed); CI runs it through `make test`.
compile-messages: $(VENV)/.installed-runtime
	$(BIN)/python manage.py compile_catalogues

seed: migrate
	$(BIN)/python manage.py load_starter_data --demo

## Serve the site on http://$(HOST):$(PORT) (SQLite, eager Celery, no services needed).
## One ASGI process (uvicorn) serves the pages and the reader's live-update sockets; it
## restarts when a Python file changes, as runserver did.
run: seed
	SITE_URL=$(SITE_URL) $(BIN)/uvicorn project.asgi:application --host $(HOST) --port $(PORT) \
		--ws websockets-sansio --reload --reload-dir apps --reload-dir project --reload-dir templates

## The whole suite. With DATABASE_URL/REDIS_URL set it runs on PostgreSQL + Redis + a real worker.
## TEST_WORKERS=2 runs it in two parallel processes (pytest-xdist; CI does, see .ci/run):
## each has its
## own test database, cache key prefix, channel-layer prefix and Celery queues (settings.py,
## TEST_WORKER). TEST_WORKERS=0 runs in one process; `auto` uses one per CPU. The browser
## tests share one worker (--dist loadgroup; tests/conftest.py): two Chromiums on this
## 2-core machine made focus and scroll checks race.
TEST_WORKERS ?= 0
test: $(VENV)/.installed-dev compile-messages
	$(BIN)/python manage.py makemigrations --check --dry-run > /dev/null || \
		(echo "Model changes without a migration: run manage.py makemigrations" && exit 1)
	$(BIN)/pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup) $(PYTEST_ARGS)

## A Celery worker for every queue, with the periodic scheduler (REDIS_URL must be set).
## Production runs one worker per queue instead (docs/deploy.md): worker-default, worker-imports.
worker: $(VENV)/.installed-runtime
	$(BIN)/celery -A project worker -B --loglevel=INFO

## E-mails, notices, re-anchoring, sweeps (and the one beat scheduler).
DEFAULT_QUEUE ?= $(or $(CELERY_QUEUE),celery)
WORKER_CONCURRENCY ?= 2
worker-default: $(VENV)/.installed-runtime
	$(BIN)/celery -A project worker -B -Q $(DEFAULT_QUEUE) -n default@%h \
		--concurrency $(WORKER_CONCURRENCY) --loglevel=INFO

## Imports only. Each process may start a layout child of SOURCE_IMPORT_MAX_MEMORY_MB and
## is replaced after a task that left it above IMPORT_MAX_MEMORY_KB.
IMPORT_QUEUE ?= $(or $(SOURCE_IMPORT_QUEUE),$(if $(CELERY_QUEUE),$(CELERY_QUEUE)-imports,imports))
IMPORT_CONCURRENCY ?= 2
IMPORT_MAX_MEMORY_KB ?= 524288
worker-imports: $(VENV)/.installed-runtime
	$(BIN)/celery -A project worker -Q $(IMPORT_QUEUE) -n imports@%h \
		--concurrency $(IMPORT_CONCURRENCY) --max-memory-per-child $(IMPORT_MAX_MEMORY_KB) \
		--loglevel=INFO

## ruff, and the import contracts in pyproject.toml (apps import downwards only: ADR 0006).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py

## 500 users (5 % signed-in writers) for 60 s through nginx's cache to gunicorn + Celery.
load: $(VENV)/.installed-dev
	bash bench/load/run.sh

## Capacity: the same mix at 25, 50, 100, 200 readers (30 s each); table and knee.
LOAD_STEPS ?= 25 50 100 200
load-steps: $(VENV)/.installed-dev
	LOAD_STEPS="$(LOAD_STEPS)" bash bench/load/run.sh

## Benchmark data in the configured database (SCALE=small|full; see docs/benchmarks.md).
SCALE ?= small
seed-bench: migrate
	$(BIN)/python manage.py seed_bench --scale $(SCALE)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
