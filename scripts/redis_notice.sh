#!/usr/bin/env bash
# Say plainly whether Redis is reachable for this `make run`.
python=$1
if "$python" -c 'import os, redis, sys; sys.exit(0 if redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), socket_connect_timeout=1).ping() else 1)' 2>/dev/null; then
  echo "Redis is reachable: rate limits are shared in Redis."
else
  echo "Redis is NOT reachable: rate limits are kept in memory; everything else works without it."
fi
