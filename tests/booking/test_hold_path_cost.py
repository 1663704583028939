"""What one API hold costs in SQL: the statements every hold runs, with and without an
Idempotency-Key, so that the lean write path stays lean."""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.factories import create_token, create_trip, create_user
from webapp.accounts import token_cache
from webapp.extensions import db
from webapp.idempotency.models import IdempotencyKey


@pytest.fixture
def headers(app: Flask) -> dict:
    cache = token_cache.cache()
    assert cache is not None
    assert cache.wait_until_listening(timeout=10)
    _, plain = create_token(create_user())
    return {"Authorization": f"Bearer {plain}"}


def statements_of(client: FlaskClient, path: str, body: dict, headers: dict) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement: str, *_args: object) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            seen.append(statement.split(None, 1)[0].upper())  # the test's own outer transaction

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.post(path, json=body, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 201, response.get_data(as_text=True)
    return seen


def test_a_hold_by_a_known_token_runs_five_statements(client: FlaskClient, headers: dict) -> None:
    trip = create_trip()
    body = {"tripId": trip.id, "seatNumbers": ["1A"]}
    client.post("/api/bookings/reserve", json={**body, "seatNumbers": ["9Z"]}, headers=headers)

    seen = statements_of(client, "/api/bookings/reserve", {**body}, headers)

    # The trip and seats; the holder's lock; the booking; the seats claimed and linked; audit.
    assert seen == ["SELECT", "SELECT", "INSERT", "WITH", "INSERT"]


def test_an_idempotency_key_adds_two_statements_and_commits_with_the_hold(
    client: FlaskClient, headers: dict
) -> None:
    trip = create_trip()
    body = {"tripId": trip.id, "seatNumbers": ["1A"]}
    client.post("/api/bookings/reserve", json={**body, "seatNumbers": ["9Z"]}, headers=headers)

    seen = statements_of(
        client, "/api/bookings/reserve", body, {**headers, "Idempotency-Key": "cost-1"}
    )

    # The advisory lock and the look-up of the key first, then the hold's five, then the
    # answered key row, all in one transaction (before, the key took two more of their own).
    assert seen == ["SELECT", "SELECT", "SELECT", "SELECT", "INSERT", "WITH", "INSERT", "INSERT"]
    stored = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "cost-1"))
    assert stored.response_status == 201
    assert stored.completed_at is not None
