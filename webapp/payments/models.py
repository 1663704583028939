"""Payments, gateway webhook events and reconciliation mismatches (SPEC §2, §4).

Money is an integer number of minor units (kobo) plus a currency code. Statuses only move
forward: a payment leaves PENDING once. Refunds of a payment live in `webapp.refunds`.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.booking.models import Booking
from webapp.database import UTCDateTime
from webapp.extensions import db
from webapp.refunds.models import Refund


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class Payment(db.Model):
    """One attempt to pay a booking through the gateway, identified there by `tx_ref`."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provider: Mapped[str] = mapped_column(String(20), default="flutterwave")
    tx_ref: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=PaymentStatus.PENDING)
    amount: Mapped[int] = mapped_column(BigInteger)  # what we asked for, in minor units
    currency: Mapped[str] = mapped_column(String(3))
    checkout_url: Mapped[str | None] = mapped_column(String(500))
    gateway_transaction_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    paid_amount: Mapped[int | None] = mapped_column(BigInteger)  # what the gateway says was paid
    paid_currency: Mapped[str | None] = mapped_column(String(3))
    gateway_fee: Mapped[int | None] = mapped_column(BigInteger)  # app_fee, a platform expense
    failure_reason: Mapped[str | None] = mapped_column(String(40))
    verified_response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a poll last asked the gateway about this payment (polls ask at most so often).
    gateway_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship()
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="payment", order_by="Refund.id", viewonly=True
    )

    __table_args__ = (
        Index("ix_payments_booking_id", "booking_id"),
        Index("ix_payments_status_created_at", "status", "created_at"),
        CheckConstraint(
            "status IN ('PENDING', 'SUCCESSFUL', 'FAILED', 'CANCELLED')", name="status_known"
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status <> 'SUCCESSFUL' OR (gateway_transaction_id IS NOT NULL "
            "AND paid_amount IS NOT NULL AND verified_at IS NOT NULL)",
            name="successful_is_verified",
        ),
    )


class WebhookEvent(db.Model):
    """A gateway notification, stored once however many times it is delivered."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(60))
    tx_ref: Mapped[str | None] = mapped_column(String(64))
    transaction_id: Mapped[str | None] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint("provider", "dedupe_key"),
        Index("ix_webhook_events_processed_at", "processed_at"),
    )


class PaymentMismatch(db.Model):
    """A difference between our record of a payment and the gateway's, found by reconciliation."""

    __tablename__ = "payment_mismatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    kind: Mapped[str] = mapped_column(String(30))  # AMOUNT | CURRENCY | STATUS | MISSING
    ours: Mapped[str] = mapped_column(String(120))
    gateway: Mapped[str] = mapped_column(String(120))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship()

    __table_args__ = (UniqueConstraint("payment_id", "kind"),)
