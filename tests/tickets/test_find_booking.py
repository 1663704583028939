"""*Find my booking*: reference + a passenger's phone (any Nigerian way of writing it) opens
that booking's ticket in this browser only, for a while; one answer for a wrong reference and
a wrong phone; rate limited."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, create_booked_seats, create_trip, create_user
from tests.helpers import field_error, log_in, page, post_form
from webapp.booking.models import Booking
from webapp.extensions import db

PHONE = "+2348031234567"


def booking_with_phone(phone: str = PHONE, labels: tuple[str, ...] = ("1A",)) -> Booking:
    booking = create_booked_seats(create_trip(), list(labels))
    for seat in booking.seats:
        seat.passenger_name, seat.passenger_phone = "Ada Obi", phone
    db.session.commit()
    return booking


def find(client: FlaskClient, reference: str, phone: str):
    return post_form(client, "/find-booking", {"reference": reference, "phone": phone})


@pytest.mark.parametrize("typed", ["0803 123 4567", "+234 803 123 4567", "234-803-123-4567"])
def test_reference_and_phone_open_the_ticket(client: FlaskClient, typed: str) -> None:
    booking = booking_with_phone()

    found = find(client, booking.reference.lower(), typed)

    assert found.status_code == 303
    assert found.headers["Location"] == f"/bookings/{booking.reference}"
    ticket = client.get(found.headers["Location"])
    assert ticket.status_code == 200
    doc = page(ticket)
    assert doc.find(id="booking-reference").get_text(strip=True) == booking.reference
    assert doc.find(id="cancel-box") is None  # cancelling stays with the account
    assert doc.find(id="ticket-pdf")["href"] == f"/bookings/{booking.reference}/ticket.pdf"
    assert client.get(f"/bookings/{booking.reference}/ticket.pdf").status_code == 200


def test_the_account_holders_phone_works_too(client: FlaskClient) -> None:
    holder = create_user(phone="+2347055550199")
    booking = create_booked_seats(create_trip(), ["1B"], user=holder)

    assert find(client, booking.reference, "0705 555 0199").status_code == 303


def test_a_wrong_reference_and_a_wrong_phone_get_the_same_answer(client: FlaskClient) -> None:
    booking = booking_with_phone()

    wrong_phone = find(client, booking.reference, "0805 555 1234")
    wrong_reference = find(client, "RP-NOPE00", "0803 123 4567")

    assert wrong_phone.status_code == wrong_reference.status_code == 404
    assert (
        page(wrong_phone).find(id="find-error").get_text()
        == page(wrong_reference).find(id="find-error").get_text()
    )
    assert client.get(f"/bookings/{booking.reference}").status_code == 302  # to the log-in


def test_what_is_not_a_phone_number_is_a_field_error(client: FlaskClient) -> None:
    booking = booking_with_phone()

    response = find(client, booking.reference, "call me")

    assert response.status_code == 422
    assert "0803 123 4567" in field_error(response, "phone")


def test_the_access_covers_that_booking_only(client: FlaskClient) -> None:
    mine = booking_with_phone()
    other = booking_with_phone("+2348055550101")
    find(client, mine.reference, PHONE)

    assert client.get(f"/bookings/{other.reference}").status_code == 302
    assert client.get(f"/bookings/{other.reference}/ticket.pdf").status_code == 302
    assert client.get(f"/bookings/{mine.reference}/cancel").status_code == 302


def test_the_access_ends(client: FlaskClient, app: Flask, travel) -> None:
    booking = booking_with_phone()
    find(client, booking.reference, PHONE)

    travel(timedelta(minutes=app.config["FIND_BOOKING_MINUTES"] + 1))

    assert client.get(f"/bookings/{booking.reference}").status_code == 302


def test_a_logged_in_stranger_still_sees_only_their_own_tickets(client: FlaskClient) -> None:
    booking = booking_with_phone()
    stranger = create_user()
    log_in(client, stranger.email, PASSWORD)

    assert client.get(f"/bookings/{booking.reference}").status_code == 404
    assert find(client, booking.reference, PHONE).status_code == 303
    assert client.get(f"/bookings/{booking.reference}").status_code == 200


def test_guesses_are_rate_limited(client: FlaskClient, app: Flask) -> None:
    booking = booking_with_phone()
    allowed = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for n in range(allowed):
        assert find(client, booking.reference, f"0805 555 {1000 + n}").status_code == 404

    assert find(client, booking.reference, "0803 123 4567").status_code == 429
