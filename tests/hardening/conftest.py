"""Apps, the declared world and callers for the authorization table and the hostile inputs.

These tests get apps of their own (on the suite's PostgreSQL schema and SQLite file), so the
in-memory sandbox they poke at is not the one other tests use. Each request runs inside a
savepoint that is rolled back afterwards: every request sees the same world, whatever the
previous one did.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import Connection
from werkzeug.test import TestResponse

from tests.apps import make_app
from tests.conftest import rolled_back_session
from tests.factories import PASSWORD
from tests.helpers import csrf_from, log_in
from tests.routes import ROLES, World, build_world
from webapp.accounts.models import User
from webapp.extensions import db, limiter

# Reproducible in CI (derandomize), patient with a loaded machine (no deadline, no too_slow).
settings.register_profile(
    "hardening",
    deadline=None,
    derandomize=True,
    max_examples=int(os.environ.get("HARDENING_EXAMPLES", "6")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)


@pytest.fixture(scope="session")
def hardening_apps(postgresql_app: Flask, sqlite_app: Flask) -> dict[str, Flask]:
    """Apps of their own on the schemas the suite migrated (postgresql_app, sqlite_app)."""
    return {
        name: make_app(base.config["SQLALCHEMY_DATABASE_URI"])
        for name, base in (("postgresql", postgresql_app), ("sqlite", sqlite_app))
    }


@pytest.fixture(params=["postgresql", "sqlite"])
def hard_app(request: pytest.FixtureRequest, hardening_apps: dict[str, Flask]) -> Iterator[Flask]:
    app = hardening_apps[request.param]
    limiter.reset()
    with rolled_back_session(app):
        yield app


@pytest.fixture
def pg_hard_app(hardening_apps: dict[str, Flask]) -> Iterator[Flask]:
    app = hardening_apps["postgresql"]
    limiter.reset()
    with rolled_back_session(app):
        yield app


@dataclass
class Caller:
    """One of ROLES: a browser session (signed in unless anonymous) and an API token. Each
    request gets a fresh client carrying the same session cookie, so that a logout or a cookie
    set by one request does not follow the caller into the next."""

    role: str
    app: Flask
    session_cookie: str
    token: str | None
    csrf: str

    @property
    def client(self) -> FlaskClient:
        client = self.app.test_client()
        client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.session_cookie)
        return client

    def headers(self, path: str) -> dict[str, str]:
        if path.startswith("/api/") and self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {}


@dataclass
class Setting:
    app: Flask
    world: World
    callers: dict[str, Caller]
    baseline: dict[str, str]  # database_snapshot() of the world as built

    def send(self, role: str, method: str, url: str, **kwargs: object) -> TestResponse:
        """One request in a savepoint that is rolled back afterwards."""
        return self.send_and_compare(role, method, url, compare=False, **kwargs)[0]

    def send_and_compare(
        self, role: str, method: str, url: str, *, compare: bool = True, **kwargs: object
    ) -> tuple[TestResponse, set[str]]:
        """The answer, and when it is a refusal (4xx) the tables whose rows it changed (looked
        at before the rollback, against the world as built)."""
        caller = self.callers[role]
        headers = {**caller.headers(url), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        if method != "GET" and not url.startswith("/api/") and not kwargs.keys() & BODIES:
            kwargs["data"] = {"csrf_token": caller.csrf}
        changed: set[str] = set()
        with isolated(self.app):
            response = caller.client.open(url, method=method, headers=headers, **kwargs)
            if compare and 400 <= response.status_code < 500:
                db.session.remove()  # what the request left uncommitted never happened
                after = database_snapshot()
                changed = {table for table, rows in self.baseline.items() if after[table] != rows}
        return response, changed


BODIES = {"data", "json"}


@contextmanager
def isolated(app: Flask) -> Iterator[None]:
    db.session.remove()
    connection = db.session.get_bind()
    assert isinstance(connection, Connection)
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        savepoint.rollback()
        limiter.reset()  # rate limits are not what these tests are about


@pytest.fixture
def setting(hard_app: Flask) -> Setting:
    return make_setting(hard_app)


@pytest.fixture
def pg_setting(pg_hard_app: Flask) -> Setting:
    return make_setting(pg_hard_app)


def make_setting(app: Flask) -> Setting:
    world = build_world()
    callers = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            user = db.session.get(User, world.users[role])
            assert user is not None
            log_in(client, user.email, PASSWORD)
        csrf = csrf_from(client, "/")
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        assert cookie is not None
        callers[role] = Caller(role, app, cookie.value, world.tokens.get(role), csrf)
    return Setting(app, world, callers, database_snapshot())


def database_snapshot() -> dict[str, str]:
    """A digest of every table's rows: equal snapshots, nothing changed. PostgreSQL digests
    each table itself in one statement; SQLite, in process, is read table by table."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        tables = connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).scalars()
        digest = " UNION ALL ".join(
            f"SELECT '{t}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
            f'FROM "{t}" r'
            for t in tables
        )
        snapshot = dict(connection.exec_driver_sql(digest).all())
    else:
        tables = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"
        ).scalars()
        snapshot = {
            table: repr(sorted(map(repr, connection.exec_driver_sql(f'SELECT * FROM "{table}"'))))
            for table in list(tables)
        }
    db.session.rollback()
    return snapshot
