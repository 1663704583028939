#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis the tests use are answering; start local ones that are
# installed but stopped. With CI=true a service that stays down fails the run.
# Usage: scripts/ensure_services.sh PYTHON
set -uo pipefail
python=$1
check() { "$python" scripts/service_check.py "$1"; }

if ! check postgres; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 20); do check postgres && break; sleep 0.5; done
  fi
fi
if ! check redis; then
  if command -v redis-server >/dev/null; then
    echo "Starting Redis..."
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 20); do check redis && break; sleep 0.5; done
  fi
fi

status=0
for service in postgres redis; do
  if check "$service"; then
    echo "$service: up"
  elif [ "${CI:-}" = "true" ]; then
    echo "$service: DOWN, and CI=true makes that a failure" >&2
    status=1
  else
    echo "$service: down; the tests that need it will be skipped" >&2
  fi
done
exit $status
