"""Seat holds (SPEC §3): hold, release, expire, and the one extension checkout may make.

The database decides who gets a seat. Seats are claimed by one conditional UPDATE that only
touches seats that are free right now (available, or held by a hold that has died), and the row
count says whether every requested seat was won; on a shortfall the transaction rolls back, so a
hold is all or nothing. On PostgreSQL the rows are first locked in label order (no deadlock
between overlapping requests) with a short lock timeout; on SQLite the transaction takes the
write lock up front (BEGIN IMMEDIATE), which serialises writers.
"""

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from webapp import clock
from webapp.accounts.models import User
from webapp.audit import services as audit
from webapp.booking.errors import (
    HoldLimitError,
    HoldNotActiveError,
    SalesClosedError,
    SeatsBusyError,
    SeatsUnavailableError,
)
from webapp.booking.models import HOLDING_STATUSES, Booking, BookingSeat, BookingStatus
from webapp.booking.rules import HoldRules
from webapp.database import begin_write, is_lock_contention, set_lock_timeout
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.trips.models import SeatStatus, Trip, TripSeat, seat_is_free

T = TypeVar("T")

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread
REFERENCE_ATTEMPTS = 5


def normalise_labels(labels: Iterable[str], max_seats: int) -> list[str]:
    """Upper-cased, de-duplicated seat labels in request order; 1 to `max_seats` of them."""
    wanted: list[str] = []
    for raw in labels:
        if not isinstance(raw, str):
            raise ValidationError("Seat numbers must be text such as '1A'.")
        label = raw.strip().upper()
        if label and label not in wanted:
            wanted.append(label)
    if not wanted:
        message = "Choose at least one seat."
        raise ValidationError(message, details={"seatNumbers": message})
    if len(wanted) > max_seats:
        message = f"You can hold at most {max_seats} seats in one booking."
        raise ValidationError(message, details={"seatNumbers": message})
    if any(len(label) > 8 or not label.isalnum() for label in wanted):
        message = "Seat numbers look like '1A' or 'U3C'."
        raise ValidationError(message, details={"seatNumbers": message})
    return wanted


def hold_seats(user_id: int, trip_id: int, labels: Iterable[str]) -> Booking:
    """Hold the seats for the user, all or none, for SEAT_HOLD_MINUTES."""
    rules = HoldRules.current()
    wanted = normalise_labels(labels, rules.max_seats)
    return _busy_is_polite(lambda: _hold(user_id, trip_id, wanted, rules, clock.now()))


