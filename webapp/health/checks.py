"""Cheap liveness checks for the database and Redis, with short timeouts."""

import redis
from sqlalchemy import text

from webapp.extensions import db

REDIS_TIMEOUT_SECONDS = 0.5


def redis_is_up(url: str) -> bool:
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        return bool(client.ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def database_is_up() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "down" here; the details go to the log
        db.session.rollback()
        return False
