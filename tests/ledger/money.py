"""Driving money events in a rolled-back test: a payment attempt, the gateway's verified answer,
the gateway's answer for a refund. The answers are the values the gateway client returns; the
services under test (verification, refund payouts) run unchanged."""

import itertools
from datetime import datetime

from sqlalchemy import func, select

from webapp import clock
from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.gateways.base import GatewayRefund, VerifiedTransaction
from webapp.ledger.models import Entry, Journal
from webapp.payments.models import Payment
from webapp.payments.verification import Settled, apply_verified_payment
from webapp.refunds import payouts
from webapp.refunds.models import Refund, RefundStatus

_ids = itertools.count(9_000_000)


def open_payment(booking: Booking) -> Payment:
    now = clock.now()
    payment = Payment(
        booking_id=booking.id,
        user_id=booking.user_id,
        tx_ref=f"{booking.reference}-{next(_ids)}",
        amount=booking.total_amount,
        currency=booking.currency,
        created_at=now,
        updated_at=now,
    )
    db.session.add(payment)
    db.session.commit()
    return payment


def gateway_says(
    payment: Payment,
    *,
    amount: int | None = None,
    fee: int = 0,
    currency: str | None = None,
    status: str = "successful",
) -> Settled:
    """Apply what the gateway would answer to a verify of this payment."""
    verified = VerifiedTransaction(
        transaction_id=str(next(_ids)),
        tx_ref=payment.tx_ref,
        status=status,
        amount=payment.amount if amount is None else amount,
        currency=currency or payment.currency,
        gateway_fee=fee,
        raw={"sandbox": True},
    )
    return apply_verified_payment(payment.id, verified)


def refund_completes(refund_id: int, now: datetime | None = None) -> str:
    """The gateway answers the refund's payout call with a completed refund."""
    refund = db.session.get(Refund, refund_id)
    assert refund is not None
    answer = GatewayRefund(str(next(_ids)), "1", refund.amount, "completed", {})
    db.session.commit()
    return payouts._record(refund_id, answer, now or clock.now())


def complete_all_refunds() -> None:
    pending = db.session.scalars(
        select(Refund.id).where(Refund.status != RefundStatus.COMPLETED).order_by(Refund.id)
    ).all()
    for refund_id in pending:
        refund_completes(refund_id)


def balances() -> dict[str, int]:
    rows = db.session.execute(
        select(Entry.account, func.sum(Entry.amount)).group_by(Entry.account)
    ).all()
    return {account: int(total) for account, total in rows}


def unbalanced_journals() -> list[int]:
    return list(
        db.session.scalars(
            select(Entry.journal_id)
            .group_by(Entry.journal_id, Entry.currency)
            .having(func.sum(Entry.amount) != 0)
        )
    )


def journal_count() -> int:
    return db.session.scalar(select(func.count(Journal.id))) or 0
