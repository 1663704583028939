"""*Find my booking*: a reference and a passenger's phone open that one booking's ticket in
this browser, without an account, for a while (FIND_BOOKING_MINUTES).

The grant is a list of (reference, until) in the signed session cookie: it names exactly the
bookings found, so it cannot be stretched to another one, it ends on its own, and it goes with
the session (logging in or out starts a fresh one). The look-up gives one answer for a wrong
reference and for a wrong phone, so it tells nothing about which of the two was right.
"""

from datetime import timedelta

from flask import current_app, session
from sqlalchemy import exists, select

from webapp import clock
from webapp.accounts.models import User
from webapp.booking.models import Booking, BookingSeat
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.phones import EXAMPLE, normalise_phone

SESSION_KEY = "booking_access"
MAX_GRANTS = 5
NOT_FOUND = (
    "We could not find a booking with that reference and phone number. Check both: the "
    "reference is in your confirmation e-mail, like RP-7K3Q9X."
)


def find_booking(reference: str, phone: str) -> Booking:
    """The booking with this reference whose passenger (or account holder) has this phone."""
    number = normalise_phone(phone)
    if number is None:  # the shape of a number, known without looking at any booking
        message = f"Enter the phone number given for a passenger, like {EXAMPLE}."
        raise ValidationError(message, details={"phone": message})
    wanted = reference.strip().upper()[:12]
    passenger_has_it = exists().where(
        BookingSeat.booking_id == Booking.id, BookingSeat.passenger_phone == number
    )
    holder_has_it = exists().where(User.id == Booking.user_id, User.phone == number)
    booking = db.session.scalar(
        select(Booking).where(Booking.reference == wanted, passenger_has_it | holder_has_it)
    )
    if booking is None:
        raise NotFoundError(NOT_FOUND)
    return booking


def grant(reference: str) -> None:
    now = clock.now().timestamp()
    until = now + timedelta(minutes=current_app.config["FIND_BOOKING_MINUTES"]).total_seconds()
    kept = [(ref, end) for ref, end in _grants() if ref != reference and end > now]
    session[SESSION_KEY] = [*kept[-(MAX_GRANTS - 1) :], (reference, until)]


def granted(reference: str) -> bool:
    now = clock.now().timestamp()
    return any(ref == reference and end > now for ref, end in _grants())


def _grants() -> list[tuple[str, float]]:
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, list):
        return []
    return [
        (str(item[0]), float(item[1]))
        for item in raw
        if isinstance(item, list | tuple) and len(item) == 2
    ]


def granted_booking(reference: str) -> Booking | None:
    """The booking this browser found with its reference and phone, while the grant lasts."""
    wanted = reference.strip().upper()[:12]
    if not granted(wanted):
        return None
    return db.session.scalar(select(Booking).where(Booking.reference == wanted))
