"""Data for the back-office tests: paid bookings at chosen instants, staff who are logged in."""

from datetime import datetime

from flask.testing import FlaskClient

from tests.factories import PASSWORD, create_booked_seats, create_user
from tests.helpers import log_in
from webapp.accounts.models import User
from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.payments.models import Payment
from webapp.trips.models import Trip


def logged_in_as(client: FlaskClient, **fields: object) -> User:
    user = create_user(**fields)
    log_in(client, user.email, PASSWORD)
    return user


def paid_booking(trip: Trip, labels: list[str], at: datetime, **fields: object) -> Booking:
    """A confirmed booking with one successful payment verified at `at`."""
    booking = create_booked_seats(trip, labels)
    for key, value in fields.items():
        setattr(booking, key, value)
    booking.created_at = at
    db.session.add(
        Payment(
            booking_id=booking.id,
            user_id=booking.user_id,
            tx_ref=f"tx-{booking.reference}",
            status="SUCCESSFUL",
            amount=booking.total_amount,
            currency=booking.currency,
            gateway_transaction_id=f"flw-{booking.id}",
            paid_amount=booking.total_amount,
            paid_currency=booking.currency,
            verified_at=at,
            created_at=at,
            verified_response={"status": "success", "amount": booking.total_amount},
        )
    )
    db.session.commit()
    return booking
