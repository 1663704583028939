"""The hold service of SPEC §3, on PostgreSQL and SQLite."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func, select, update

from tests.apps import seat_cache_for
from tests.factories import create_booked_seats, create_trip, create_user, held
from webapp import clock
from webapp.audit.models import AuditEvent
from webapp.booking.errors import (
    HoldLimitError,
    HoldNotActiveError,
    SalesClosedError,
    SeatsUnavailableError,
)
from webapp.booking.models import Booking, BookingStatus
from webapp.booking.rules import HoldRules
from webapp.booking.services import (
    expire_stale_holds,
    extend_hold_for_payment,
    hold_seats,
    release_hold,
)
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.trips.models import TripSeat, TripStatus

both_databases = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)


def seats_of(trip_id: int) -> dict[str, tuple[str, int | None]]:
    rows = db.session.execute(
        select(TripSeat.label, TripSeat.status, TripSeat.booking_id).where(
            TripSeat.trip_id == trip_id
        )
    )
    return {label: (status, booking_id) for label, status, booking_id in rows}


def audit_actions(booking_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "booking", AuditEvent.subject_id == booking_id)
            .order_by(AuditEvent.id)
        )
    )


def booking_count() -> int:
    return db.session.scalar(select(func.count(Booking.id)))


@both_databases
def test_hold_takes_every_seat_for_fifteen_minutes_with_the_right_amounts(app: Flask) -> None:
    trip = create_trip(fare_amount=1_850_000)
    user = create_user()

    booking = held(user.id, trip.id, ["1a", "1B", "1A"])

    assert re.fullmatch(r"RP-[2-9A-HJ-NP-Z]{6}", booking.reference)
    assert booking.status == BookingStatus.HELD
    assert booking.seat_labels == ["1A", "1B"]
    assert booking.hold_expires_at - booking.hold_started_at == timedelta(minutes=15)
    assert booking.fare_subtotal == 2 * 1_850_000
    assert booking.service_fee == 2 * 25_000
    assert booking.total_amount == 3_750_000
    assert booking.cancellation_policy == trip.operator.cancellation_policy
    seats = seats_of(trip.id)
    assert seats["1A"] == ("held", booking.id)
    assert seats["1B"] == ("held", booking.id)
    assert seats["2A"] == ("available", None)
    assert audit_actions(booking.id) == ["booking.held"]


@both_databases
def test_hold_is_all_or_nothing(app: Flask) -> None:
    trip = create_trip()
    first = held(create_user().id, trip.id, ["1B"])
    before = booking_count()

    with pytest.raises(SeatsUnavailableError) as caught:
        hold_seats(create_user().id, trip.id, ["1A", "1B"])

    assert caught.value.details == {"seatNumbers": ["1B"]}
    assert seats_of(trip.id)["1A"] == ("available", None)
    assert seats_of(trip.id)["1B"] == ("held", first.id)
    assert booking_count() == before


@both_databases
def test_booked_seats_cannot_be_held(app: Flask) -> None:
    trip = create_trip()
    create_booked_seats(trip, ["2A"])

    with pytest.raises(SeatsUnavailableError):
        hold_seats(create_user().id, trip.id, ["2A"])


@both_databases
def test_a_dead_hold_frees_its_seat_at_once_with_no_job(app: Flask, travel) -> None:
    trip = create_trip()
    first_user, second_user = create_user(), create_user()
    first = held(first_user.id, trip.id, ["1A"])

    travel(timedelta(minutes=15, seconds=1))
    second = held(second_user.id, trip.id, ["1A"])

    assert seats_of(trip.id)["1A"] == ("held", second.id)
    first = db.session.get(Booking, first.id)
    assert first.effective_status() == BookingStatus.EXPIRED
    assert second.effective_status() == BookingStatus.HELD


@both_databases
def test_a_hold_is_alive_until_the_last_instant(app: Flask, travel) -> None:
    trip = create_trip()
    hold_seats(create_user().id, trip.id, ["1A"])

    travel(timedelta(minutes=14, seconds=59))

    with pytest.raises(SeatsUnavailableError):
        hold_seats(create_user().id, trip.id, ["1A"])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([], "at least one seat"),
        (["1A", "1B", "2A", "2B", "1C", "2C", "3A"], "at most 6"),
        (["9Z"], "no seat 9Z"),
        (["1A; DROP TABLE"], "look like"),
        ([17], "must be text"),
    ],
)
def test_bad_seat_requests_change_nothing(app: Flask, labels: list, message: str) -> None:
    trip = create_trip()
    before = booking_count()

    with pytest.raises(ValidationError, match=message):
        hold_seats(create_user().id, trip.id, labels)

    assert booking_count() == before
    assert {status for status, _ in seats_of(trip.id).values()} == {"available"}


@both_databases
def test_at_most_two_live_holds_per_user_and_dead_ones_do_not_count(
    app: Flask,
    travel,
) -> None:
    user = create_user()
    trips = [create_trip() for _ in range(4)]
    hold_seats(user.id, trips[0].id, ["1A"])
    hold_seats(user.id, trips[1].id, ["1A"])

    with pytest.raises(HoldLimitError):
        hold_seats(user.id, trips[2].id, ["1A"])
    assert seats_of(trips[2].id)["1A"] == ("available", None)

    travel(timedelta(minutes=16))
    hold_seats(user.id, trips[2].id, ["1A"])
    hold_seats(user.id, trips[3].id, ["1A"])


@pytest.mark.parametrize(
    ("departs_in", "status"),
    [
        (timedelta(minutes=29), TripStatus.SCHEDULED),  # inside the 30-minute sales cut-off
        (timedelta(hours=5), TripStatus.CANCELLED),
        (timedelta(hours=5), TripStatus.DEPARTED),
        (-timedelta(hours=1), TripStatus.SCHEDULED),
    ],
)
def test_no_holds_on_closed_trips(app: Flask, departs_in: timedelta, status: str) -> None:
    trip = create_trip(departs_at=clock.now() + departs_in, status=status)

    with pytest.raises(SalesClosedError):
        hold_seats(create_user().id, trip.id, ["1A"])

    assert seats_of(trip.id)["1A"] == ("available", None)


def test_unknown_trip_is_not_found(app: Flask) -> None:
    with pytest.raises(NotFoundError):
        hold_seats(create_user().id, 987654, ["1A"])


def test_hold_never_outlives_the_departure(app: Flask) -> None:
    trip = create_trip(departs_at=clock.now() + timedelta(minutes=40))

    booking = held(create_user().id, trip.id, ["1A"])

    assert booking.hold_expires_at <= trip.departs_at


@both_databases
def test_release_frees_the_seats_once(app: Flask) -> None:
    trip = create_trip()
    user = create_user()
    booking = held(user.id, trip.id, ["1A", "1B"])

    release_hold(user.id, booking.id)
    again = release_hold(user.id, booking.id)

    assert again.status == BookingStatus.CANCELLED
    assert again.cancel_reason == "RELEASED"
    assert {status for status, _ in seats_of(trip.id).values()} == {"available"}
    assert audit_actions(booking.id) == ["booking.held", "booking.released"]
    hold_seats(create_user().id, trip.id, ["1A"])  # free for the next passenger


def test_only_the_owner_can_release(app: Flask) -> None:
    trip = create_trip()
    booking = held(create_user().id, trip.id, ["1A"])

    with pytest.raises(NotFoundError):
        release_hold(create_user().id, booking.id)

    assert seats_of(trip.id)["1A"] == ("held", booking.id)


def test_paid_bookings_are_not_released(app: Flask) -> None:
    trip = create_trip()
    user = create_user()
    booking = create_booked_seats(trip, ["1A"], user=user)

    with pytest.raises(HoldNotActiveError):
        release_hold(user.id, booking.id)


def test_releasing_a_dead_hold_records_its_expiry(app: Flask, travel) -> None:
    trip = create_trip()
    user = create_user()
    booking = held(user.id, trip.id, ["1A"])
    travel(timedelta(minutes=20))

    result = release_hold(user.id, booking.id)

    assert result.status == BookingStatus.EXPIRED
    assert audit_actions(booking.id) == ["booking.held", "booking.expired"]


@both_databases
def test_expire_stale_holds_tidies_only_dead_holds_and_is_idempotent(
    app: Flask,
    travel,
) -> None:
    trip = create_trip()
    dead = held(create_user().id, trip.id, ["1A"])
    travel(timedelta(minutes=10))
    alive = held(create_user().id, trip.id, ["1B"])
    travel(timedelta(minutes=16))

    assert expire_stale_holds() == 1
    assert expire_stale_holds() == 0

    assert db.session.get(Booking, dead.id).status == BookingStatus.EXPIRED
    assert db.session.get(Booking, alive.id).status == BookingStatus.HELD
    assert seats_of(trip.id)["1A"] == ("available", None)
    assert seats_of(trip.id)["1B"] == ("held", alive.id)
    assert audit_actions(dead.id) == ["booking.held", "booking.expired"]


@both_databases
def test_checkout_extends_a_hold_once_and_never_past_an_hour(app: Flask, travel) -> None:
    trip = create_trip()
    booking = held(create_user().id, trip.id, ["1A"])
    rules = HoldRules.current()
    started = booking.hold_started_at

    travel(timedelta(minutes=14))
    booking = db.session.get(Booking, booking.id)
    extend_hold_for_payment(booking, clock.now(), rules)
    db.session.commit()
    first_extension = booking.hold_expires_at
    travel(timedelta(minutes=30))
    booking = db.session.get(Booking, booking.id)
    extend_hold_for_payment(booking, clock.now(), rules)  # a second time does nothing
    db.session.commit()

    # The real clock keeps ticking under the offset, so allow the time the test itself takes.
    assert abs(first_extension - (started + timedelta(minutes=14 + 20))) < timedelta(seconds=2)
    assert booking.hold_expires_at == first_extension
    seat = db.session.scalar(select(TripSeat).where(TripSeat.booking_id == booking.id))
    assert seat.hold_expires_at == first_extension
    assert audit_actions(booking.id) == ["booking.held", "booking.hold_extended"]


def test_extension_is_capped_sixty_minutes_after_the_hold_began(app: Flask) -> None:
    trip = create_trip()
    booking = held(create_user().id, trip.id, ["1A"])
    rules = HoldRules(**{**HoldRules.current().__dict__, "payment_window": timedelta(hours=2)})

    extend_hold_for_payment(booking, clock.now(), rules)
    db.session.commit()

    assert booking.hold_expires_at == booking.hold_started_at + timedelta(minutes=60)


def test_a_dead_hold_cannot_be_extended(app: Flask, travel) -> None:
    trip = create_trip()
    booking = held(create_user().id, trip.id, ["1A"])
    travel(timedelta(minutes=16))

    with pytest.raises(HoldNotActiveError):
        extend_hold_for_payment(booking, clock.now(), HoldRules.current())


@pytest.fixture
def seat_cache_on(app: Flask) -> Iterator[None]:
    """Seat rows cached per process, as served (the suite runs with the cache off)."""
    with seat_cache_for(app, 60):
        yield


@contextmanager
def statements_run() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@both_databases
def test_after_a_refusal_the_next_passenger_is_refused_without_a_query(
    app: Flask, seat_cache_on: None
) -> None:
    trip = create_trip()
    first, second, third = create_user().id, create_user().id, create_user().id
    held(first, trip.id, ["1A"])
    with pytest.raises(SeatsUnavailableError):
        hold_seats(second, trip.id, ["1A"])  # asked the database, and remembered the answer

    with statements_run() as statements, pytest.raises(SeatsUnavailableError) as refused:
        hold_seats(third, trip.id, ["1B", "1A"])
    granted = hold_seats(third, trip.id, ["1B"])  # a free seat is still the database's to give

    assert statements == []
    assert refused.value.details == {"seatNumbers": ["1A"]}
    assert granted.seat_labels == ("1B",)
    assert seats_of(trip.id)["1B"] == ("held", granted.booking_id)


@both_databases
def test_a_remembered_refusal_ends_with_the_hold_it_saw(
    app: Flask, seat_cache_on: None, travel
) -> None:
    trip = create_trip()
    held(create_user().id, trip.id, ["1A"])
    with pytest.raises(SeatsUnavailableError):
        hold_seats(create_user().id, trip.id, ["1A"])

    travel(timedelta(minutes=app.config["SEAT_HOLD_MINUTES"], seconds=1))
    late = hold_seats(create_user().id, trip.id, ["1A"])  # the cached rows carry the expiry

    assert late.seat_labels == ("1A",)


@both_databases
def test_a_seat_freed_by_another_process_is_offered_again_within_the_cache_age(
    app: Flask, seat_cache_on: None, travel
) -> None:
    app.config["SEAT_STATE_CACHE_SECONDS"] = 60  # the test moves the clock; no machine is slower
    trip = create_trip()
    holder = held(create_user().id, trip.id, ["1A"])
    with pytest.raises(SeatsUnavailableError):
        hold_seats(create_user().id, trip.id, ["1A"])
    # Released behind this process's back, as by another worker: no cache entry is dropped.
    db.session.execute(
        update(TripSeat)
        .where(TripSeat.booking_id == holder.id)
        .values(status="available", booking_id=None, hold_expires_at=None)
    )
    db.session.execute(update(Booking).where(Booking.id == holder.id).values(status="CANCELLED"))
    db.session.commit()
    latecomer = create_user().id

    with pytest.raises(SeatsUnavailableError):
        hold_seats(latecomer, trip.id, ["1A"])  # still remembered as taken
    travel(timedelta(seconds=61))  # the cache entry is older than its age allows
    granted = hold_seats(latecomer, trip.id, ["1A"])

    assert granted.seat_labels == ("1A",)
