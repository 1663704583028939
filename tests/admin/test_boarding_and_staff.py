"""Boarding by signed QR code or typed reference, and operator staff who see one operator only."""

import base64
import hashlib

import pytest
from flask import Flask
from sqlalchemy import select

from tests.admin.helpers import logged_in_as
from tests.factories import create_booked_seats, create_layout, create_operator, create_trip
from tests.helpers import csrf_from, page
from webapp.accounts.models import User
from webapp.audit.models import AuditEvent
from webapp.booking.models import Booking, BookingSeat
from webapp.config import JSQR_SRI, JSQR_VERSION
from webapp.extensions import db
from webapp.tickets.qr import read_code, signed_code


def board(client, trip_id: int, code: str):
    url = f"/admin/trips/{trip_id}/board"
    return client.post(url, data={"csrf_token": csrf_from(client, url), "code": code})


def outcome(response) -> str:
    return page(response).find(id="board-result")["data-outcome"]


def test_the_qr_code_is_signed_and_a_forgery_is_refused(app: Flask) -> None:
    with app.test_request_context():
        code = signed_code("RP-ABC123")
        assert code.startswith("RP-ABC123.")
        assert read_code(code) == ("RP-ABC123", True)
        assert read_code(code.lower()) == ("RP-ABC123", True)  # a scanner may lower-case it
        assert read_code(" rp-abc123 ") == ("RP-ABC123", False)  # typed: the reference alone
        with pytest.raises(ValueError, match="forged"):
            read_code("RP-ABC124." + code.split(".")[1])
        with pytest.raises(ValueError, match="forged"):
            read_code("RP-ABC123.AAAAAAAAAAAAAAAAAAAAAA")


def test_the_ticket_page_shows_the_signed_code(client) -> None:
    trip = create_trip()
    user = logged_in_as(client)
    booking = create_booked_seats(trip, ["1A"], user)
    svg = page(client.get(f"/bookings/{booking.reference}")).find("svg", class_="qr")
    assert svg is not None  # segno draws the signed text; its content is checked by read_code


def test_boarding_says_what_each_ticket_is(client) -> None:
    layout = create_layout([["SS.S", "SS.S"]])
    trip = create_trip(layout=layout)
    other_trip = create_trip(layout=layout)
    good = create_booked_seats(trip, ["1A", "1B"])
    elsewhere = create_booked_seats(other_trip, ["1A"])
    cancelled = create_booked_seats(trip, ["2A"])
    cancelled.status, cancelled.cancel_reason = "CANCELLED", "PASSENGER_CANCELLED"
    db.session.commit()
    staff = logged_in_as(client, role="admin")
    with client.application.test_request_context():
        good_code = signed_code(good.reference)
        forged = good.reference + ".AAAAAAAAAAAAAAAAAAAAAA"

    first = board(client, trip.id, good_code)
    assert first.status_code == 200
    assert outcome(first) == "BOARDED"
    assert "1A, 1B" in page(first).find(id="board-result").get_text()
    again = board(client, trip.id, good.reference.lower())  # typed this time
    assert again.status_code == 409
    assert outcome(again) == "ALREADY_BOARDED"
    assert outcome(board(client, trip.id, forged)) == "FORGED"
    assert outcome(board(client, trip.id, elsewhere.reference)) == "OTHER_TRIP"
    assert outcome(board(client, trip.id, cancelled.reference)) == "CANCELLED"
    assert outcome(board(client, trip.id, "RP-NOSUCH")) == "UNKNOWN"
    assert board(client, trip.id, "   ").status_code == 422

    seats = db.session.scalars(
        select(BookingSeat).where(BookingSeat.booking_id == good.id).order_by(BookingSeat.label)
    ).all()
    assert all(s.boarded_at and s.boarded_by_user_id == staff.id for s in seats)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "booking.boarded")
    ).all()
    assert [(e.subject_id, e.actor_user_id) for e in events] == [(good.id, staff.id)]
    manifest = page(client.get(f"/admin/trips/{trip.id}"))
    boarded = [r["data-seat"] for r in manifest.select("#manifest tr[data-boarded]")]
    assert boarded == ["1A", "1B"]
    # The cancelled booking is not a passenger; it is listed apart, in words.
    assert [r["data-seat"] for r in manifest.select("#manifest tr[data-seat]")] == ["1A", "1B"]
    assert "passenger cancelled" in manifest.find(id="cancelled-bookings").get_text()
    assert (
        client.get(f"/admin/trips/{trip.id}/board")
        .headers["Permissions-Policy"]
        .startswith("camera=(self)")
    )


