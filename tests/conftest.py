"""Shared fixtures: apps on PostgreSQL and SQLite, per-test rollback isolation, clients, clock.

Every test that uses `app` runs inside one outer transaction on one connection; the code under
test commits to savepoints inside it, and the outer transaction is rolled back afterwards. The
schema comes from running the migrations, never from `create_all`, so the tests also prove the
migrations. Services that must be there (PostgreSQL, Redis) skip a test when absent, except under
CI=true, where their absence fails the run.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from tests.apps import TEST_DATABASE_URL, TEST_REDIS_URL, make_app
from webapp import clock
from webapp.extensions import db, limiter

IN_CI = os.environ.get("CI") == "true"

pytest_plugins = ["tests.paysite"]  # the paying live site's fixtures, for every test folder


def service_missing(what: str) -> None:
    """Skip locally, fail in CI: a missing service must never pass silently there."""
    if IN_CI:
        pytest.fail(f"{what} is not reachable and CI=true", pytrace=False)
    pytest.skip(f"{what} is not reachable")


def ensure_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{parsed.database}"')
    except psycopg.OperationalError:
        service_missing("PostgreSQL at " + parsed.render_as_string(hide_password=True))


def reset_postgres_schema(app: Flask) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        service_missing(f"Redis at {TEST_REDIS_URL}")
    return client


@pytest.fixture(scope="session")
def postgresql_app(redis_client: redis.Redis) -> Flask:
    ensure_postgres_database(TEST_DATABASE_URL)
    app = make_app(TEST_DATABASE_URL)
    reset_postgres_schema(app)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def sqlite_app(redis_client: redis.Redis, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    path = tmp_path_factory.mktemp("sqlite") / "roadpass.db"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
    return app


@contextmanager
def rolled_back_session(app: Flask) -> Iterator[None]:
    """Bind `db.session` to one connection whose outer transaction is rolled back at the end.

    Flask-SQLAlchemy's own Session picks its engine in `get_bind` and ignores a `bind=`
    connection, which lets commits escape; a plain SQLAlchemy Session bound to the connection
    with savepoints keeps every commit inside the outer transaction.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, class_=Session, join_transaction_mode="create_savepoint")
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(params=["postgresql"])
def app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on PostgreSQL; `@pytest.mark.parametrize("app", [...], indirect=True)` for more."""
    base: Flask = request.getfixturevalue(f"{request.param}_app")
    limiter.reset()
    with rolled_back_session(base):
        yield base


@pytest.fixture
def travel() -> Iterator[object]:
    """Move the application clock: `travel(timedelta(minutes=16))`. Restored afterwards."""

    def move(by: timedelta) -> None:
        clock.set_offset(by)

    yield move
    clock.set_offset(timedelta(0))


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
