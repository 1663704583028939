"""Two web servers (two processes, each with its own seat cache and connection pool) on one
PostgreSQL database, as behind a load balancer. Passengers race for the same seats through both:
exactly one wins, in the database; the loser's cache, still showing the seats free, never grants
them; and the winner paying through both servers at once is charged once."""

import uuid
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import make_url, text

from tests.apps import TEST_DATABASE_URL, make_app
from tests.concurrency.conftest import race
from tests.conftest import ensure_postgres_database, reset_postgres_schema
from tests.factories import create_layout, create_token, create_trip, create_user
from tests.faults.services import web_process
from webapp.extensions import db

RACERS = 16
SEATS = ["1A", "1B"]
SERVER_SETTINGS = {
    "SEAT_STATE_CACHE_SECONDS": 30,  # a cache far staler than the race: only the database decides
    "HOLD_RATE_LIMIT": "100000 per minute",
    "HOLD_IP_RATE_LIMIT": "100000 per minute",
    "CHECKOUT_RATE_LIMIT": "100000 per minute",
    "CHECKOUT_IP_RATE_LIMIT": "100000 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10, "max_overflow": 10, "pool_timeout": 30},
}


@pytest.fixture(scope="module")
def database(redis_client: object) -> Iterator[tuple[Flask, str]]:
    url = make_url(TEST_DATABASE_URL)
    url = url.set(database=f"{url.database}_twoweb").render_as_string(hide_password=False)
    ensure_postgres_database(url)
    app = make_app(url)
    reset_postgres_schema(app)
    with app.app_context():
        upgrade()
    yield app, url
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def servers(database: tuple[Flask, str]) -> Iterator[list[str]]:
    _, url = database
    with (
        web_process(url, **SERVER_SETTINGS) as first,
        web_process(url, **SERVER_SETTINGS) as second,
    ):
        yield [first, second]


def sql(app: Flask, statement: str, **params: object) -> list[tuple]:
    with app.app_context():
        rows = [tuple(row) for row in db.session.execute(text(statement), params)]
        db.session.remove()
        return rows


def test_two_servers_racing_for_the_same_seats_have_one_winner(database, servers) -> None:
    app, _ = database
    with app.app_context():
        trip_id = create_trip(layout=create_layout([["SS.SS"] * 2])).id
        tokens = []
        for _ in range(RACERS):
            user = create_user()
            tokens.append((user.email, create_token(user)[1]))
        db.session.remove()
    for server in servers:  # each process caches the seats as free
        assert requests.get(f"{server}/trips/{trip_id}/seats", timeout=10).status_code == 200

    answers = race(
        RACERS,
        lambda i, http: http.post(
            f"{servers[i % 2]}/api/bookings/reserve",
            json={"tripId": trip_id, "seatNumbers": SEATS},
            headers={"Authorization": f"Bearer {tokens[i][1]}"},
            timeout=60,
        ),
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409, 503}, statuses
    winner = next(i for i, answer in enumerate(answers) if answer.status_code == 201)
    booking_id = answers[winner].json()["bookingId"]
    held = sql(
        app,
        "SELECT label, status, booking_id FROM trip_seats WHERE trip_id = :t AND label IN "
        "('1A', '1B') ORDER BY label",
        t=trip_id,
    )
    assert held == [("1A", "held", booking_id), ("1B", "held", booking_id)]
    assert sql(app, "SELECT count(*) FROM bookings WHERE trip_id = :t", t=trip_id) == [(1,)]
    assert sql(app, "SELECT count(*) FROM booking_seats WHERE booking_id = :b", b=booking_id) == [
        (2,)
    ]

    # The other server's cache last saw the seats free; the database still refuses them.
    loser = (winner + 1) % RACERS
    again = requests.post(
        f"{servers[(winner + 1) % 2]}/api/bookings/reserve",
        json={"tripId": trip_id, "seatNumbers": SEATS},
        headers={"Authorization": f"Bearer {tokens[loser][1]}"},
        timeout=30,
    )
    assert again.status_code == 409
    assert sorted(again.json()["details"]["seatNumbers"]) == SEATS

    pay_through_both_at_once(app, servers, trip_id, booking_id, tokens[winner])


def pay_through_both_at_once(app, servers, trip_id, booking_id, winner) -> None:
    """The winner's app retries its payment request on the other server while the first is
    still running (same Idempotency-Key): one payment, nothing started twice."""
    email, token = winner
    key = str(uuid.uuid4())
    body = {
        "bookingId": booking_id,
        "email": email,
        "passengers": [
            {"seatNumber": seat, "name": f"Passenger {seat}", "phone": "0803 123 4567"}
            for seat in SEATS
        ],
    }
    answers = race(
        2,
        lambda i, http: http.post(
            f"{servers[i]}/api/payments",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            timeout=60,
        ),
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([201, 201], [201, 409]), [a.text for a in answers]
    created = {a.json()["paymentId"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert sql(
        app, "SELECT count(*), min(status) FROM payments WHERE booking_id = :b", b=booking_id
    ) == [(1, "PENDING")]
    assert sql(app, "SELECT count(*) FROM refunds WHERE booking_id = :b", b=booking_id) == [(0,)]
    assert sql(app, "SELECT status FROM bookings WHERE id = :b", b=booking_id) == [
        ("PENDING_PAYMENT",)
    ]
    assert sql(app, "SELECT count(*) FROM bookings WHERE trip_id = :t", t=trip_id) == [(1,)]
