"""The rate limits of actions that create things (SPEC §11): per IP address and per account,
the same for the browser and the API. Limits are read from settings on each request.

Both limits of an action are counted in one round trip to Redis: the `limits` library's own
fixed-window counter script (the one Flask-Limiter runs for each limit), sent twice in one
pipeline, in the storage Flask-Limiter was configured with, so `limiter.reset()` and every
other setting apply to them too. When Redis fails, the counts are kept in this process's memory
until it answers again, as Flask-Limiter's in-memory fallback does.
"""

import logging
import math
import time
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

import redis
from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from werkzeug.exceptions import TooManyRequests

from webapp.accounts.caller import caller_id
from webapp.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)

RETRY_REDIS_AFTER_SECONDS = 5.0
_FALLBACK = MemoryStorage()
_redis_down_until = 0.0


@lru_cache(maxsize=64)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def per_ip_and_account(action: str) -> Callable[[F], F]:
    """Limit a view by `<ACTION>_IP_RATE_LIMIT` per address and `<ACTION>_RATE_LIMIT` per
    account. Goes below the decorator that authenticates, so the account is known."""
    scope = action.lower()

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            config = current_app.config
            checks = [
                (_limit(config[f"{action}_IP_RATE_LIMIT"]), f"{scope}-ip:{get_remote_address()}"),
                (_limit(config[f"{action}_RATE_LIMIT"]), f"{scope}-user:{caller_id()}"),
            ]
            refused = count_hits(
                checks, f"{config.get('RATELIMIT_KEY_PREFIX', '')}/{request.endpoint}"
            )
            if refused is not None:
                raise TooManyRequests(retry_after=refused)
            return view(*args, **kwargs)

        # Counted here instead: Flask-Limiter's own check would only look for limits to apply.
        return limiter.exempt(wrapper)  # type: ignore[return-value]

    return decorate


def count_hits(
    checks: list[tuple[RateLimitItem, str]], namespace: str, storage: Storage | None = None
) -> int | None:
    """Count one hit against each (limit, identity) in `storage` (Flask-Limiter's by default);
    None if all allow it, else the seconds until the first exceeded window ends. Every limit is
    counted, as Flask-Limiter counts them."""
    global _redis_down_until
    keys = [item.key_for(namespace, identity) for item, identity in checks]
    storage = storage or limiter.storage
    counts: list[int] | None = None
    if isinstance(storage, RedisStorage) and time.monotonic() >= _redis_down_until:
        try:
            counts = _count_in_redis(storage, checks, keys)
        except (redis.RedisError, OSError) as error:
            log.warning("rate limits kept in memory for a while: Redis failed (%s)", error)
            _redis_down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
    if counts is None:
        storage = storage if not isinstance(storage, RedisStorage) else _FALLBACK
        counts = [
            storage.incr(key, item.get_expiry())
            for (item, _), key in zip(checks, keys, strict=True)
        ]
    for (item, _), key, count in zip(checks, keys, counts, strict=True):
        if count > item.amount:
            try:
                ends = storage.get_expiry(key)
            except (redis.RedisError, OSError):
                ends = time.time() + item.get_expiry()
            return min(item.get_expiry(), max(1, math.ceil(ends - time.time())))
    return None


def _count_in_redis(
    storage: RedisStorage, checks: list[tuple[RateLimitItem, str]], keys: list[str]
) -> list[int]:
    """EVALSHA of the library's script, twice in one pipeline. (Handing the Script object to a
    pipeline would first ask SCRIPT EXISTS, a second round trip on every request.)"""
    script = storage.lua_incr_expire
    for attempt in range(2):
        pipeline = storage.get_connection().pipeline(transaction=False)
        for (item, _), key in zip(checks, keys, strict=True):
            pipeline.evalsha(script.sha, 1, storage.prefixed_key(key), item.get_expiry(), 1)
        try:
            return [int(count) for count in pipeline.execute()]
        except redis.exceptions.NoScriptError:
            if attempt:
                raise
            script.sha = storage.get_connection().script_load(script.script)  # Redis restarted
    raise AssertionError("unreachable")
