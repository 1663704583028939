"""Bookings: one purchase of one or more seats on one trip by one user."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.accounts.models import User
from webapp.database import UTCDateTime
from webapp.extensions import db
from webapp.trips.models import Trip

if TYPE_CHECKING:  # the payments package sits above this one and maps the table
    from webapp.payments.models import Payment


class BookingStatus(StrEnum):
    HELD = "HELD"
    PENDING_PAYMENT = "PENDING_PAYMENT"
    CONFIRMED = "CONFIRMED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


HOLDING_STATUSES = (BookingStatus.HELD, BookingStatus.PENDING_PAYMENT)


class Booking(db.Model):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"))
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.HELD)
    hold_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hold_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hold_extended: Mapped[bool] = mapped_column(Boolean, default=False)
    fare_subtotal: Mapped[int] = mapped_column(BigInteger)
    service_fee: Mapped[int] = mapped_column(BigInteger)
    total_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    cancellation_policy: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    cancel_reason: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()
    trip: Mapped[Trip] = relationship()
    seats: Mapped[list["BookingSeat"]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="BookingSeat.label"
    )
    # Payment attempts still waiting for the gateway's word. Written as a string, so that this
    # package needs no import of the payments package above it.
    pending_payments: Mapped[list["Payment"]] = relationship(
        primaryjoin="and_(Booking.id == foreign(Payment.booking_id), Payment.status == 'PENDING')",
        viewonly=True,
    )

    __table_args__ = (
        Index("ix_bookings_user_id_status", "user_id", "status"),
        Index("ix_bookings_status_hold_expires_at", "status", "hold_expires_at"),
        Index("ix_bookings_trip_id", "trip_id"),
        Index("ix_bookings_contact_email", "contact_email"),  # staff search by e-mail
        CheckConstraint(
            "status IN ('HELD', 'PENDING_PAYMENT', 'CONFIRMED', 'EXPIRED', 'CANCELLED')",
            name="status_known",
        ),
        CheckConstraint(
            "fare_subtotal >= 0 AND service_fee >= 0 "
            "AND total_amount = fare_subtotal + service_fee",
            name="amounts_add_up",
        ),
        CheckConstraint("hold_expires_at > hold_started_at", name="hold_ends_after_start"),
    )

    def effective_status(self, now: datetime | None = None) -> str:
        """The status with lazy expiry applied: a hold is dead the instant it expires."""
        if self.status in HOLDING_STATUSES and self.hold_expires_at <= (now or clock.now()):
            return BookingStatus.EXPIRED
        return self.status

    def is_live_hold(self, now: datetime | None = None) -> bool:
        return self.effective_status(now) in HOLDING_STATUSES

    @property
    def seat_labels(self) -> list[str]:
        return [seat.label for seat in self.seats]


class BookingSeat(db.Model):
    """A seat of a booking, with the passenger who will sit in it (filled in at checkout)."""

    __tablename__ = "booking_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    trip_seat_id: Mapped[int] = mapped_column(ForeignKey("trip_seats.id"))
    label: Mapped[str] = mapped_column(String(8))
    passenger_name: Mapped[str | None] = mapped_column(String(120))
    passenger_phone: Mapped[str | None] = mapped_column(String(20))
    boarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    boarded_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    booking: Mapped[Booking] = relationship(back_populates="seats")

    __table_args__ = (
        UniqueConstraint("booking_id", "trip_seat_id"),
        Index("ix_booking_seats_trip_seat_id", "trip_seat_id"),
        Index("ix_booking_seats_passenger_phone", "passenger_phone"),  # staff search by phone
    )


def hold_is_live(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL for "this booking's hold is alive now": the same rule as `Booking.is_live_hold`."""
    return and_(Booking.status.in_(HOLDING_STATUSES), Booking.hold_expires_at > now)
