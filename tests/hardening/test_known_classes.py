"""One test per class of input that made a 500 (or a hang) before the input boundary, as found
by a hostile client against a fresh clone on PostgreSQL (issue #13). Each asserts the clear 4xx
with the structured error body, and that nothing was written."""

import json
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, create_token, create_trip, create_user, held
from tests.helpers import assert_api_error, csrf_from
from webapp.booking.models import Booking
from webapp.config import DEV_WEBHOOK_HASH
from webapp.extensions import db
from webapp.payments.models import WebhookEvent

BOTH = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
HUGE_IDS = ("2147483648", "9223372036854775808", "1" + "0" * 400)


def bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking)) or 0


def bearer(app: Flask) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(create_user())[1]}"}


# -- ids of 2**31 and more in a path, and as a JSON tripId / bookingId


@BOTH
@pytest.mark.parametrize("number", HUGE_IDS)
def test_a_path_id_past_the_integer_column_is_not_found(
    app: Flask, client: FlaskClient, number: str
) -> None:
    token = bearer(app)
    assert client.get(f"/trips/{number}").status_code == 404
    assert client.get(f"/trips/{number}/seats").status_code == 404
    assert_api_error(client.get(f"/api/trips/{number}/seats", headers=token), 404, "NOT_FOUND")
    response = client.delete(f"/api/bookings/{number}/hold", headers=token)
    assert_api_error(response, 404, "NOT_FOUND")
    assert_api_error(client.get(f"/api/payments/{number}", headers=token), 404, "NOT_FOUND")


@pytest.mark.parametrize("number", [2**31, 2**63, 10**400])
def test_a_json_id_past_the_integer_column_is_a_422(
    app: Flask, client: FlaskClient, number
) -> None:
    token = bearer(app)
    body = json.dumps({"tripId": number, "seatNumbers": ["1A"]})
    response = client.post(
        "/api/bookings/reserve", data=body, content_type="application/json", headers=token
    )
    assert_api_error(response, 422, "VALIDATION_ERROR")
    body = json.dumps({"bookingId": number, "email": "a@example.com", "passengers": []})
    response = client.post(
        "/api/payments",
        data=body,
        content_type="application/json",
        headers={**token, "Idempotency-Key": "k1"},
    )
    assert_api_error(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("number", HUGE_IDS)
def test_a_query_id_past_the_integer_column_is_a_422(
    app: Flask, client: FlaskClient, number: str
) -> None:
    """Found by the hostile-input properties: a 500 on PostgreSQL."""
    response = client.get(f"/api/bookings/reserve?tripId={number}", headers=bearer(app))
    assert_api_error(response, 422, "VALIDATION_ERROR")


# -- a lone surrogate anywhere in a JSON body, even under an unknown key


@BOTH
def test_a_lone_surrogate_under_an_unknown_key_is_a_422_naming_it(
    app: Flask, client: FlaskClient
) -> None:
    trip = create_trip()
    body = '{"tripId": TRIP, "seatNumbers": ["1A"], "note": {"x": ["\\ud800"]}}'.replace(
        "TRIP", str(trip.id)
    )
    response = client.post(
        "/api/bookings/reserve",
        data=body,
        content_type="application/json",
        headers={**bearer(app), "Idempotency-Key": "surrogate"},
    )
    error = assert_api_error(response, 422, "VALIDATION_ERROR")
    assert "note.x[0]" in error["details"]
    assert bookings() == 0


# -- deeply nested JSON, as a body or inside a field


@BOTH
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"tripId": 1, "seatNumbers": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    ],
    ids=["body", "field"],
)
def test_deeply_nested_json_is_refused_before_it_is_parsed(
    app: Flask, client: FlaskClient, body: bytes
) -> None:
    response = client.post(
        "/api/bookings/reserve",
        data=body,
        content_type="application/json",
        headers={**bearer(app), "Idempotency-Key": "deep"},
    )
    assert_api_error(response, 422, "VALIDATION_ERROR")
    assert bookings() == 0


def test_brackets_inside_strings_are_not_nesting(app: Flask, client: FlaskClient) -> None:
    trip = create_trip()
    body = json.dumps({"tripId": trip.id, "seatNumbers": ["1A"], "note": "[" * 5000})
    response = client.post(
        "/api/bookings/reserve", data=body, content_type="application/json", headers=bearer(app)
    )
    assert response.status_code == 201


# -- NUL in search parameters, a booking reference in a URL, tx_ref on the return page, the
#    e-mail at login and the name at registration


@BOTH
def test_nul_in_search_parameters_is_a_422(app: Flask, client: FlaskClient) -> None:
    response = client.get("/trips?origin=lagos%00&destination=abuja&date=2026-12-24")
    assert response.status_code == 422
    token = bearer(app)
    response = client.get("/api/trips?origin=lagos%00&destination=abuja", headers=token)
    error = assert_api_error(response, 422, "VALIDATION_ERROR")
    assert "origin" in error["details"]