def _hold(
    user_id: int, trip_id: int, wanted: list[str], rules: HoldRules, now: datetime
) -> Booking:
    begin_write()
    set_lock_timeout(rules.lock_timeout_ms)
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        raise NotFoundError("We could not find that trip.")
    if not trip.is_on_sale(rules.sales_cutoff_minutes, now):
        raise SalesClosedError("Online sales for this trip have closed.")

    # One user's holds are serialised by a lock on their row, so the limit cannot be raced.
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    if _live_hold_count(user_id, now) >= rules.max_live_holds:
        raise HoldLimitError(
            f"You already have {rules.max_live_holds} seat holds waiting for payment. "
            "Pay for one or release it first."
        )

    seats = db.session.execute(
        select(TripSeat.id, TripSeat.label)
        .where(TripSeat.trip_id == trip_id, TripSeat.label.in_(wanted))
        .order_by(TripSeat.label)
        .with_for_update()
    ).all()
    seat_ids = {label: seat_id for seat_id, label in seats}
    unknown = [label for label in wanted if label not in seat_ids]
    if unknown:
        raise ValidationError(
            f"This bus has no seat {', '.join(unknown)}.", details={"seatNumbers": unknown}
        )

    booking = Booking(
        user_id=user_id,
        trip_id=trip_id,
        status=BookingStatus.HELD,
        hold_started_at=now,
        hold_expires_at=min(now + rules.hold, trip.departs_at),
        fare_subtotal=trip.fare_amount * len(wanted),
        service_fee=rules.service_fee_per_seat * len(wanted),
        total_amount=(trip.fare_amount + rules.service_fee_per_seat) * len(wanted),
        currency=trip.currency,
        cancellation_policy=trip.operator.cancellation_policy,
        created_at=now,
        updated_at=now,
    )
    _add_with_reference(booking)

    claimed = db.session.execute(
        update(TripSeat)
        .where(TripSeat.trip_id == trip_id, TripSeat.label.in_(wanted), seat_is_free(now))
        .values(
            status=SeatStatus.HELD, booking_id=booking.id, hold_expires_at=booking.hold_expires_at
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != len(wanted):
        db.session.rollback()
        raise SeatsUnavailableError(_unavailable(trip_id, wanted, clock.now()) or wanted)

    for label in wanted:
        db.session.add(
            BookingSeat(booking_id=booking.id, trip_seat_id=seat_ids[label], label=label)
        )
    audit.record(
        "booking.held",
        "booking",
        booking.id,
        actor_user_id=user_id,
        trip_id=trip_id,
        seats=wanted,
        expires_at=booking.hold_expires_at.isoformat(),
    )
    db.session.commit()
    return booking


def release_hold(user_id: int, booking_id: int) -> Booking:
    """The passenger lets their held seats go. Releasing twice, or after expiry, changes nothing."""
    return _busy_is_polite(lambda: _release(user_id, booking_id, clock.now()))


def _release(user_id: int, booking_id: int, now: datetime) -> Booking:
    begin_write()
    booking = _locked_booking(booking_id)
    if booking is None or booking.user_id != user_id:
        raise NotFoundError("We could not find that booking.")
    if booking.status == BookingStatus.CONFIRMED:
        raise HoldNotActiveError("This booking is paid for. Cancel it from your ticket instead.")
    if booking.status == BookingStatus.PENDING_PAYMENT and booking.is_live_hold(now):
        raise HoldNotActiveError(
            "Your payment is being confirmed; the seats stay held until it finishes."
        )
    if booking.status == BookingStatus.HELD:
        if booking.is_live_hold(now):
            _end_hold(booking, BookingStatus.CANCELLED, now, reason="RELEASED")
            audit.record("booking.released", "booking", booking.id, actor_user_id=user_id)
        else:
            _end_hold(booking, BookingStatus.EXPIRED, now)
            audit.record("booking.expired", "booking", booking.id, actor="system")
    db.session.commit()
    return booking


def expire_stale_holds(now: datetime | None = None, limit: int = 500) -> int:
    """Tidy up: mark dead unpaid holds EXPIRED and free their seats. Safe to run concurrently.

    Holds with a payment in flight (PENDING_PAYMENT) are left to the payment flow, which asks
    the gateway first. Expiry itself never waits for this: every query already treats a hold
    past its `hold_expires_at` as dead.
    """
    moment = now or clock.now()
    candidates = db.session.scalars(
        select(Booking.id)
        .where(Booking.status == BookingStatus.HELD, Booking.hold_expires_at <= moment)
        .order_by(Booking.hold_expires_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    expired = 0
    for booking_id in candidates:
        begin_write()
        booking = _locked_booking(booking_id, skip_locked=True)
        if (
            booking is not None
            and booking.status == BookingStatus.HELD
            and not booking.is_live_hold(moment)
        ):
            _end_hold(booking, BookingStatus.EXPIRED, moment)
            audit.record("booking.expired", "booking", booking.id, actor="system")
            expired += 1
        db.session.commit()
    return expired


def extend_hold_for_payment(booking: Booking, now: datetime, rules: HoldRules) -> None:
    """Checkout extends a live hold once, to now + PAYMENT_WINDOW, never past MAX_HOLD_MINUTES
    after the hold began. Flushes; the checkout service that calls it commits."""
    if not booking.is_live_hold(now):
        raise HoldNotActiveError("Your seat hold has expired. Please choose your seats again.")
    if booking.hold_extended:
        return
    new_expiry = min(now + rules.payment_window, booking.hold_started_at + rules.max_hold)
    booking.hold_extended = True
    if new_expiry <= booking.hold_expires_at:
        return
    _lock_seats_of(booking.id)
    db.session.execute(
        update(TripSeat)
        .where(TripSeat.booking_id == booking.id, TripSeat.status == SeatStatus.HELD)
        .values(hold_expires_at=new_expiry)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "booking.hold_extended",
        "booking",
        booking.id,
        actor="system",
        previous=booking.hold_expires_at.isoformat(),
        expires_at=new_expiry.isoformat(),
    )
    booking.hold_expires_at = new_expiry
    booking.updated_at = now
    db.session.flush()


def _end_hold(
    booking: Booking, status: BookingStatus, now: datetime, reason: str | None = None
) -> None:
    """Free the seats this booking still holds and set its final status (flushes)."""
    _lock_seats_of(booking.id)
    db.session.execute(
        update(TripSeat)
        .where(TripSeat.booking_id == booking.id, TripSeat.status == SeatStatus.HELD)
        .values(status=SeatStatus.AVAILABLE, booking_id=None, hold_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    booking.status = status
    booking.cancel_reason = reason
    booking.updated_at = now
    db.session.flush()


def _lock_seats_of(booking_id: int) -> None:
    # Same order as hold_seats (by label), so two transactions never wait on each other in a cycle.
    db.session.execute(
        select(TripSeat.id)
        .where(TripSeat.booking_id == booking_id)
        .order_by(TripSeat.label)
        .with_for_update()
    )


def _locked_booking(booking_id: int, *, skip_locked: bool = False) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update(skip_locked=skip_locked)
    )


def _live_hold_count(user_id: int, now: datetime) -> int:
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.user_id == user_id,
            Booking.status.in_(HOLDING_STATUSES),
            Booking.hold_expires_at > now,
        )
    )


def _unavailable(trip_id: int, wanted: list[str], now: datetime) -> list[str]:
    free = set(
        db.session.scalars(
            select(TripSeat.label).where(
                TripSeat.trip_id == trip_id, TripSeat.label.in_(wanted), seat_is_free(now)
            )
        )
    )
    db.session.rollback()
    return [label for label in wanted if label not in free]


def _add_with_reference(booking: Booking) -> None:
    """Give the booking a fresh reference like RP-7K3Q9X; the unique index has the last word."""
    for _ in range(REFERENCE_ATTEMPTS):
        booking.reference = "RP-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        try:
            with db.session.begin_nested():
                db.session.add(booking)
            return
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free booking reference")


def _busy_is_polite(work: Callable[[], T]) -> T:
    """A lock wait that timed out becomes a friendly "busy, try again", never a raw error."""
    try:
        return work()
    except OperationalError as error:
        db.session.rollback()
        if is_lock_contention(error):
            raise SeatsBusyError() from error
        raise
    except Exception:
        db.session.rollback()
        raise
