"""The ticket as a PDF: reference, trip, seats, passengers, the signed QR code the boarding
page reads, the amount paid and the cancellation policy; only for who may see the ticket."""

from pathlib import Path

from flask.testing import FlaskClient

from tests.factories import PASSWORD, create_booked_seats, create_trip, create_user, held
from tests.helpers import log_in
from tests.pdfs import pdf_page_png, pdf_qr_codes, pdf_text
from webapp.extensions import db
from webapp.tickets.boarding import Outcome, board
from webapp.tickets.qr import signed_code


def paid_booking():
    owner = create_user()
    trip = create_trip()
    booking = create_booked_seats(trip, ["1A", "1B"], user=owner)
    for seat, name in zip(booking.seats, ["Ada Obi", "Bola Ade"], strict=True):
        seat.passenger_name, seat.passenger_phone = name, "+2348031234567"
    db.session.commit()
    return owner, booking


def test_the_owner_downloads_a_pdf_with_everything_the_bus_door_needs(
    client: FlaskClient, project_root: Path
) -> None:
    owner, booking = paid_booking()
    log_in(client, owner.email, PASSWORD)

    response = client.get(f"/bookings/{booking.reference}/ticket.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"roadpass-ticket-{booking.reference}.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    text = " ".join(pdf_text(response.data).split())
    trip = booking.trip
    for expected in [
        booking.reference,
        f"{trip.route.origin.name} to {trip.route.destination.name}",
        trip.operator.name,
        "Jibowu Terminal",
        "1A, 1B",
        "Ada Obi",
        "Bola Ade",
        "+2348031234567",
        "NGN 30,500.00",  # 2 × ₦15,000 + 2 × ₦250
        "48 h or more before departure: 90% of the fare back",
    ]:
        assert expected in text, expected
    [code] = pdf_qr_codes(response.data)
    assert code == signed_code(booking.reference)
    assert board(create_user().id, trip.id, code).outcome == Outcome.BOARDED
    shots = project_root / "instance" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    (shots / "ticket-pdf.png").write_bytes(pdf_page_png(response.data))


def test_strangers_and_the_logged_out_get_no_pdf(client: FlaskClient) -> None:
    _, booking = paid_booking()
    url = f"/bookings/{booking.reference}/ticket.pdf"

    assert client.get(url).status_code == 302
    log_in(client, create_user().email, PASSWORD)
    assert client.get(url).status_code == 404


def test_an_unpaid_booking_has_no_pdf(client: FlaskClient) -> None:
    user = create_user()
    booking = held(user.id, create_trip().id, ["1A"])
    log_in(client, user.email, PASSWORD)

    response = client.get(f"/bookings/{booking.reference}/ticket.pdf")

    assert response.status_code == 409
    assert b"not confirmed" in response.data