def test_operator_staff_see_their_operator_only(client) -> None:
    mine, theirs = create_operator(), create_operator()
    my_trip, their_trip = create_trip(operator=mine), create_trip(operator=theirs)
    their_booking = create_booked_seats(their_trip, ["1A"])
    logged_in_as(client, role="operator_staff", operator_id=mine.id)

    assert client.get(f"/admin/trips/{my_trip.id}").status_code == 200
    assert client.get(f"/admin/trips/{my_trip.id}/board").status_code == 200
    assert client.get(f"/admin/trips/{my_trip.id}/manifest.csv").status_code == 200
    listed = page(client.get("/admin/trips")).select("#trips tr[data-trip-id]")
    assert [int(r["data-trip-id"]) for r in listed] == [my_trip.id]
    for path in [
        f"/admin/trips/{their_trip.id}",
        f"/admin/trips/{their_trip.id}/board",
        f"/admin/trips/{their_trip.id}/manifest.csv",
    ]:
        assert client.get(path).status_code == 404, path
    url = f"/admin/trips/{my_trip.id}/board"
    token = csrf_from(client, url)
    refused = client.post(
        f"/admin/trips/{their_trip.id}/board",
        data={"csrf_token": token, "code": their_booking.reference},
    )
    assert refused.status_code == 404
    assert (
        db.session.scalar(
            select(BookingSeat.boarded_at).where(BookingSeat.booking_id == their_booking.id)
        )
        is None
    )
    # Boarding another operator's ticket at my bus door says only "another trip".
    wrong = client.post(url, data={"csrf_token": token, "code": their_booking.reference})
    assert outcome(wrong) == "OTHER_TRIP"
    for platform_page in [
        "/admin",
        "/admin/bookings",
        f"/admin/bookings/{their_booking.reference}",
        "/admin/payments",
        "/admin/refunds",
        "/admin/audit",
        "/admin/jobs",
        "/admin/staff",
        f"/bookings/{their_booking.reference}",
    ]:
        assert client.get(platform_page).status_code == 404, platform_page
    assert (
        client.post(
            f"/admin/trips/{my_trip.id}/cancel", data={"csrf_token": token, "reason": "no"}
        ).status_code
        == 404
    )


def test_admins_create_staff_accounts_on_the_page_and_the_cli(client, app: Flask) -> None:
    operator = create_operator(slug="abc-transport")
    admin = logged_in_as(client, role="admin")
    form = {
        "csrf_token": csrf_from(client, "/admin/staff"),
        "email": "Door@ABC.example.com",
        "name": "Door Keeper",
        "password": "a long door phrase",
        "operator": "abc-transport",
    }
    created = client.post("/admin/staff", data=form)
    assert created.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "door@abc.example.com"))
    assert (user.role, user.operator_id) == ("operator_staff", operator.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert (event.subject_id, event.actor_user_id) == (user.id, admin.id)
    bad = client.post(
        "/admin/staff", data={**form, "email": "x@abc.example.com", "operator": "nope"}
    )
    assert bad.status_code == 422
    assert page(bad).find(id="staff-operator-error")

    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "users",
            "create",
            "gate@abc.example.com",
            "--password",
            "another long one",
            "--operator",
            "abc-transport",
        ]
    )
    assert made.exit_code == 0, made.output
    assert "operator_staff" in made.output
    unknown = runner.invoke(
        args=[
            "users",
            "create",
            "g2@abc.example.com",
            "--password",
            "another long one",
            "--operator",
            "nope",
        ]
    )
    assert unknown.exit_code == 1
    assert "No operator" in unknown.output


def test_a_staff_account_needs_an_operator(app: Flask) -> None:
    from sqlalchemy.exc import IntegrityError

    from tests.factories import create_user

    with pytest.raises(IntegrityError):
        create_user(role="operator_staff")
    db.session.rollback()
    with pytest.raises(IntegrityError):
        create_user(role="passenger", operator_id=create_operator().id)
    db.session.rollback()
    assert db.session.scalar(select(Booking.id).limit(1)) is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/trips/99999999999"),
        ("get", "/admin/trips/99999999999/board"),
        ("post", "/admin/trips/99999999999/board"),
        ("get", "/admin/trips/99999999999/manifest.csv"),
        ("post", "/admin/refunds/99999999999/retry"),
        ("get", "/admin/settlements/99999999999"),
        ("get", "/admin/settlements/99999999999/entries.csv"),
        ("post", "/admin/settlements/99999999999/approve"),  # was a 500
        ("post", "/admin/settlements/99999999999/send"),  # was a 500
        ("post", "/admin/settlements/99999999999/check"),
        ("get", "/admin/bookings/" + "X" * 300),
    ],
)
def test_ids_out_of_range_are_a_404(client, method: str, path: str) -> None:
    logged_in_as(client, role="admin")
    token = csrf_from(client, "/admin")
    response = getattr(client, method)(path, data={"csrf_token": token, "code": "RP-X"})
    assert response.status_code == 404


def test_the_board_page_offers_the_vendored_reader_with_its_pinned_hash(client) -> None:
    trip = create_trip()
    logged_in_as(client, role="admin")

    button = page(client.get(f"/admin/trips/{trip.id}/board")).find(id="scan-button")
    body = client.get(button["data-reader-src"]).get_data()
    licence = client.get(button["data-reader-src"] + ".LICENSE.txt").get_data(as_text=True)

    assert button["data-reader-src"] == f"/static/vendor/jsQR-{JSQR_VERSION}.js"
    assert button["data-reader-integrity"] == JSQR_SRI
    assert "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode() == JSQR_SRI
    assert "Apache License" in licence
    # No other page loads it: the board page's script fetches it only when it is needed.
    assert "jsQR" not in client.get(f"/admin/trips/{trip.id}").get_data(as_text=True)
