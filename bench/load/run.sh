#!/usr/bin/env bash
# `make load`: nginx (bench/load/nginx.conf: proxy_cache honouring the app's Cache-Control;
# installed with apt-get when missing) in front of gunicorn (2 workers) + a Celery worker on
# PostgreSQL + Redis, driven by locust from a second process on loopback: 500 users, 5 % of
# them signed-in writers (LOAD_USERS, LOAD_WRITERS), for 60 s. LOAD_PROXY=none skips nginx.
# `make load-steps` (LOAD_STEPS="25 50 100 200"): the same mix, one step per reader count
# (LOAD_STEP_DURATION each, statistics reset once every user has started), then a table
# and the knee (bench/load/steps_report.py). With nginx, uvicorn serves /ws/ and 200 live
# readers (LOAD_LIVE_READERS; bench/load/live.py) hold sockets while a writer posts public
# annotations: delivery p95 ≤ 1 s. LOAD_SEED=small|full adds seed_bench data
# first. Needs the services (DATABASE_URL/REDIS_URL default to the local ones). Stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
PORT=${LOAD_PORT:-8077}          # what locust talks to (nginx, or gunicorn with LOAD_PROXY=none)
APP_PORT=${LOAD_APP_PORT:-8078}  # gunicorn behind nginx
WS_PORT=${LOAD_WS_PORT:-8079}    # uvicorn behind nginx: /ws/ (live updates)
PROXY=${LOAD_PROXY:-nginx}
USERS=${LOAD_USERS:-500}
DURATION=${LOAD_DURATION:-60s}
STEPS=${LOAD_STEPS:-}
STEP_DURATION=${LOAD_STEP_DURATION:-30s}
# Writers: 5 % of the users; the steps keep the historical 5 writers per step.
if [ -n "$STEPS" ]; then export LOAD_WRITERS=${LOAD_WRITERS:-5}; else export LOAD_WRITERS=${LOAD_WRITERS:-$((${LOAD_USERS:-500} / 20))}; fi
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

GUNICORN_PORT=$PORT
NGINX=
if [ "$PROXY" = nginx ]; then
  GUNICORN_PORT=$APP_PORT
  if ! command -v nginx > /dev/null && [ ! -x /usr/sbin/nginx ]; then
    apt-get install -y -qq nginx > /dev/null || { apt-get update -qq && apt-get install -y -qq nginx > /dev/null; }
  fi
  NGINX_DIR=${TMPDIR:-/tmp}/creditscape-load-nginx
  rm -rf "$NGINX_DIR"; mkdir -p "$NGINX_DIR"; chmod 777 "$NGINX_DIR"  # workers may run as nobody
  sed -e "s#@DIR@#$NGINX_DIR#g" -e "s#@PORT@#$PORT#g" -e "s#@UPSTREAM@#$APP_PORT#g" -e "s#@WS_UPSTREAM@#$WS_PORT#g" \
    bench/load/nginx.conf > "$NGINX_DIR/nginx.conf"
  /usr/sbin/nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" > "$OUT/nginx.log" 2>&1 &
  NGINX=$!
fi
$BIN/gunicorn project.wsgi --workers 2 --threads 4 --keep-alive "$KEEPALIVE" --backlog 2048 --bind 127.0.0.1:$GUNICORN_PORT --log-level warning > "$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
$BIN/celery -A project worker --concurrency 1 --loglevel WARNING > "$OUT/worker.log" 2>&1 &
WORKER=$!
UVICORN=
if [ "$PROXY" = nginx ]; then
  $BIN/uvicorn project.asgi:application --ws websockets-sansio --host 127.0.0.1 --port "$WS_PORT" \
    --log-level warning > "$OUT/uvicorn.log" 2>&1 &
  UVICORN=$!
fi
trap 'kill $GUNICORN $WORKER $NGINX $UVICORN 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.2; done

if [ -z "$STEPS" ]; then
  LIVE=
  if [ -n "$UVICORN" ] && [ "${LOAD_LIVE_READERS:-200}" != 0 ]; then
    # Connected readers for the live-update goal, alongside locust's users.
    $BIN/python bench/load/live.py > "$OUT/live.txt" 2>&1 &
    LIVE=$!
  fi
  $BIN/locust -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    --users "$USERS" --spawn-rate 100 --run-time "$DURATION" --stop-timeout 5 \
    --csv "$OUT/locust" --only-summary 2>&1 | tail -n 40 || true  # failures: judged below
  status=0
  $BIN/python bench/load/report.py "$OUT/locust_stats.csv" "$OUT/locust_failures.csv" || status=$?
  if [ -n "$LIVE" ]; then
    wait "$LIVE" || status=1
    cat "$OUT/live.txt"
  fi
  if [ -n "$NGINX" ]; then
    sleep 1.5  # the access log is flushed every second
    # The anonymous share: readers' GETs, by what nginx's cache did with them.
    # "-": no cache involved (the live-update sockets' upgrade requests).
    awk '$2 == "GET" && $1 != "-" { n[$1]++; total++ } END {
      served = n["HIT"] + n["STALE"] + n["UPDATING"] + n["REVALIDATED"];
      printf "nginx cache (anonymous GETs): %d requests, %.1f %% served by nginx", total, 100 * served / (total ? total : 1);
      for (s in n) printf ", %s %d", s, n[s]; print "" }' "$NGINX_DIR/access.log" | tee "$OUT/nginx-cache.txt"
  fi
  exit $status
fi

rm -f "$OUT"/step-* "$OUT/steps.txt"
# Warm-up, not reported: first requests compile templates and fill caches in each worker.
$BIN/locust -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  --users 15 --spawn-rate 15 --run-time "${LOAD_WARMUP:-15s}" --stop-timeout 5 --only-summary \
  > "$OUT/step-warmup.log" 2>&1 || true
for readers in $STEPS; do
  users=$((readers + LOAD_WRITERS))  # the locustfile's writers are always there
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
