"""The seat inventory: the only code that claims, books, frees and locks trip seats (SPEC §3).

A trip seat is held or booked by at most one booking, under any concurrency, because every
change to `trip_seats` is one conditional UPDATE here whose WHERE clause only matches seats that
are free right now (available, or held by a hold that has died) or already this booking's; the
row count says whether every wanted seat was won, and a shortfall rolls back.

The one lock order. Every writer takes row locks in this order, so two transactions never wait
on each other in a cycle:

    the holder's user row (holds only) → trip (trip cancellation only) → booking → payment
    → the booking's trip seats, by label

On PostgreSQL the waits are bounded by the connection's `lock_timeout` and a timeout becomes a
polite "busy, try again" (`webapp.database.busy_is_polite`); on SQLite a write transaction takes
the database lock up front instead (`begin_write`).

This process keeps recent seat rows in `seat_cache`. Whatever here changes a trip's seats notes
the trip on the session; a session hook drops those trips' cache entries once the transaction
commits (and forgets them on rollback), so no caller clears the cache by hand.
"""

from datetime import datetime

from sqlalchemy import Integer, String, and_, bindparam, event, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from webapp.booking import seat_cache
from webapp.booking.models import Booking, BookingSeat, BookingStatus
from webapp.database import UTCDateTime, for_dialect, one_of_ids
from webapp.extensions import db
from webapp.trips.models import SeatStatus, Trip, TripSeat, TripStatus, seat_is_free

_CHANGED_TRIPS = "roadpass_changed_trips"
_seats = TripSeat.__table__

# The claim of a hold: lock the wanted rows in label order, then take only those free right now,
# and only while the trip is still on sale. Built once: every hold runs it with new parameters.
_CLAIM_FREE_SEATS = (
    update(_seats)
    .where(
        _seats.c.id.in_(
            select(TripSeat.id)
            .where(
                TripSeat.trip_id == bindparam("for_trip", type_=Integer()),
                TripSeat.label.in_(bindparam("labels", expanding=True, type_=String())),
            )
            .order_by(TripSeat.label)
            .with_for_update()
        ),
        seat_is_free(bindparam("now", type_=UTCDateTime())),
        select(Trip.id)
        .where(
            Trip.id == bindparam("for_trip", type_=Integer()),
            Trip.status == TripStatus.SCHEDULED,
            Trip.departs_at > bindparam("on_sale_if_departing_after", type_=UTCDateTime()),
        )
        .exists(),
    )
    .values(
        status=SeatStatus.HELD,
        booking_id=bindparam("holder_booking_id"),
        hold_expires_at=bindparam("hold_until", type_=UTCDateTime()),
    )
    .returning(_seats.c.id, _seats.c.label)
)

# On PostgreSQL the seats won are linked to the booking in the same statement (one round trip
# fewer on every hold); elsewhere the link is a second INSERT.
_booking_seats = BookingSeat.__table__
_LINK_COLUMNS = ("booking_id", "trip_seat_id", "label")
_INSERT_BOOKING_SEATS = insert(_booking_seats)
_claimed = _CLAIM_FREE_SEATS.cte("claimed")
_CLAIM_AND_LINK_FREE_SEATS = (
    insert(_booking_seats)
    .from_select(
        _LINK_COLUMNS,
        select(bindparam("holder_booking_id", type_=Integer()), _claimed.c.id, _claimed.c.label),
    )
    .returning(_booking_seats.c.trip_seat_id, _booking_seats.c.label)
)


def claim_seats(
    connection: Connection,
    *,
    trip_id: int,
    labels: list[str],
    booking_id: int,
    hold_until: datetime,
    now: datetime,
    on_sale_if_departing_after: datetime,
) -> list[tuple[int, str]]:
    """Hold the free ones of `labels` for the booking and add them to it as its booking seats;
    (id, label) of each seat won. The caller compares the count with what it asked for and
    rolls back on a shortfall."""
    _changed(trip_id)
    parameters = {
        "for_trip": trip_id,
        "labels": labels,
        "now": now,
        "on_sale_if_departing_after": on_sale_if_departing_after,
        "holder_booking_id": booking_id,
        "hold_until": hold_until,
    }
    if connection.dialect.name == "postgresql":
        rows = connection.execute(_CLAIM_AND_LINK_FREE_SEATS, parameters).all()
        return [(seat_id, label) for seat_id, label in rows]
    won = [(seat_id, label) for seat_id, label in connection.execute(_CLAIM_FREE_SEATS, parameters)]
    if won:
        connection.execute(
            _INSERT_BOOKING_SEATS,
            [{"booking_id": booking_id, "trip_seat_id": i, "label": label} for i, label in won],
        )
    return won


