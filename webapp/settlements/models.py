"""Monthly operator settlements and the transfers that pay them (SPEC §7).

A settlement is a statement for (operator, month in Africa/Lagos): it rolls forward from the
previous one and freezes the exact ledger entries it covers (`settlement_entries`, one row per
entry, an entry in at most one settlement). CALCULATED may be recomputed; APPROVED, PAYING and
PAID are frozen. A payout is one Flutterwave transfer attempt, its reference derived from the
settlement, so a retry after a lost answer finds the first transfer instead of sending another.
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
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.accounts.models import User
from webapp.database import UTCDateTime
from webapp.extensions import db
from webapp.fleet.models import Operator


class SettlementStatus(StrEnum):
    CALCULATED = "CALCULATED"
    APPROVED = "APPROVED"
    PAYING = "PAYING"  # a transfer is out; PAID once it is verified successful
    PAID = "PAID"


FROZEN = (SettlementStatus.APPROVED, SettlementStatus.PAYING, SettlementStatus.PAID)


class Settlement(db.Model):
    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, Africa/Lagos
    currency: Mapped[str] = mapped_column(String(3), default="NGN")
    status: Mapped[str] = mapped_column(String(12), default=SettlementStatus.CALCULATED)
    opening_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    bookings: Mapped[int] = mapped_column(Integer, default=0)
    gross_fares: Mapped[int] = mapped_column(BigInteger, default=0)
    commission: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds: Mapped[int] = mapped_column(BigInteger, default=0)
    adjustments: Mapped[int] = mapped_column(BigInteger, default=0)
    payouts: Mapped[int] = mapped_column(BigInteger, default=0)
    closing_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    calculated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_account_name: Mapped[str | None] = mapped_column(String(120))
    last_failure: Mapped[str | None] = mapped_column(String(300))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    operator: Mapped[Operator] = relationship()
    approved_by: Mapped[User | None] = relationship()
    transfers: Mapped[list["Payout"]] = relationship(
        back_populates="settlement", order_by="Payout.id", viewonly=True
    )

    __table_args__ = (
        UniqueConstraint("operator_id", "month"),
        Index("ix_settlements_month_status", "month", "status"),
        CheckConstraint(
            "status IN ('CALCULATED', 'APPROVED', 'PAYING', 'PAID')", name="status_known"
        ),
        CheckConstraint(
            "closing_balance = opening_balance + gross_fares - commission - refunds "
            "+ adjustments - payouts",
            name="rolls_forward",
        ),
    )

    @property
    def frozen(self) -> bool:
        return self.status in FROZEN


class SettlementEntry(db.Model):
    """A ledger entry a settlement covers; each entry is covered at most once, ever."""

    __tablename__ = "settlement_entries"

    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"))

    __table_args__ = (Index("ix_settlement_entries_settlement_id", "settlement_id"),)


class PayoutStatus(StrEnum):
    SENDING = "SENDING"  # ours: decided, the gateway's answer not yet known
    NEW = "NEW"
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"


OPEN_PAYOUT = (PayoutStatus.SENDING, PayoutStatus.NEW, PayoutStatus.PENDING)


class Payout(db.Model):
    """One transfer of a settlement's closing balance to the operator's bank account."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default=PayoutStatus.SENDING)
    gateway_transfer_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    complete_message: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a caller's lease
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    settlement: Mapped[Settlement] = relationship(back_populates="transfers")

    __table_args__ = (
        UniqueConstraint("settlement_id", "attempt"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('SENDING', 'NEW', 'PENDING', 'SUCCESSFUL', 'FAILED')", name="status_known"
        ),
    )


class Adjustment(db.Model):
    """A correction an admin makes to what an operator is owed, posted as its own journal."""

    __tablename__ = "operator_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    amount: Mapped[int] = mapped_column(BigInteger)  # positive: the operator is owed more
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    __table_args__ = (CheckConstraint("amount <> 0", name="amount_nonzero"),)
