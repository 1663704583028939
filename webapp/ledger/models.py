"""Journals and their entries, in integer minor units plus a currency code.

An entry's amount is signed: positive debits the account, negative credits it, so every journal
sums to zero per currency. `effective_at` is when the money moved, `created_at` when we wrote it
down. Rows are never updated or deleted (database triggers refuse it); corrections are new
journals. Accounts are named by code: `gateway_clearing`, `operator_payable:<operator id>`, ...
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp import clock
from webapp.database import UTCDateTime
from webapp.extensions import db


class Account(StrEnum):
    GATEWAY_CLEARING = "gateway_clearing"  # our balance at Flutterwave (an asset)
    REFUNDS_PAYABLE = "refunds_payable"  # money received that must go back to a payer
    COMMISSION = "revenue:commission"
    SERVICE_FEE = "revenue:service_fee"
    GATEWAY_FEES = "expense:gateway_fees"
    ADJUSTMENTS = "expense:operator_adjustments"  # corrections in an operator's favour (or not)
    OPERATOR_PAYABLE = "operator_payable"  # one per operator: `operator_payable:<id>`


def operator_account(operator_id: int) -> str:
    return f"{Account.OPERATOR_PAYABLE}:{operator_id}"


class Line(StrEnum):
    """What an entry on an operator's account is, for the statement's lines."""

    FARE = "fare"
    COMMISSION = "commission"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    PAYOUT = "payout"


class JournalKind(StrEnum):
    PAYMENT = "payment"  # source: payment id
    GATEWAY_FEE = "gateway_fee"  # source: payment id
    REFUND = "refund"  # source: refund id
    PAYOUT_SENT = "payout_sent"  # source: payout id
    PAYOUT_FAILED = "payout_failed"  # source: payout id
    ADJUSTMENT = "adjustment"  # source: operator_adjustments id


class Journal(db.Model):
    """One money event. Unique per (kind, source id): posting the same event twice posts once."""

    __tablename__ = "ledger_journals"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(String(200), default="")
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    payout_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("kind", "source_id"),
        Index("ix_ledger_journals_booking_id", "booking_id"),
    )


class Entry(db.Model):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deferred: on SQLite a journal's entries are written before the journal row, whose insert
    # trigger checks that they balance (see posting.py).
    journal_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_journals.id", deferrable=True, initially="DEFERRED")
    )
    account: Mapped[str] = mapped_column(String(60))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    line: Mapped[str | None] = mapped_column(String(12))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))

    __table_args__ = (
        Index("ix_ledger_entries_journal_id", "journal_id"),
        Index("ix_ledger_entries_operator", "operator_id", "effective_at"),
        Index("ix_ledger_entries_account", "account", "effective_at"),
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        # Exactly the operator accounts carry an operator and a statement line.
        CheckConstraint(
            "(operator_id IS NULL AND line IS NULL) OR "
            "(operator_id IS NOT NULL AND line IN "
            "('fare', 'commission', 'refund', 'adjustment', 'payout'))",
            name="operator_line",
        ),
    )