_LOCK_SEATS_OF_BOOKINGS = tuple(
    select(_seats.c.id)
    .where(of_bookings, _seats.c.status == SeatStatus.HELD)
    .order_by(_seats.c.trip_id, _seats.c.label)
    .with_for_update()
    for of_bookings in one_of_ids(_seats.c.booking_id, "booking_ids")
)
_FREE_SEATS_OF_BOOKINGS = tuple(
    update(_seats)
    .where(of_bookings, _seats.c.status == SeatStatus.HELD)
    .values(status=SeatStatus.AVAILABLE, booking_id=None, hold_expires_at=None)
    for of_bookings in one_of_ids(_seats.c.booking_id, "booking_ids")
)


def free_seats_of_expired(connection: Connection, bookings: list[tuple[int, int]]) -> None:
    """Free the seats still held by these (booking id, trip id) pairs, a batch of holds the
    expiry job has just ended: locked by trip and label (the order every hold locks a trip's
    seats in), then freed in one statement."""
    ids = [booking_id for booking_id, _ in bookings]
    connection.execute(for_dialect(connection, _LOCK_SEATS_OF_BOOKINGS), {"booking_ids": ids})
    connection.execute(for_dialect(connection, _FREE_SEATS_OF_BOOKINGS), {"booking_ids": ids})
    for trip_id in {trip_id for _, trip_id in bookings}:
        _changed(trip_id)


def extend_hold(booking: Booking, new_expiry: datetime) -> None:
    """Move the expiry of the seats this booking holds (checkout's one extension)."""
    _lock_seats_of(booking.id)
    db.session.execute(
        update(TripSeat)
        .where(TripSeat.booking_id == booking.id, TripSeat.status == SeatStatus.HELD)
        .values(hold_expires_at=new_expiry)
        .execution_options(synchronize_session=False)
    )
    _changed(booking.trip_id)


def book_seats(booking: Booking, now: datetime) -> bool:
    """Book the booking's seats: its own live hold or, for a late payment, the same seats if they
    are still free, and only while the trip is on sale. All or none: False leaves them as they
    were."""
    seat_ids = [seat.trip_seat_id for seat in booking.seats]
    on_sale = (
        select(Trip.id)
        .where(
            Trip.id == booking.trip_id, Trip.status == TripStatus.SCHEDULED, Trip.departs_at > now
        )
        .exists()
    )
    ordered = (
        select(TripSeat.id)
        .where(TripSeat.id.in_(seat_ids))
        .order_by(TripSeat.label)
        .with_for_update()
    )
    ours = and_(TripSeat.booking_id == booking.id, TripSeat.status == SeatStatus.HELD)
    with db.session.begin_nested() as savepoint:
        taken = db.session.execute(
            update(TripSeat)
            .where(TripSeat.id.in_(ordered), or_(ours, seat_is_free(now)), on_sale)
            .values(status=SeatStatus.BOOKED, booking_id=booking.id, hold_expires_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != len(seat_ids):
            savepoint.rollback()
            return False
    _changed(booking.trip_id)
    return True


def end_hold(
    booking: Booking, status: BookingStatus, now: datetime, reason: str | None = None
) -> None:
    """Free the seats this booking still holds and set its final status (flushes)."""
    _close(booking, SeatStatus.HELD, status, now, reason)


def cancel_paid(booking: Booking, now: datetime, reason: str) -> None:
    """Give a confirmed booking's seats back and mark it cancelled (flushes)."""
    _close(booking, SeatStatus.BOOKED, BookingStatus.CANCELLED, now, reason)


def _close(
    booking: Booking, seats: SeatStatus, status: BookingStatus, now: datetime, reason: str | None
) -> None:
    _lock_seats_of(booking.id)
    db.session.execute(
        update(TripSeat)
        .where(TripSeat.booking_id == booking.id, TripSeat.status == seats)
        .values(status=SeatStatus.AVAILABLE, booking_id=None, hold_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    _changed(booking.trip_id)
    booking.status = status
    booking.cancel_reason = reason
    booking.updated_at = now
    db.session.flush()


def locked_booking(booking_id: int, *, skip_locked: bool = False) -> Booking | None:
    """The booking, row-locked: the step of the lock order that comes before its payment and
    seats."""
    return db.session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update(skip_locked=skip_locked)
    )


def _lock_seats_of(booking_id: int) -> None:
    db.session.execute(
        select(TripSeat.id)
        .where(TripSeat.booking_id == booking_id)
        .order_by(TripSeat.label)
        .with_for_update()
    )


def _changed(trip_id: int) -> None:
    db.session().info.setdefault(_CHANGED_TRIPS, set()).add(trip_id)


def _committed(session: Session) -> None:
    for trip_id in session.info.pop(_CHANGED_TRIPS, ()):
        seat_cache.forget(trip_id)


def _rolled_back(session: Session, _previous: object = None) -> None:
    session.info.pop(_CHANGED_TRIPS, None)


def install_hooks() -> None:
    """Drop a trip's cached seat rows whenever a transaction that changed its seats commits."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_rollback", _rolled_back)
