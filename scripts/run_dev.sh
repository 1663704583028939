#!/usr/bin/env bash
# `make run`: the web server, plus an RQ worker and the one `rq cron` scheduler when Redis answers.
# Stopping the server (Ctrl+C) stops the worker and the scheduler too.
set -euo pipefail
bin=$1
port=$2
export PORT=$port
flask=("$bin/flask" --app wsgi:app)

# .env may set REDIS_URL; the app reads it the same way (the environment wins).
redis_url=$("$bin/python" -c 'import os; from dotenv import load_dotenv; load_dotenv(override=False); print(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))')
children=()
cleanup() {
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if "$bin/python" -c 'import redis, sys; sys.exit(0 if redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping() else 1)' "$redis_url" 2>/dev/null; then
  echo "Redis is reachable at $redis_url: starting an RQ worker and the job scheduler (rq cron)."
  "${flask[@]}" jobs worker &
  children+=($!)
  "$bin/rq" cron jobs/schedule.py --url "$redis_url" --logging-level WARNING &
  children+=($!)
else
  echo "Redis is NOT reachable at $redis_url: no worker or scheduler. Rate limits are kept in memory,"
  echo "jobs that a change needs run inline after it commits, and periodic jobs can be run from"
  echo "the admin jobs page (/admin/jobs) or with: flask --app wsgi:app jobs run <job>."
fi
"${flask[@]}" run --host 127.0.0.1 --port "$port"
