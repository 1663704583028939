"""Seat and hold endpoints of the JSON API, and the idempotency layer behind every POST."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import create_booked_seats, create_token, create_trip, create_user, held
from tests.helpers import assert_api_error
from webapp import clock
from webapp.booking.models import Booking
from webapp.booking.services import hold_seats
from webapp.extensions import db
from webapp.idempotency.models import IdempotencyKey
from webapp.idempotency.services import delete_expired_keys, fingerprint


@pytest.fixture
def auth() -> dict:
    user = create_user()
    _, plain = create_token(user)
    return {"user": user, "headers": {"Authorization": f"Bearer {plain}"}}


def reserve(client: FlaskClient, auth: dict, body: object, key: str | None = None):
    headers = dict(auth["headers"])
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/bookings/reserve", json=body, headers=headers)


def bookings() -> int:
    return db.session.scalar(select(func.count(Booking.id)))


def test_seats_endpoint_with_etag_and_304(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()
    create_booked_seats(trip, ["1A"])
    hold_seats(auth["user"].id, trip.id, ["1B"])
    url = f"/api/trips/{trip.id}/seats"

    response = client.get(url, headers=auth["headers"])
    again = client.get(url, headers={**auth["headers"], "If-None-Match": response.headers["ETag"]})

    assert response.status_code == 200
    body = response.get_json()
    assert body["tripId"] == trip.id
    seats = {seat["number"]: seat for seat in body["seats"]}
    assert seats["1A"] == {"number": "1A", "status": "booked", "mine": False}
    assert seats["1B"] == {"number": "1B", "status": "held", "mine": True}
    assert seats["2A"] == {"number": "2A", "status": "available", "mine": False}
    assert again.status_code == 304
    assert again.get_data() == b""


def test_seats_of_unknown_trip_is_404(client: FlaskClient, auth: dict) -> None:
    assert_api_error(
        client.get("/api/trips/999999/seats", headers=auth["headers"]), 404, "NOT_FOUND"
    )


def test_legacy_reserve_lookup_lists_free_seats(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()
    hold_seats(create_user().id, trip.id, ["1A", "2B"])

    response = client.get(f"/api/bookings/reserve?tripId={trip.id}", headers=auth["headers"])

    assert response.get_json() == {
        "tripId": trip.id,
        "onSale": True,
        "seatNumbers": ["1B", "1C", "2A", "2C"],
    }


@pytest.mark.parametrize("trip_id", ["", "abc", "-1", "0", "1.5"])
def test_legacy_reserve_lookup_validates_the_trip_id(
    client: FlaskClient, auth: dict, trip_id: str
) -> None:
    response = client.get(f"/api/bookings/reserve?tripId={trip_id}", headers=auth["headers"])

    assert_api_error(response, 422, "VALIDATION_ERROR")


def test_reserve_holds_and_answers_201(client: FlaskClient, auth: dict) -> None:
    trip = create_trip(fare_amount=1_200_000)

    response = reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["2a", "2B"]})

    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "HELD"
    assert body["seatNumbers"] == ["2A", "2B"]
    assert body["reference"].startswith("RP-")
    assert body["totalAmount"] == 2 * (1_200_000 + 25_000)
    assert body["currency"] == "NGN"
    assert body["expiresAt"].endswith("+01:00")
    assert db.session.get(Booking, body["bookingId"]).user_id == auth["user"].id


def test_reserve_conflict_names_the_taken_seats(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()
    hold_seats(create_user().id, trip.id, ["1C"])

    response = reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1B", "1C"]})

    body = assert_api_error(response, 409, "SEATS_UNAVAILABLE")
    assert body["details"] == {"seatNumbers": ["1C"]}


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "tripId=1",
        {"seatNumbers": ["1A"]},
        {"tripId": "abc", "seatNumbers": ["1A"]},
        {"tripId": True, "seatNumbers": ["1A"]},
        {"tripId": "TRIP", "seatNumbers": "1A"},
        {"tripId": "TRIP", "seatNumbers": []},
        {"tripId": "TRIP", "seatNumbers": [None]},
        {"tripId": "TRIP", "seatNumbers": ["1A", "1B", "1C", "2A", "2B", "2C", "3A"]},
        {"tripId": "TRIP", "seatNumbers": ["7Q"]},
    ],
)
def test_reserve_validation_errors_change_nothing(
    client: FlaskClient, auth: dict, body: object
) -> None:
    trip = create_trip()
    if isinstance(body, dict) and body.get("tripId") == "TRIP":
        body = {**body, "tripId": trip.id}
    before = bookings()

    response = reserve(client, auth, body)

    assert_api_error(response, 422, "VALIDATION_ERROR")
    assert bookings() == before


def test_reserve_with_a_non_json_body_is_422(client: FlaskClient, auth: dict) -> None:
    response = client.post(
        "/api/bookings/reserve",
        data="{not json",
        headers=auth["headers"],
        content_type="application/json",
    )

    assert_api_error(response, 422, "VALIDATION_ERROR")


def test_reserve_on_unknown_closed_or_limited_trips(client: FlaskClient, auth: dict) -> None:
    closing = create_trip(departs_at=clock.now() + timedelta(minutes=10))
    hold_seats(auth["user"].id, create_trip().id, ["1A"])
    hold_seats(auth["user"].id, create_trip().id, ["1A"])

    unknown = reserve(client, auth, {"tripId": 987654, "seatNumbers": ["1A"]})
    closed = reserve(client, auth, {"tripId": closing.id, "seatNumbers": ["1A"]})
    limited = reserve(client, auth, {"tripId": create_trip().id, "seatNumbers": ["1A"]})

    assert_api_error(unknown, 404, "NOT_FOUND")
    assert_api_error(closed, 409, "SALES_CLOSED")
    assert_api_error(limited, 409, "HOLD_LIMIT_REACHED")


def test_release_by_api_and_no_one_elses(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()
    mine = held(auth["user"].id, trip.id, ["1A"])
    theirs = held(create_user().id, trip.id, ["1B"])

    released = client.delete(f"/api/bookings/{mine.id}/hold", headers=auth["headers"])
    twice = client.delete(f"/api/bookings/{mine.id}/hold", headers=auth["headers"])
    other = client.delete(f"/api/bookings/{theirs.id}/hold", headers=auth["headers"])

    assert released.status_code == twice.status_code == 200
    assert released.get_json()["status"] == "CANCELLED"
    assert twice.get_json()["status"] == "CANCELLED"
    assert_api_error(other, 404, "NOT_FOUND")
    assert db.session.get(Booking, theirs.id).status == "HELD"


# --- idempotency -------------------------------------------------------------------------------


def test_same_key_same_body_replays_the_first_answer(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()
    body = {"tripId": trip.id, "seatNumbers": ["1A"]}

    first = reserve(client, auth, body, key="k-1")
    second = reserve(client, auth, {"seatNumbers": ["1A"], "tripId": trip.id}, key="k-1")

    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
    assert bookings() == 1


def test_same_key_other_body_is_422(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()
    reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1A"]}, key="k-2")

    response = reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1B"]}, key="k-2")

    assert_api_error(response, 422, "IDEMPOTENCY_KEY_REUSED")
    assert bookings() == 1


def test_conflicts_are_stored_and_replayed(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()
    taken = held(create_user().id, trip.id, ["1A"])
    body = {"tripId": trip.id, "seatNumbers": ["1A"]}
    first = reserve(client, auth, body, key="k-3")
    client.delete(f"/api/bookings/{taken.id}/hold", headers=auth["headers"])  # not theirs: 404

    second = reserve(client, auth, body, key="k-3")

    assert first.status_code == second.status_code == 409
    assert second.headers["Idempotent-Replayed"] == "true"


def test_validation_failures_are_not_stored(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()

    bad = reserve(client, auth, {"tripId": trip.id, "seatNumbers": []}, key="k-4")
    good = reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1A"]}, key="k-4")

    assert bad.status_code == 422
    assert good.status_code == 201


def test_key_in_flight_is_409_and_a_stale_lock_is_taken_over(
    client: FlaskClient, auth: dict
) -> None:
    trip = create_trip()
    body = {"tripId": trip.id, "seatNumbers": ["1A"]}
    row = IdempotencyKey(
        user_id=auth["user"].id,
        key="k-5",
        fingerprint=fingerprint("POST", "/api/bookings/reserve", body),
        method="POST",
        path="/api/bookings/reserve",
        locked_at=clock.now(),
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.commit()

    running = reserve(client, auth, body, key="k-5")
    row = db.session.get(IdempotencyKey, row.id)
    row.locked_at = clock.now() - timedelta(seconds=61)  # its worker died a minute ago
    db.session.commit()
    taken_over = reserve(client, auth, body, key="k-5")

    assert_api_error(running, 409, "REQUEST_IN_PROGRESS")
    assert taken_over.status_code == 201


def test_keys_are_scoped_to_the_user(client: FlaskClient, auth: dict) -> None:
    trip = create_trip()
    _, other_token = create_token(create_user())
    other = {"headers": {"Authorization": f"Bearer {other_token}"}}

    mine = reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1A"]}, key="shared")
    theirs = reserve(client, other, {"tripId": trip.id, "seatNumbers": ["1B"]}, key="shared")

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers


def test_keys_expire_after_a_day(app: Flask, client: FlaskClient, auth: dict, travel) -> None:
    trip = create_trip()
    first = reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1A"]}, key="k-6")
    client.delete(f"/api/bookings/{first.get_json()['bookingId']}/hold", headers=auth["headers"])

    travel(timedelta(hours=24, minutes=1))
    again = reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1A"]}, key="k-6")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert again.get_json()["bookingId"] != first.get_json()["bookingId"]


def test_cleanup_deletes_only_old_keys(app: Flask, client: FlaskClient, auth: dict, travel) -> None:
    trip = create_trip()
    reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1A"]}, key="old")
    travel(timedelta(hours=23))
    reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["2A"]}, key="new")
    travel(timedelta(hours=24, minutes=30))

    assert delete_expired_keys(clock.now()) == 1
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["new"]


@pytest.mark.parametrize("key", ["x" * 256, "bad\tkey"])
def test_malformed_keys_are_400(client: FlaskClient, auth: dict, key: str) -> None:
    trip = create_trip()

    response = reserve(client, auth, {"tripId": trip.id, "seatNumbers": ["1A"]}, key=key)

    assert_api_error(response, 400, "IDEMPOTENCY_KEY_REQUIRED")
    assert bookings() == 0


def test_unexpected_error_releases_the_key(
    app: Flask, client: FlaskClient, auth: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    trip = create_trip()
    body = {"tripId": trip.id, "seatNumbers": ["1A"]}

    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("webapp.booking.services.hold_seats", broken)
    app.testing = False
    try:
        failed = reserve(client, auth, body, key="k-7")
    finally:
        app.testing = True
    monkeypatch.undo()
    retried = reserve(client, auth, body, key="k-7")

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


def test_hold_rate_limit_answers_429_json(app: Flask, client: FlaskClient, auth: dict) -> None:
    app.config["HOLD_RATE_LIMIT"] = "2 per minute"
    try:
        responses = [reserve(client, auth, {"tripId": 1, "seatNumbers": []}) for _ in range(3)]
    finally:
        app.config["HOLD_RATE_LIMIT"] = "20 per minute"

    assert [r.status_code for r in responses] == [422, 422, 429]
    assert_api_error(responses[2], 429, "RATE_LIMITED")
    assert 1 <= int(responses[2].headers["Retry-After"]) <= 60  # when the minute's window ends
