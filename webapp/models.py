"""Every model, imported in one place so the metadata Alembic compares against is complete."""

from webapp.accounts.models import ApiToken, User
from webapp.fleet.models import LayoutSeat, Operator, SeatLayout
from webapp.trips.models import City, Route, Trip, TripSeat

__all__ = [
    "ApiToken",
    "City",
    "LayoutSeat",
    "Operator",
    "Route",
    "SeatLayout",
    "Trip",
    "TripSeat",
    "User",
]
