"""Scheduling trips. A trip is created together with one trip-seat row per sellable seat."""

from datetime import datetime, timedelta

from sqlalchemy import insert

from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.fleet.models import SeatLayout
from webapp.trips.models import Route, SeatStatus, Trip, TripSeat


def add_trip(
    *,
    route: Route,
    operator_id: int,
    layout: SeatLayout,
    departs_at: datetime,
    fare_amount: int,
    boarding_point: str,
    currency: str = "NGN",
) -> Trip:
    """Add a trip and its seats to the session (flushed, not committed: the caller commits)."""
    if departs_at.tzinfo is None:
        raise ValidationError("Departure time must carry a timezone.")
    if fare_amount <= 0:
        raise ValidationError("The fare must be a positive number of kobo.")
    seats = layout.sellable_seats
    if not seats:
        raise ValidationError("That layout has no sellable seats.")
    trip = Trip(
        route_id=route.id,
        operator_id=operator_id,
        layout_id=layout.id,
        departs_at=departs_at,
        arrives_at=departs_at + timedelta(minutes=route.duration_minutes),
        fare_amount=fare_amount,
        currency=currency,
        boarding_point=boarding_point,
    )
    db.session.add(trip)
    db.session.flush()
    db.session.execute(
        insert(TripSeat),
        [
            {
                "trip_id": trip.id,
                "label": seat.label,
                "seat_class": seat.seat_class,
                "status": SeatStatus.AVAILABLE,
            }
            for seat in seats
        ],
    )
    return trip
