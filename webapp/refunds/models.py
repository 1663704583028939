"""Refunds: money going back for (part of) a payment (SPEC §6).

A refund leaves REQUESTED and PROCESSING once; it is paid out by the refund job
(`webapp.refunds.payouts`). One refund per (payment, reason), so a repeated event can never
refund twice.
"""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.database import UTCDateTime
from webapp.extensions import db

if TYPE_CHECKING:  # payments sit above refunds: they create refunds, refunds only point back
    from webapp.payments.models import Payment


class RefundStatus(StrEnum):
    REQUESTED = "REQUESTED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    # A retry found refunds at the gateway it could not tell apart from this one: a person
    # decides; it is never sent again automatically.
    NEEDS_REVIEW = "NEEDS_REVIEW"


class RefundReason(StrEnum):
    OVERPAYMENT = "OVERPAYMENT"
    UNDERPAYMENT = "UNDERPAYMENT"
    WRONG_CURRENCY = "WRONG_CURRENCY"
    SEATS_LOST = "SEATS_LOST"
    DUPLICATE_PAYMENT = "DUPLICATE_PAYMENT"
    PASSENGER_CANCELLED = "PASSENGER_CANCELLED"
    TRIP_CANCELLED = "TRIP_CANCELLED"
    # Money that arrived after the trip was cancelled (through a checkout the cancellation
    # closed): it never paid for a trip, so it all goes back and no one earned any of it.
    PAID_AFTER_CANCELLATION = "PAID_AFTER_CANCELLATION"


class Refund(db.Model):
    """Money going back for (part of) a payment; paid out by the refund job."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default=RefundStatus.REQUESTED)
    gateway_refund_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when a run takes the refund to the gateway; another run leaves it alone until the lease
    # has passed, and then looks the refund up at the gateway before trying again.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment: Mapped["Payment"] = relationship(back_populates="refunds")

    __table_args__ = (
        # One refund per reason per payment: a repeated event can never refund twice.
        UniqueConstraint("payment_id", "reason"),
        Index("ix_refunds_status", "status"),
        Index("ix_refunds_booking_id", "booking_id"),
        CheckConstraint(
            "status IN ('REQUESTED', 'PROCESSING', 'COMPLETED', 'FAILED', 'NEEDS_REVIEW')",
            name="status_known",
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
    )
