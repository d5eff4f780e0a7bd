#!/usr/bin/env bash
# `make load`: gunicorn (2 workers) + a Celery worker on PostgreSQL + Redis, driven by
# locust from a second process on loopback: 50 readers + 5 writers for 60 s.
# Needs the services (DATABASE_URL/REDIS_URL default to the local ones). Stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
PORT=${LOAD_PORT:-8077}
DURATION=${LOAD_DURATION:-60s}
export DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/creditscape_load}
export REDIS_URL=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/4}
export DJANGO_DEBUG=false DJANGO_SECRET_KEY=load-test-secret-key-$(date +%s)-0123456789abcdefghij
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false
export DJANGO_STATIC_ROOT=${TMPDIR:-/tmp}/creditscape-load-static CELERY_QUEUE=load-$$
export DJANGO_LOG_LEVEL=WARNING
OUT=bench/out/load; mkdir -p "$OUT"

db=${DATABASE_URL##*/}
psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" > /dev/null
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py collectstatic --noinput -v0
$BIN/python manage.py load_starter_data > /dev/null
eval "$($BIN/python bench/load/prepare.py)"   # exports LOAD_TOKENS, LOAD_PASSAGES

$BIN/gunicorn project.wsgi --workers 2 --threads 4 --bind 127.0.0.1:$PORT --log-level warning > "$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
$BIN/celery -A project worker --concurrency 1 --loglevel WARNING > "$OUT/worker.log" 2>&1 &
WORKER=$!
trap 'kill $GUNICORN $WORKER 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.2; done

$BIN/locust -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  --users 55 --spawn-rate 25 --run-time "$DURATION" --stop-timeout 5 \
  --csv "$OUT/locust" --only-summary 2>&1 | tail -n 40
$BIN/python bench/load/report.py "$OUT/locust_stats.csv" "$OUT/locust_failures.csv"
