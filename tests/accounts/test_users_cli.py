from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import create_user
from webapp.accounts.models import User
from webapp.extensions import db


def test_create_admin_and_issue_a_working_token(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()

    created = runner.invoke(
        args=["users", "create", "Ops@Example.com", "--password", "a long admin phrase", "--admin"]
    )
    issued = runner.invoke(args=["users", "token", "ops@example.com", "--name", "laptop"])

    assert created.exit_code == 0, created.output
    user = db.session.scalar(select(User).where(User.email == "ops@example.com"))
    assert user.is_admin
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip()
    response = client.get(
        "/api/trips?origin=x&destination=y", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422  # authenticated; the search itself is what is wrong


def test_cli_errors_are_messages_not_tracebacks(app: Flask) -> None:
    create_user(email="taken@example.com")
    runner = app.test_cli_runner()

    taken = runner.invoke(
        args=["users", "create", "taken@example.com", "--password", "long enough!!"]
    )
    weak = runner.invoke(args=["users", "create", "new@example.com", "--password", "short"])
    unknown = runner.invoke(args=["users", "token", "nobody@example.com"])

    assert (taken.exit_code, weak.exit_code, unknown.exit_code) == (1, 1, 1)
    assert "already exists" in taken.output
    assert "at least 10" in weak.output
    assert "No account" in unknown.output
    assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None


def test_create_with_a_phone_keeps_it_in_e164(app: Flask) -> None:
    runner = app.test_cli_runner()

    created = runner.invoke(
        args=[
            "users",
            "create",
            "ada@example.com",
            "--password",
            "a long bus ride",
            "--phone",
            "0803 123 4567",
        ]
    )
    bad = runner.invoke(
        args=[
            "users",
            "create",
            "bola@example.com",
            "--password",
            "a long bus ride",
            "--phone",
            "12",
        ]
    )

    assert created.exit_code == 0, created.output
    user = db.session.scalar(select(User).where(User.email == "ada@example.com"))
    assert user.phone == "+2348031234567"
    assert bad.exit_code == 1
    assert "phone number" in bad.output
