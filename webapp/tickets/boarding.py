"""Boarding at the bus door: a scanned or typed ticket marks its booking's seats boarded.

One conditional UPDATE decides (seats not yet boarded), so two phones scanning the same ticket
at once board it once; the other is told it has already boarded. Audited with who did it."""

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select, update

from webapp import clock
from webapp.audit import services as audit
from webapp.booking.models import Booking, BookingSeat, BookingStatus
from webapp.extensions import db
from webapp.tickets.qr import read_code


class Outcome(StrEnum):
    BOARDED = "BOARDED"
    ALREADY_BOARDED = "ALREADY_BOARDED"
    FORGED = "FORGED"
    UNKNOWN = "UNKNOWN"
    OTHER_TRIP = "OTHER_TRIP"
    CANCELLED = "CANCELLED"
    NOT_PAID = "NOT_PAID"


@dataclass
class Boarding:
    outcome: Outcome
    reference: str = ""
    seats: list[str] = field(default_factory=list)
    passengers: list[str] = field(default_factory=list)


def board(staff_user_id: int, trip_id: int, code: str) -> Boarding:
    """Board the ticket `code` (a signed QR code or a typed reference) on trip `trip_id`. The
    caller has checked that the staff member may board this trip."""
    try:
        reference, _signed = read_code(code[:80])
    except ValueError:
        return Boarding(Outcome.FORGED)
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference[:12]))
    if booking is None:
        return Boarding(Outcome.UNKNOWN, reference)
    seats = [s.label for s in booking.seats]
    names = [s.passenger_name or "" for s in booking.seats]
    if booking.trip_id != trip_id:
        return Boarding(Outcome.OTHER_TRIP, reference)
    if booking.status == BookingStatus.CANCELLED:
        return Boarding(Outcome.CANCELLED, reference, seats)
    if booking.status != BookingStatus.CONFIRMED:
        return Boarding(Outcome.NOT_PAID, reference, seats)
    now = clock.now()
    result = db.session.execute(
        update(BookingSeat)
        .where(BookingSeat.booking_id == booking.id, BookingSeat.boarded_at.is_(None))
        .values(boarded_at=now, boarded_by_user_id=staff_user_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        db.session.rollback()
        return Boarding(Outcome.ALREADY_BOARDED, reference, seats, names)
    audit.record("booking.boarded", "booking", booking.id, actor_user_id=staff_user_id, seats=seats)
    db.session.commit()
    return Boarding(Outcome.BOARDED, reference, seats, names)
