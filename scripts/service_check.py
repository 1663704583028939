"""Exit 0 when the named test service (postgres or redis) answers, 1 otherwise."""

import os
import sys

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def postgres_up() -> bool:
    import psycopg

    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES).replace("+psycopg", "")
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def redis_up() -> bool:
    import redis

    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except (redis.RedisError, OSError):
        return False


if __name__ == "__main__":
    checks = {"postgres": postgres_up, "redis": redis_up}
    sys.exit(0 if checks[sys.argv[1]]() else 1)
