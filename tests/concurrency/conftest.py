"""Live servers with real commits, for races between many clients on real connections.

Each dialect gets its own database (PostgreSQL: `<test db>_race`; SQLite: a temporary file),
built by the migrations, and a threaded server in this process. Tests here never use the
rolled-back `app` fixture: they see what concurrent, committed requests leave behind.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import make_url, text
from werkzeug.serving import make_server

from tests.apps import TEST_DATABASE_URL, make_app
from tests.conftest import ensure_postgres_database, reset_postgres_schema
from tests.factories import create_token, create_trip, create_user
from webapp.extensions import db, limiter

RACE_SETTINGS = {
    "HOLD_RATE_LIMIT": "100000 per minute",
    "HOLD_IP_RATE_LIMIT": "100000 per minute",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 30, "max_overflow": 50, "pool_timeout": 60},
}


@dataclass
class RaceSite:
    app: Flask
    url: str

    @contextmanager
    def context(self) -> Iterator[None]:
        with self.app.app_context():
            yield
            db.session.remove()

    def passengers(self, count: int) -> list[dict[str, str]]:
        """`count` users, each with a bearer header."""
        with self.context():
            headers = []
            for _ in range(count):
                _, token = create_token(create_user())
                headers.append({"Authorization": f"Bearer {token}"})
            return headers

    def trip(self, **overrides: Any) -> int:
        with self.context():
            return create_trip(**overrides).id

    def sql(self, statement: str, **params: Any) -> list[tuple]:
        with self.context():
            return [tuple(row) for row in db.session.execute(text(statement), params)]


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def race_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, redis_client: object
) -> Iterator[RaceSite]:
    if request.param == "postgresql":
        url = make_url(TEST_DATABASE_URL)
        url = url.set(database=f"{url.database}_race").render_as_string(hide_password=False)
        ensure_postgres_database(url)
        app = make_app(url, **RACE_SETTINGS)
        reset_postgres_schema(app)
    else:
        app = make_app(f"sqlite:///{tmp_path_factory.mktemp('race') / 'race.db'}", **RACE_SETTINGS)
    app.config["TESTING"] = False  # serve as production does
    with app.app_context():
        upgrade()
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield RaceSite(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


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
