"""The migrations, run on an empty database, produce exactly the schema the models describe."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.apps import make_app
from webapp.extensions import db


def schema_differences(app: Flask) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_upgraded_schema_matches_the_models(request: pytest.FixtureRequest, dialect: str) -> None:
    app = request.getfixturevalue(f"{dialect}_app")  # both were built by `upgrade()` alone

    assert schema_differences(app) == []


def test_downgrade_to_nothing_and_back(tmp_path: Path, sqlite_app: Flask) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()

    assert schema_differences(app) == []
