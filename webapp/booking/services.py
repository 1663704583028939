"""Seat holds (SPEC §3): hold, release, expire, and the one extension checkout may make.

The database decides who gets a seat. Seats are claimed by one conditional UPDATE that only
touches seats that are free right now (available, or held by a hold that has died), and the row
count says whether every requested seat was won; on a shortfall the transaction rolls back, so a
hold is all or nothing. On PostgreSQL that same statement first locks the rows in label order
(no deadlock between overlapping requests; a lock wait is bounded by the connection's
lock_timeout); on SQLite the transaction takes the write lock up front (BEGIN IMMEDIATE).
Requests that are certain to fail are refused by a plain read before any lock is taken, or,
when this process saw the seats taken moments ago, from its seat cache (see seat_cache).
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, and_, bindparam, case, func, insert, select
from sqlalchemy.exc import IntegrityError

from webapp import clock
from webapp.accounts.models import User
from webapp.audit import services as audit
from webapp.booking import queries, seats
from webapp.booking.errors import (
    HoldLimitError,
    HoldNotActiveError,
    SalesClosedError,
    SeatsUnavailableError,
)
from webapp.booking.models import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    hold_is_live,
)
from webapp.booking.rules import HoldRules
from webapp.database import UTCDateTime, begin_write, busy_is_polite, for_dialect, one_of_ids
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.trips.models import Trip, TripSeat, is_on_sale, seat_is_free

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread
REFERENCE_ATTEMPTS = 5


def normalise_labels(labels: Iterable[str], max_seats: int) -> list[str]:
    """Upper-cased, de-duplicated seat labels in request order; 1 to `max_seats` of them.
    Linear, and it stops at the first label past the limit: a huge list costs no more."""
    wanted: dict[str, None] = {}  # a dict keeps the order and finds a duplicate in O(1)
    for raw in labels:
        if not isinstance(raw, str):
            raise ValidationError("Seat numbers must be text such as '1A'.")
        if label := raw.strip().upper():
            wanted[label] = None
        if len(wanted) > max_seats:
            message = f"You can hold at most {max_seats} seats in one booking."
            raise ValidationError(message, details={"seatNumbers": message})
    if not wanted:
        message = "Choose at least one seat."
        raise ValidationError(message, details={"seatNumbers": message})
    if any(len(label) > 8 or not label.isalnum() for label in wanted):
        message = "Seat numbers look like '1A' or 'U3C'."
        raise ValidationError(message, details={"seatNumbers": message})
    return list(wanted)


@dataclass(frozen=True)
class HoldReceipt:
    """What a successful hold returns: plain values, usable after the transaction has ended."""

    booking_id: int
    reference: str
    status: str
    seat_labels: tuple[str, ...]
    hold_expires_at: datetime
    fare_subtotal: int
    service_fee: int
    total_amount: int
    currency: str


def hold_seats(
    user_id: int,
    trip_id: int,
    labels: Iterable[str],
    before_commit: Callable[["HoldReceipt"], None] | None = None,
) -> HoldReceipt:
    """Hold the seats for the user, all or none, for SEAT_HOLD_MINUTES. `before_commit` is
    given the receipt inside the hold's transaction, just before it commits (the caller may
    write there what must commit with the hold, such as the request's idempotency key)."""
    rules = HoldRules.current()
    wanted = normalise_labels(labels, rules.max_seats)
    now = clock.now()
    if rules.seat_cache_seconds > 0 and (taken := queries.seen_taken(trip_id, wanted, now)):
        raise SeatsUnavailableError(taken)  # seen taken here moments ago: no need to ask
    try:
        trip = _refuse_early(trip_id, wanted, rules, now)
        for _ in range(REFERENCE_ATTEMPTS):
            try:
                return busy_is_polite(
                    lambda: _hold(user_id, trip, wanted, rules, now, before_commit)
                )
            except IntegrityError as error:
                if "reference" not in str(error.orig):
                    raise
                # Two bookings drew the same random reference (about 1 in 10^9): draw again.
        raise RuntimeError("could not find a free booking reference")
    except SeatsUnavailableError:
        # In a rush for a seat, the passengers after this one are refused from memory.
        queries.remember_seat_rows(trip_id, rules.seat_cache_seconds)
        raise


@dataclass(frozen=True)
class _TripFacts:
    id: int
    departs_at: datetime
    fare_amount: int
    currency: str
    cancellation_policy: list[dict]


# The statements of a hold, built once with bound parameters. Building a SELECT costs more
# Python than running it, and every hold runs all of these, so only their parameters change.
_NOW = bindparam("now", type_=UTCDateTime())
_TRIP_ID = bindparam("for_trip", type_=Integer())
_LABELS = bindparam("labels", expanding=True, type_=String())
_bookings = Booking.__table__
_seats = TripSeat.__table__

