"""Cities, routes, trips on a route, and the per-trip seats where availability lives."""

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.database import UTCDateTime
from webapp.extensions import db
from webapp.fleet.models import Operator, SeatLayout


class TripStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    DEPARTED = "DEPARTED"
    CANCELLED = "CANCELLED"


class SeatStatus(StrEnum):
    AVAILABLE = "available"
    HELD = "held"
    BOOKED = "booked"


class City(db.Model):
    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    state: Mapped[str] = mapped_column(String(40), default="")


class Route(db.Model):
    __tablename__ = "routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    distance_km: Mapped[int] = mapped_column(Integer)

    origin: Mapped[City] = relationship(foreign_keys=[origin_id])
    destination: Mapped[City] = relationship(foreign_keys=[destination_id])

    __table_args__ = (
        UniqueConstraint("origin_id", "destination_id"),
        CheckConstraint("origin_id <> destination_id", name="distinct_ends"),
        CheckConstraint("duration_minutes > 0 AND distance_km > 0", name="positive_length"),
    )


class Trip(db.Model):
    """One departure of one operator's bus on a route, sold seat by seat."""

    __tablename__ = "trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    layout_id: Mapped[int] = mapped_column(ForeignKey("seat_layouts.id"))
    departs_at: Mapped[datetime] = mapped_column(UTCDateTime)
    arrives_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fare_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="NGN")
    boarding_point: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=TripStatus.SCHEDULED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    route: Mapped[Route] = relationship()
    operator: Mapped[Operator] = relationship()
    layout: Mapped[SeatLayout] = relationship()
    seats: Mapped[list["TripSeat"]] = relationship(
        back_populates="trip", cascade="all, delete-orphan", order_by="TripSeat.id"
    )

    __table_args__ = (
        UniqueConstraint("operator_id", "route_id", "departs_at"),
        Index("ix_trips_route_id_departs_at", "route_id", "departs_at"),
        CheckConstraint("fare_amount > 0", name="fare_positive"),
        CheckConstraint("arrives_at > departs_at", name="arrives_after_departure"),
        CheckConstraint("status IN ('SCHEDULED', 'DEPARTED', 'CANCELLED')", name="status_known"),
    )

    def is_on_sale(self, cutoff_minutes: int, at: datetime | None = None) -> bool:
        return is_on_sale(self.status, self.departs_at, cutoff_minutes, at or clock.now())


class TripSeat(db.Model):
    """A sellable seat on one trip. A hold is live only while `hold_expires_at` is in the future."""

    __tablename__ = "trip_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(8))
    seat_class: Mapped[str] = mapped_column(String(20), default="standard")
    status: Mapped[str] = mapped_column(String(10), default=SeatStatus.AVAILABLE)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The one booking that holds or has bought this seat: one row, one holder, by construction.
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))

    trip: Mapped[Trip] = relationship(back_populates="seats")

    __table_args__ = (
        UniqueConstraint("trip_id", "label"),
        CheckConstraint("status IN ('available', 'held', 'booked')", name="status_known"),
        CheckConstraint(
            "(status = 'held') = (hold_expires_at IS NOT NULL)", name="hold_has_expiry"
        ),
        CheckConstraint(
            "(status = 'available') = (booking_id IS NULL)", name="holder_matches_status"
        ),
        Index("ix_trip_seats_booking_id", "booking_id"),
    )


def is_on_sale(status: str, departs_at: datetime, cutoff_minutes: int, now: datetime) -> bool:
    """Open for sale: scheduled, and online sales close `cutoff_minutes` before departure."""
    return status == TripStatus.SCHEDULED and now < departs_at - timedelta(minutes=cutoff_minutes)


def seat_is_free(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL for "this seat can be taken now": available, or held by a hold that has died.
    `now` may be a bound parameter, for statements built once and run many times."""
    return or_(
        TripSeat.status == SeatStatus.AVAILABLE,
        and_(TripSeat.status == SeatStatus.HELD, TripSeat.hold_expires_at <= now),
    )