@BOTH
def test_nul_in_a_booking_reference_is_not_found(app: Flask, client: FlaskClient) -> None:
    user = create_user()
    booking = held(user.id, create_trip().id, ["1A"])
    client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(client, "/login")},
    )
    token = csrf_from(client, "/")
    for url in ("/bookings/{}", "/bookings/{}/checkout", "/bookings/{}/summary"):
        assert client.get(url.format(booking.reference + "%00")).status_code == 404, url
    for url in ("/bookings/{}/release", "/bookings/{}/pay", "/bookings/{}/cancel"):
        response = client.post(url.format(booking.reference + "%00"), data={"csrf_token": token})
        assert response.status_code == 404, url
    assert db.session.get(Booking, booking.id).status == "HELD"


@BOTH
def test_nul_in_tx_ref_on_the_return_page_is_a_422(app: Flask, client: FlaskClient) -> None:
    user = create_user()
    client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(client, "/login")},
    )
    response = client.get("/payments/return?tx_ref=RP-1%00&status=successful&transaction_id=1")
    assert response.status_code == 422


@BOTH
def test_nul_in_the_login_email_or_the_registration_name_is_a_422(
    app: Flask, client: FlaskClient
) -> None:
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"email": "a\x00@example.com", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 422
    form = {
        "name": "Ada\x00",
        "email": "ada@example.com",
        "password": "long enough password",
        "confirm": "long enough password",
        "csrf_token": token,
    }
    assert client.post("/register", data=form).status_code == 422
    assert client.get("/account/bookings").status_code == 302  # nobody was signed in


# -- webhooks with a genuine signature but NaN, Infinity, 1e309, a NUL, a surrogate, an
#    enormous or a nested data.id or tx_ref


WEBHOOKS = {
    "nan": b'{"event": "charge.completed", "data": {"id": NaN, "tx_ref": "R", "status": "ok"}}',
    "infinity": b'{"event": "charge.completed", "data": {"id": 1, "amount": Infinity}}',
    "1e309": b'{"event": "charge.completed", "data": {"id": 1, "amount": 1e309, "tx_ref": "R"}}',
    "nul": b'{"event": "charge.completed", "data": {"id": 1, "tx_ref": "R\\u0000"}}',
    "surrogate": b'{"event": "charge.completed", "data": {"id": 1, "tx_ref": "\\ud800"}}',
    "huge id": b'{"event": "charge.completed", "data": {"id": ' + b"9" * 400 + b"}}",
    "long id": b'{"event": "charge.completed", "data": {"id": "' + b"1" * 60 + b'"}}',
    "nested id": b'{"event": "charge.completed", "data": {"id": {"id": [1, 2]}, "tx_ref": "R"}}',
    "huge tx_ref": b'{"event": "charge.completed", "data": {"id": 1, "tx_ref": "'
    + b"R" * 5000
    + b'"}}',
    "nested tx_ref": b'{"event": "charge.completed", "data": {"id": 1, "tx_ref": [[["R"]]]}}',
    "deep": b'{"event": "charge.completed", "data": ' + b"[" * 3000 + b"]" * 3000 + b"}",
}


@BOTH
@pytest.mark.parametrize("body", WEBHOOKS.values(), ids=WEBHOOKS.keys())
def test_an_authentic_webhook_not_shaped_as_flutterwave_sends_is_stored_as_rejected(
    app: Flask, client: FlaskClient, body: bytes
) -> None:
    response = client.post(
        "/api/payments/webhook/flutterwave",
        data=body,
        content_type="application/json",
        headers={"verif-hash": DEV_WEBHOOK_HASH},
    )
    assert_api_error(response, 400, "BAD_WEBHOOK")
    events = db.session.scalars(select(WebhookEvent)).all()
    assert [(e.event_type, e.outcome, e.tx_ref, e.transaction_id) for e in events] == [
        ("rejected", "REJECTED", None, None)
    ]
    assert events[0].processed_at is not None  # never replayed by reconciliation


def test_a_forged_webhook_is_still_a_401_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/api/payments/webhook/flutterwave",
        data=WEBHOOKS["nan"],
        content_type="application/json",
        headers={"verif-hash": "wrong"},
    )
    assert_api_error(response, 401, "INVALID_SIGNATURE")
    assert db.session.scalars(select(WebhookEvent)).all() == []


# -- 60,000 distinct seatNumbers: refused at once (the cap before any work)


def test_sixty_thousand_seat_numbers_are_refused_before_any_work(
    app: Flask, client: FlaskClient
) -> None:
    trip = create_trip()
    labels = [f"{n}Z" for n in range(60_000)]
    body = json.dumps({"tripId": trip.id, "seatNumbers": labels})
    started = time.perf_counter()
    response = client.post(
        "/api/bookings/reserve", data=body, content_type="application/json", headers=bearer(app)
    )
    took = time.perf_counter() - started
    error = assert_api_error(response, 422, "VALIDATION_ERROR")
    assert took < 5, f"{took:.1f} s"  # a generous bound: it took over 10 s, quadratic
    assert "seatNumbers" in error["details"]
    assert bookings() == 0
