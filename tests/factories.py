"""Factories for test data: `create_trip(**overrides)` and friends. Each commits (to the test's
savepoint) so the data survives the session being closed between requests."""

import itertools
from datetime import datetime, timedelta

from sqlalchemy import select

from webapp import clock
from webapp.accounts.models import ApiToken, Role, User
from webapp.accounts.passwords import hash_password
from webapp.accounts.services import create_api_token
from webapp.booking.models import Booking, BookingSeat, BookingStatus
from webapp.extensions import db
from webapp.fleet.layouts import build_layout
from webapp.fleet.models import Operator, SeatLayout
from webapp.fleet.policy import DEFAULT_POLICY
from webapp.trips.models import City, Route, Trip, TripSeat
from webapp.trips.services import add_trip

PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashing once keeps argon2 out of every test's time
_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def create_user(**overrides: object) -> User:
    n = _next()
    values = {
        "email": f"user{n}@example.com",
        "name": f"Test User {n}",
        "password_hash": _PASSWORD_HASH,
        "role": Role.PASSENGER,
    }
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    db.session.commit()
    return user


def create_token(user: User, name: str = "test") -> tuple[ApiToken, str]:
    return create_api_token(user.id, name)


def create_city(name: str | None = None) -> City:
    name = name or f"Town {_next()}"
    existing = db.session.scalar(select(City).where(City.name == name))
    if existing:
        return existing
    city = City(slug=name.lower().replace(" ", "-"), name=name, state="Test")
    db.session.add(city)
    db.session.commit()
    return city


def create_route(origin: str = "Lagos", destination: str = "Abuja", **overrides: object) -> Route:
    ends = {"origin_id": create_city(origin).id, "destination_id": create_city(destination).id}
    existing = db.session.scalar(select(Route).filter_by(**ends))
    if existing:
        return existing
    values = {"duration_minutes": 600, "distance_km": 760}
    values.update(overrides)
    route = Route(**ends, **values)
    db.session.add(route)
    db.session.commit()
    return route


def create_operator(**overrides: object) -> Operator:
    n = _next()
    values = {
        "slug": f"operator-{n}",
        "name": f"Operator {n}",
        "commission_bps": 800,
        "cancellation_policy": DEFAULT_POLICY,
        "payout_account_number": "0123456789",
    }
    values.update(overrides)
    operator = Operator(**values)
    db.session.add(operator)
    db.session.commit()
    return operator


def create_layout(decks: list[list[str]] | None = None, **overrides: object) -> SeatLayout:
    layout = build_layout(
        str(overrides.pop("name", f"Layout {_next()}")),
        decks or [["SS.S", "SS.S"]],
        **overrides,
    )
    db.session.add(layout)
    db.session.commit()
    return layout


def create_trip(
    *,
    route: Route | None = None,
    operator: Operator | None = None,
    layout: SeatLayout | None = None,
    departs_at: datetime | None = None,
    fare_amount: int = 1_500_000,
    **overrides: object,
) -> Trip:
    trip = add_trip(
        route=route or create_route(),
        operator_id=(operator or create_operator()).id,
        layout=layout or create_layout(),
        departs_at=departs_at or clock.now() + timedelta(days=2),
        fare_amount=fare_amount,
        boarding_point="Jibowu Terminal",
    )
    for key, value in overrides.items():
        setattr(trip, key, value)
    db.session.commit()
    return trip


def create_booked_seats(trip: Trip, labels: list[str], user: User | None = None) -> Booking:
    """A paid booking, as checkout will leave it: seats booked, status CONFIRMED."""
    user = user or create_user()
    now = clock.now()
    booking = Booking(
        reference=f"RP-T{_next():05d}",
        user_id=user.id,
        trip_id=trip.id,
        status=BookingStatus.CONFIRMED,
        hold_started_at=now - timedelta(minutes=5),
        hold_expires_at=now + timedelta(minutes=10),
        fare_subtotal=trip.fare_amount * len(labels),
        service_fee=25000 * len(labels),
        total_amount=(trip.fare_amount + 25000) * len(labels),
        currency=trip.currency,
        cancellation_policy=DEFAULT_POLICY,
    )
    db.session.add(booking)
    db.session.flush()
    seats = db.session.scalars(
        select(TripSeat).where(TripSeat.trip_id == trip.id, TripSeat.label.in_(labels))
    ).all()
    for seat in seats:
        seat.status, seat.booking_id, seat.hold_expires_at = "booked", booking.id, None
        db.session.add(BookingSeat(booking_id=booking.id, trip_seat_id=seat.id, label=seat.label))
    db.session.commit()
    return booking


def held(user_id: int, trip_id: int, labels: list[str]) -> Booking:
    """Hold seats through the real service and return the stored booking."""
    from webapp.booking.services import hold_seats

    return db.session.get(Booking, hold_seats(user_id, trip_id, labels).booking_id)
