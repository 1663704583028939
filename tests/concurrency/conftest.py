"""Races between many clients on real connections, against a live site per dialect."""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.live import LiveSite, live_site

RaceSite = LiveSite

RACE_SETTINGS = {
    "HOLD_RATE_LIMIT": "100000 per minute",
    "HOLD_IP_RATE_LIMIT": "100000 per minute",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 30, "max_overflow": 50, "pool_timeout": 60},
}


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def race_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, redis_client: object
) -> Iterator[LiveSite]:
    with live_site(request.param, "race", tmp_path_factory.mktemp("race"), **RACE_SETTINGS) as site:
        yield site


def race(count: int, request: Callable[[int, requests.Session], requests.Response]) -> list:
    """Run `request(i, session)` in `count` threads released together; returns the responses."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        with requests.Session() as session:
            barrier.wait()
            try:
                results[i] = request(i, session)
            except requests.RequestException as error:  # recorded, and fails the test's checks
                results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