# The trip's facts, joined to whichever of the wanted seats exist (one round trip).
_TRIP_AND_WANTED_SEATS = (
    select(
        Trip.status,
        Trip.departs_at,
        Trip.fare_amount,
        Trip.currency,
        Operator.cancellation_policy,
        TripSeat.label,
        case((seat_is_free(_NOW), 1), else_=0),
    )
    .join(Operator, Operator.id == Trip.operator_id)
    .outerjoin(TripSeat, and_(TripSeat.trip_id == Trip.id, TripSeat.label.in_(_LABELS)))
    .where(Trip.id == _TRIP_ID)
)

# The holder's row, locked so that their holds are counted one request at a time.
_LOCK_HOLDER = select(User.id).where(User.id == bindparam("user_id")).with_for_update()

# The booking, inserted only while the holder is under the live-hold limit. It runs after
# _LOCK_HOLDER, so on PostgreSQL it counts with a snapshot taken after the lock was granted.
_HOLD_COLUMNS = (
    "reference",
    "user_id",
    "trip_id",
    "status",
    "hold_started_at",
    "hold_expires_at",
    "fare_subtotal",
    "service_fee",
    "total_amount",
    "currency",
    "cancellation_policy",
    "created_at",
    "updated_at",
)
_live_holds_of_holder = (
    select(func.count())
    .select_from(_bookings)
    .where(_bookings.c.user_id == bindparam("user_id"), hold_is_live(_NOW))
    .scalar_subquery()
)
_INSERT_HOLD_UNDER_LIMIT = (
    insert(_bookings)
    .from_select(
        _HOLD_COLUMNS,
        select(*(bindparam(name, type_=_bookings.c[name].type) for name in _HOLD_COLUMNS)).where(
            _live_holds_of_holder < bindparam("max_live_holds")
        ),
    )
    .returning(_bookings.c.id)
)


def _refuse_early(trip_id: int, wanted: list[str], rules: HoldRules, now: datetime) -> _TripFacts:
    """Refuse, without taking any lock, what is certain to fail: no such trip or seat, sales
    closed, a seat visibly taken. This read never grants a seat; the UPDATE in `_hold` does."""
    rows = (
        db.session.connection()
        .execute(_TRIP_AND_WANTED_SEATS, {"for_trip": trip_id, "labels": wanted, "now": now})
        .all()
    )
    if not rows:
        raise NotFoundError("We could not find that trip.")
    status, departs_at, fare, currency, policy, _, _ = rows[0]
    if not is_on_sale(status, departs_at, rules.sales_cutoff_minutes, now):
        raise SalesClosedError("Online sales for this trip have closed.")
    free = {label: is_free for *_, label, is_free in rows if label is not None}
    unknown = [label for label in wanted if label not in free]
    if unknown:
        raise ValidationError(
            f"This bus has no seat {', '.join(unknown)}.", details={"seatNumbers": unknown}
        )
    taken = [label for label in wanted if not free[label]]
    if taken:
        raise SeatsUnavailableError(taken)
    return _TripFacts(trip_id, departs_at, fare, currency, policy)


def _hold(
    user_id: int,
    trip: _TripFacts,
    wanted: list[str],
    rules: HoldRules,
    now: datetime,
    before_commit: Callable[[HoldReceipt], None] | None,
) -> HoldReceipt:
    begin_write()
    connection = db.session.connection()
    connection.execute(_LOCK_HOLDER, {"user_id": user_id})
    count = len(wanted)
    expires_at = min(now + rules.hold, trip.departs_at)
    amounts = {
        "fare_subtotal": trip.fare_amount * count,
        "service_fee": rules.service_fee_per_seat * count,
        "total_amount": (trip.fare_amount + rules.service_fee_per_seat) * count,
    }
    reference = _new_reference()
    booking_id = connection.execute(
        _INSERT_HOLD_UNDER_LIMIT,
        {
            "reference": reference,
            "user_id": user_id,
            "trip_id": trip.id,
            "status": BookingStatus.HELD,
            "hold_started_at": now,
            "hold_expires_at": expires_at,
            "currency": trip.currency,
            "cancellation_policy": trip.cancellation_policy,
            "created_at": now,
            "updated_at": now,
            "now": now,
            "max_live_holds": rules.max_live_holds,
            **amounts,
        },
    ).scalar()
    if booking_id is None:
        raise HoldLimitError(
            f"You already have {rules.max_live_holds} seat holds waiting for payment. "
            "Pay for one or release it first."
        )

    claimed = seats.claim_seats(
        connection,
        trip_id=trip.id,
        labels=wanted,
        booking_id=booking_id,
        hold_until=expires_at,
        now=now,
        on_sale_if_departing_after=now + timedelta(minutes=rules.sales_cutoff_minutes),
    )
    if len(claimed) != len(wanted):
        db.session.rollback()
        _refuse_early(trip.id, wanted, rules, clock.now())  # says precisely what went wrong
        raise SeatsUnavailableError(wanted)  # everything freed up again in the meantime

    audit.record(
        "booking.held",
        "booking",
        booking_id,
        actor_user_id=user_id,
        trip_id=trip.id,
        seats=wanted,
        expires_at=expires_at.isoformat(),
    )
    receipt = HoldReceipt(
        booking_id,
        reference,
        BookingStatus.HELD,
        tuple(wanted),
        expires_at,
        currency=trip.currency,
        **amounts,
    )
    if before_commit is not None:
        before_commit(receipt)
    db.session.commit()
    return receipt


