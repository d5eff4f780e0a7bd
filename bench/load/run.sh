#!/usr/bin/env bash
# `make load`: gunicorn (2 workers) + a Celery worker on PostgreSQL + Redis, driven by
# locust from a second process on loopback: 50 readers + 5 writers for 60 s.
# `make load-steps` (LOAD_STEPS="25 50 100 200"): the same mix, one step per reader count
# (LOAD_STEP_DURATION each, statistics reset once every user has started), then a table
# and the knee (bench/load/steps_report.py). LOAD_SEED=small|full adds seed_bench data
# first. Needs the services (DATABASE_URL/REDIS_URL default to the local ones). Stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
PORT=${LOAD_PORT:-8077}
DURATION=${LOAD_DURATION:-60s}
STEPS=${LOAD_STEPS:-}
STEP_DURATION=${LOAD_STEP_DURATION:-30s}
# Idle keep-alive connections are kept 5 s (gunicorn's default is 2 s): writers pace at
# 2.5 s, so with 2 s a writer's POST sometimes raced the server closing its idle
# connection (a reset, status 0; seen in `make load` on a quiet machine too): the
# client's artefact, not the server's. Behind a proxy, keep the proxy's upstream idle
# timeout below gunicorn's for the same reason (docs/deploy.md).
KEEPALIVE=${LOAD_KEEPALIVE:-5}
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
if [ -n "${LOAD_SEED:-}" ]; then
  $BIN/python manage.py seed_bench --scale "$LOAD_SEED" | tee "$OUT/seed.log" | tail -n 1
fi
eval "$($BIN/python bench/load/prepare.py)"   # exports LOAD_TOKENS, LOAD_PASSAGES

$BIN/gunicorn project.wsgi --workers 2 --threads 4 --keep-alive "$KEEPALIVE" --bind 127.0.0.1:$PORT --log-level warning > "$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
$BIN/celery -A project worker --concurrency 1 --loglevel WARNING > "$OUT/worker.log" 2>&1 &
WORKER=$!
trap 'kill $GUNICORN $WORKER 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.2; done

if [ -z "$STEPS" ]; then
  $BIN/locust -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    --users 55 --spawn-rate 25 --run-time "$DURATION" --stop-timeout 5 \
    --csv "$OUT/locust" --only-summary 2>&1 | tail -n 40
  $BIN/python bench/load/report.py "$OUT/locust_stats.csv" "$OUT/locust_failures.csv"
  exit
fi

rm -f "$OUT"/step-* "$OUT/steps.txt"
# Warm-up, not reported: first requests compile templates and fill caches in each worker.
$BIN/locust -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  --users 15 --spawn-rate 15 --run-time "${LOAD_WARMUP:-15s}" --stop-timeout 5 --only-summary \
  > "$OUT/step-warmup.log" 2>&1 || true
for readers in $STEPS; do
  users=$((readers + 5))  # the locustfile's 5 writers are always there
  rate=$((users / 4 > 25 ? users / 4 : 25))
  before=$(cut -d' ' -f1 /proc/loadavg)
  echo "step: $readers readers + 5 writers for $STEP_DURATION (load average $before)"
  # A step with failures makes locust exit 1; the report judges the steps.
  $BIN/locust -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    --users "$users" --spawn-rate "$rate" --run-time "$STEP_DURATION" --stop-timeout 5 \
    --reset-stats --csv "$OUT/step-$readers" --only-summary > "$OUT/step-$readers.log" 2>&1 || true
  echo "$readers $before $(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/steps.txt"
  sleep 5  # let queued requests drain before the next step
done
$BIN/python bench/load/steps_report.py "$OUT"
