"""The per-IP and per-account limits, counted in one Redis round trip or, while Redis fails, in
this process's memory."""

import uuid

import pytest
import redis
from limits import parse
from limits.storage import RedisStorage

from tests.apps import TEST_REDIS_URL
from webapp import ratelimits


def checks(ip_limit: str, account_limit: str) -> list:
    run = uuid.uuid4().hex  # counters of their own, whatever an earlier run left in Redis
    return [(parse(ip_limit), f"ip-{run}"), (parse(account_limit), f"user-{run}")]


def test_both_limits_are_counted_and_the_tighter_one_refuses(redis_client: redis.Redis) -> None:
    storage = RedisStorage(TEST_REDIS_URL)
    both = checks("5 per minute", "2 per minute")

    answers = [ratelimits.count_hits(both, "test", storage) for _ in range(3)]

    assert answers[:2] == [None, None]
    assert 1 <= answers[2] <= 60  # seconds until the account's minute ends
    ip_key = storage.prefixed_key(both[0][0].key_for("test", both[0][1]))
    assert int(redis_client.get(ip_key)) == 3  # the refused attempt counted too


def test_while_redis_fails_the_limits_are_kept_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimits, "_redis_down_until", 0.0)
    dead = RedisStorage("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    both = checks("100 per minute", "2 per minute")

    answers = [ratelimits.count_hits(both, "test", dead) for _ in range(3)]

    assert answers[:2] == [None, None]
    assert answers[2] is not None
    assert ratelimits._redis_down_until > 0  # Redis is not asked again for a few seconds
