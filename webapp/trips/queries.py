"""Read-only queries for trip pages and the API. Availability is computed with lazy expiry."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from webapp.clock import LAGOS, lagos_day_bounds, to_lagos
from webapp.extensions import db
from webapp.fleet.models import Operator, SeatLayout
from webapp.trips.models import City, Route, Trip, TripSeat, TripStatus, seat_is_free
from webapp.trips.search import SearchCriteria


@dataclass(frozen=True)
class TripCard:
    id: int
    operator_name: str
    origin: str
    destination: str
    departs_at: datetime
    arrives_at: datetime
    duration_minutes: int
    fare_amount: int
    currency: str
    seats_left: int
    seats_total: int
    boarding_point: str
    bus: str
    status: str
    on_sale: bool

    @property
    def days_later(self) -> int:
        """How many Lagos calendar days after departure the bus arrives (0 for the same day)."""
        return (to_lagos(self.arrives_at).date() - to_lagos(self.departs_at).date()).days

    def to_json(self) -> dict[str, Any]:
        return {
            "tripId": self.id,
            "operator": self.operator_name,
            "origin": self.origin,
            "destination": self.destination,
            "departsAt": to_lagos(self.departs_at).isoformat(),
            "arrivesAt": to_lagos(self.arrives_at).isoformat(),
            "durationMinutes": self.duration_minutes,
            "fareAmount": self.fare_amount,
            "currency": self.currency,
            "seatsLeft": self.seats_left,
            "seatsTotal": self.seats_total,
            "boardingPoint": self.boarding_point,
            "bus": self.bus,
            "status": self.status,
            "onSale": self.on_sale,
        }


def _cards_query(now: datetime) -> Any:
    origin, destination = aliased(City), aliased(City)
    seats_left = (
        select(func.count(TripSeat.id))
        .where(TripSeat.trip_id == Trip.id, seat_is_free(now))
        .scalar_subquery()
    )
    seats_total = (
        select(func.count(TripSeat.id)).where(TripSeat.trip_id == Trip.id).scalar_subquery()
    )
    return (
        select(
            Trip,
            Operator.name,
            origin.name,
            destination.name,
            Route.duration_minutes,
            SeatLayout.name,
            seats_left,
            seats_total,
        )
        .join(Route, Trip.route_id == Route.id)
        .join(origin, Route.origin_id == origin.id)
        .join(destination, Route.destination_id == destination.id)
        .join(Operator, Trip.operator_id == Operator.id)
        .join(SeatLayout, Trip.layout_id == SeatLayout.id)
    )


def _card(row: Any, now: datetime, cutoff_minutes: int) -> TripCard:
    trip, operator, origin, destination, minutes, bus, left, total = row
    return TripCard(
        id=trip.id,
        operator_name=operator,
        origin=origin,
        destination=destination,
        departs_at=trip.departs_at,
        arrives_at=trip.arrives_at,
        duration_minutes=minutes,
        fare_amount=trip.fare_amount,
        currency=trip.currency,
        seats_left=left,
        seats_total=total,
        boarding_point=trip.boarding_point,
        bus=bus,
        status=trip.status,
        on_sale=trip.is_on_sale(cutoff_minutes, now),
    )


def search_trips(criteria: SearchCriteria, now: datetime, cutoff_minutes: int) -> list[TripCard]:
    """Scheduled trips on the route that leave on the Lagos calendar day and have not left yet."""
    start, end = lagos_day_bounds(criteria.day)
    query = (
        _cards_query(now)
        .where(
            Route.origin_id == criteria.origin.id,
            Route.destination_id == criteria.destination.id,
            Trip.departs_at >= max(start, now),
            Trip.departs_at < end,
            Trip.status == TripStatus.SCHEDULED,
        )
        .order_by(Trip.departs_at, Trip.id)
    )
    return [_card(row, now, cutoff_minutes) for row in db.session.execute(query)]


def lowest_fares(
    criteria: SearchCriteria, first: date, last: date, now: datetime, cutoff_minutes: int
) -> dict[date, tuple[int, str]]:
    """For each Lagos day from `first` to `last`, the lowest fare of a trip on the route that is
    on sale with a seat left (days without one are absent)."""
    start, _ = lagos_day_bounds(first)
    _, end = lagos_day_bounds(last)
    query = _cards_query(now).where(
        Route.origin_id == criteria.origin.id,
        Route.destination_id == criteria.destination.id,
        Trip.departs_at >= max(start, now),
        Trip.departs_at < end,
        Trip.status == TripStatus.SCHEDULED,
    )
    fares: dict[date, tuple[int, str]] = {}
    for row in db.session.execute(query):
        card = _card(row, now, cutoff_minutes)
        if not card.on_sale or not card.seats_left:
            continue
        day = card.departs_at.astimezone(LAGOS).date()
        if day not in fares or card.fare_amount < fares[day][0]:
            fares[day] = (card.fare_amount, card.currency)
    return fares


def trip_card(trip_id: int, now: datetime, cutoff_minutes: int) -> TripCard | None:
    row = db.session.execute(_cards_query(now).where(Trip.id == trip_id)).first()
    return _card(row, now, cutoff_minutes) if row else None


def list_cities() -> list[City]:
    return list(db.session.scalars(select(City).order_by(City.name)))
