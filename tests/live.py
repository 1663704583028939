"""Live sites with real commits: the whole app (and its sandbox gateway) served on a port, on its
own database per dialect (PostgreSQL: `<test db>_<name>`; SQLite: a temporary file), built by the
migrations. Tests using them never use the rolled-back `app` fixture: they see what concurrent,
committed requests leave behind."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import make_url, text

from tests.apps import TEST_DATABASE_URL, make_app, served
from tests.conftest import ensure_postgres_database, reset_postgres_schema
from tests.factories import create_token, create_trip, create_user
from webapp.extensions import db, limiter


@dataclass
class LiveSite:
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


@contextmanager
def live_site(dialect: str, name: str, folder: Path, **settings: Any) -> Iterator[LiveSite]:
    if dialect == "postgresql":
        url = make_url(TEST_DATABASE_URL)
        url = url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)
        ensure_postgres_database(url)
        app = make_app(url, **settings)
        reset_postgres_schema(app)
    else:
        app = make_app(f"sqlite:///{folder / f'{name}.db'}", **settings)
    app.config["TESTING"] = False  # serve as production does
    with app.app_context():
        upgrade()
    limiter.reset()
    with served(app) as base_url:
        yield LiveSite(app, base_url)
    with app.app_context():
        db.engine.dispose()
