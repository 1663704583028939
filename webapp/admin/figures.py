"""The dashboard's figures: set-based queries (one GROUP BY each), never a loop over rows.

A sale is a booking with a successful payment, dated by its first one (Lagos time); a late
payment whose seats were lost (SEATS_LOST) was never a sale. Refunds count when completed.
Commission is read from the ledger: what `revenue:commission` earned (its credits less the
reversals of refunds) on entries dated in the period (docs/money.md).
Lagos keeps UTC+1 all year, so a Lagos day is the UTC instant plus one hour, in either dialect.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Date,
    ScalarSelect,
    Select,
    cast,
    func,
    literal_column,
    or_,
    select,
)

from webapp import clock
from webapp.booking.models import Booking, BookingSeat, hold_is_live
from webapp.extensions import db
from webapp.jobs.models import JobRun, RunOutcome
from webapp.ledger.models import Account, Entry
from webapp.payments.models import Payment, PaymentMismatch, PaymentStatus
from webapp.refunds.models import Refund, RefundStatus
from webapp.settlements.models import Settlement, SettlementStatus

CHART_DAYS = 30


def lagos_day(column: ColumnElement[datetime]) -> ColumnElement[date]:
    """SQL for the Lagos calendar day of a stored UTC instant."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+1 hour")
    return cast(func.timezone("Africa/Lagos", column), Date)


def paid_bookings() -> Select:
    """One row per sold booking: its id and when it was first paid."""
    return (
        select(Payment.booking_id, func.min(Payment.verified_at).label("paid_at"))
        .where(Payment.status == PaymentStatus.SUCCESSFUL)
        .group_by(Payment.booking_id)
    )


def sold_in(first: date, last: date) -> Select:
    """Sold bookings (id, paid_at) first paid on the Lagos days `first`..`last`."""
    start, _ = clock.lagos_day_bounds(first)
    _, end = clock.lagos_day_bounds(last)
    paid = paid_bookings().subquery()
    return (
        select(Booking.id, paid.c.paid_at)
        .join(paid, paid.c.booking_id == Booking.id)
        .where(
            paid.c.paid_at >= start,
            paid.c.paid_at < end,
            or_(Booking.cancel_reason.is_(None), Booking.cancel_reason != "SEATS_LOST"),
        )
    )


@dataclass(frozen=True)
class Sales:
    bookings: int = 0
    seats: int = 0
    gross: int = 0
    service_fees: int = 0
    commission: int = 0
    refunds: int = 0


def sales(first: date, last: date) -> Sales:
    """A period's figures in one statement (each figure its own aggregate)."""
    start, _ = clock.lagos_day_bounds(first)
    _, end = clock.lagos_day_bounds(last)
    sold = sold_in(first, last).subquery()
    seats = (
        select(func.count(BookingSeat.id))
        .join(sold, sold.c.id == BookingSeat.booking_id)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            func.count(Booking.id),
            func.coalesce(func.sum(Booking.total_amount), 0),
            func.coalesce(func.sum(Booking.service_fee), 0),
            seats,
            commission_credited(start, end),
            refunded(start, end),
        ).join(sold, sold.c.id == Booking.id)
    ).one()
    return Sales(
        bookings=row[0],
        gross=int(row[1]),
        service_fees=int(row[2]),
        seats=row[3] or 0,
        commission=-int(row[4]),
        refunds=int(row[5]),
    )


def commission_credited(start: datetime, end: datetime) -> ScalarSelect:
    """The sum of `revenue:commission`'s entries dated in [start, end): the commission earned
    there, net of the reversals of refunds, as a credit (negative) (docs/money.md)."""
    return (
        select(func.coalesce(func.sum(Entry.amount), 0))
        .where(
            Entry.account == Account.COMMISSION,
            Entry.effective_at >= start,
            Entry.effective_at < end,
        )
        .scalar_subquery()
    )


def refunded(start: datetime, end: datetime) -> ScalarSelect:
    """The sum of the refunds completed in [start, end)."""
    return (
        select(func.coalesce(func.sum(Refund.amount), 0))
        .where(
            Refund.status == RefundStatus.COMPLETED,
            Refund.completed_at >= start,
            Refund.completed_at < end,
        )
        .scalar_subquery()
    )


def daily_gross(first: date, last: date) -> list[tuple[date, int]]:
    """Gross sales per Lagos day, every day from `first` to `last` (zero where none)."""
    sold = sold_in(first, last).subquery()
    day = lagos_day(sold.c.paid_at).label("day")
    rows = db.session.execute(
        select(day, func.sum(Booking.total_amount))
        .join(sold, sold.c.id == Booking.id)
        .group_by(literal_column("day"))
    ).all()
    by_day = {_as_date(d): int(total) for d, total in rows}
    days = (last - first).days + 1
    return [
        (first + timedelta(days=n), by_day.get(first + timedelta(days=n), 0)) for n in range(days)
    ]


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Attention:
    live_holds: int
    payments_pending: int
    refunds_waiting: int
    refunds_failed: int
    mismatches: int
    failed_jobs: int
    settlements_waiting: int


def attention() -> Attention:
    now = clock.now()
    day_ago = now - timedelta(days=1)
    refunds = dict(
        db.session.execute(select(Refund.status, func.count()).group_by(Refund.status)).all()
    )
    return Attention(
        live_holds=db.session.scalar(select(func.count(Booking.id)).where(hold_is_live(now))),
        payments_pending=db.session.scalar(
            select(func.count(Payment.id)).where(Payment.status == PaymentStatus.PENDING)
        ),
        refunds_waiting=refunds.get(RefundStatus.REQUESTED, 0)
        + refunds.get(RefundStatus.PROCESSING, 0),
        refunds_failed=refunds.get(RefundStatus.FAILED, 0)
        + refunds.get(RefundStatus.NEEDS_REVIEW, 0),
        mismatches=db.session.scalar(
            select(func.count(PaymentMismatch.id)).where(PaymentMismatch.resolved_at.is_(None))
        ),
        failed_jobs=db.session.scalar(
            select(func.count(JobRun.id)).where(
                JobRun.outcome == RunOutcome.FAILED, JobRun.started_at >= day_ago
            )
        ),
        settlements_waiting=db.session.scalar(
            select(func.count(Settlement.id)).where(
                Settlement.status == SettlementStatus.CALCULATED
            )
        ),
    )