def release_hold(user_id: int, booking_id: int) -> Booking:
    """The passenger lets their held seats go. Releasing twice, or after expiry, changes nothing."""
    return busy_is_polite(lambda: _release(user_id, booking_id, clock.now()))


def _release(user_id: int, booking_id: int, now: datetime) -> Booking:
    begin_write()
    booking = seats.locked_booking(booking_id)
    if booking is None or booking.user_id != user_id:
        raise NotFoundError("We could not find that booking.")
    if booking.status == BookingStatus.CONFIRMED:
        raise HoldNotActiveError("This booking is paid for. Cancel it from your ticket instead.")
    if booking.status == BookingStatus.PENDING_PAYMENT and booking.pending_payments:
        raise HoldNotActiveError(
            "Your payment is being confirmed; the seats stay held until it finishes."
        )
    if booking.status in HOLDING_STATUSES:
        if booking.is_live_hold(now):
            seats.end_hold(booking, BookingStatus.CANCELLED, now, reason="RELEASED")
            audit.record("booking.released", "booking", booking.id, actor_user_id=user_id)
        else:
            seats.end_hold(booking, BookingStatus.EXPIRED, now)
            audit.record("booking.expired", "booking", booking.id, actor="system")
    db.session.commit()
    return booking


EXPIRY_BATCH = 500  # dead holds ended per transaction (well under SQLite's 999 parameters)

# The next batch of dead holds, locked (skipping any that another transaction holds), then
# marked EXPIRED; their ids and trips come back for the seats and the audit trail. Two
# statements: as a subquery of the UPDATE, PostgreSQL may run a LIMIT … SKIP LOCKED select more
# than once and so end more holds than the batch.
_LOCK_DEAD_BATCH = (
    select(_bookings.c.id)
    .where(_bookings.c.status == BookingStatus.HELD, _bookings.c.hold_expires_at <= _NOW)
    .order_by(_bookings.c.hold_expires_at)
    .limit(bindparam("batch", type_=Integer()))
    .with_for_update(skip_locked=True)
)
_EXPIRE_DEAD_HOLDS = tuple(
    _bookings.update()
    .where(of_batch)
    .values(status=BookingStatus.EXPIRED, updated_at=_NOW)
    .returning(_bookings.c.id, _bookings.c.trip_id)
    for of_batch in one_of_ids(_bookings.c.id, "ids")
)


def expire_stale_holds(now: datetime | None = None, batch: int = EXPIRY_BATCH) -> int:
    """Tidy up: mark dead unpaid holds EXPIRED and free their seats, `batch` holds per
    transaction until none is left. Safe to run concurrently (each run skips the holds another
    has locked).

    Holds with a payment in flight (PENDING_PAYMENT) are left to the payment flow, which asks
    the gateway first. Expiry itself never waits for this: every query already treats a hold
    past its `hold_expires_at` as dead.
    """
    moment = now or clock.now()
    expired = 0
    while True:
        ended = busy_is_polite(lambda: _expire_batch(moment, batch))
        expired += ended
        if ended < batch:
            return expired


def _expire_batch(now: datetime, batch: int) -> int:
    begin_write()
    connection = db.session.connection()
    ids = connection.execute(_LOCK_DEAD_BATCH, {"now": now, "batch": batch}).scalars().all()
    if not ids:
        db.session.commit()
        return 0
    ended = connection.execute(
        for_dialect(connection, _EXPIRE_DEAD_HOLDS), {"now": now, "ids": ids}
    ).all()
    if ended:
        seats.free_seats_of_expired(connection, ended)
        audit.record_many("booking.expired", "booking", [i for i, _ in ended], actor="system")
    db.session.commit()
    return len(ended)


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
    seats.extend_hold(booking, new_expiry)
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


def _new_reference() -> str:
    """A human reference like RP-7K3Q9X; the unique index on bookings has the last word."""
    return "RP-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
