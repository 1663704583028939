"""Paying refunds out through the gateway: REQUESTED → PROCESSING → COMPLETED | FAILED, or
NEEDS_REVIEW (SPEC §4, §6).

Money must never go back twice. A run claims a refund with a conditional UPDATE (the database
decides which of two concurrent runs gets it) and keeps it for a lease. If an earlier attempt's
outcome is unknown (a timeout, a 5xx, a worker killed mid-call), the transaction's refunds are
first listed at the gateway and compared with the ones we recorded for the payment, using only
documented fields (the refund's `id`, its transaction, `amount_refunded`): v3 has no idempotency
key, and the comment we send is not something to match on. One unrecorded refund of our amount
is ours and is adopted; refunds that cannot be told apart stop the refund as NEEDS_REVIEW; only
when the gateway has none is it asked for again. Attempts are bounded, with exponential backoff.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from webapp import clock
from webapp.audit import services as audit
from webapp.database import begin_write
from webapp.extensions import db
from webapp.gateways import payment_gateway
from webapp.gateways.base import GatewayError, GatewayRefund, GatewayUnavailableError
from webapp.ledger import events as ledger
from webapp.notifications.services import queue_notification
from webapp.refunds.models import Refund, RefundStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # longer than one gateway call can take (connect + read timeouts)
MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)


@dataclass
class PayoutCounts:
    completed: int = 0
    processing: int = 0
    failed: int = 0
    review: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "completed": self.completed,
            "processing": self.processing,
            "failed": self.failed,
            "review": self.review,
            "skipped": self.skipped,
        }


def marker(refund_id: int) -> str:
    """The gateway refund's comment: for people reading the dashboard, never matched on."""
    return f"Roadpass refund #{refund_id}"


class CannotTellApart(Exception):
    """Refunds at the gateway that may or may not be this one: a person has to look."""


def process_refunds(refund_ids: list[int] | None = None, limit: int = 100) -> PayoutCounts:
    """Pay REQUESTED refunds and follow PROCESSING ones. Safe to run twice at once."""
    now = clock.now()
    query = select(Refund.id).where(
        Refund.status.in_((RefundStatus.REQUESTED, RefundStatus.PROCESSING))
    )
    if refund_ids is not None:
        query = query.where(Refund.id.in_(refund_ids))
    candidates = db.session.scalars(query.order_by(Refund.id).limit(limit)).all()
    db.session.rollback()
    counts = PayoutCounts()
    for refund_id in candidates:
        outcome = pay_out(refund_id, now)
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts


def pay_out(refund_id: int, now: datetime | None = None) -> str:
    """One refund, one step forward; returns completed | processing | failed | review |
    skipped."""
    now = now or clock.now()
    claim = _claim(refund_id, now)
    if claim is None:
        return "skipped"
    refund_id, transaction_id, amount, gateway_refund_id, attempts = claim
    gateway = payment_gateway()
    try:
        if gateway_refund_id:
            found = gateway.get_refund(gateway_refund_id)
        else:
            found = _already_at_gateway(refund_id, transaction_id, amount) if attempts > 1 else None
            if found is None:
                found = gateway.refund(transaction_id, amount, marker(refund_id))
    except CannotTellApart as doubt:
        return _needs_review(refund_id, str(doubt), now)
    except GatewayUnavailableError as error:
        return _unknown(refund_id, error.message, now)
    except GatewayError as error:
        return _refused(refund_id, error.message, now)
    return _record(refund_id, found, now)


def _claim(refund_id: int, now: datetime) -> tuple[int, str, int, str | None, int] | None:
    """Take the refund for this run if it is due: the UPDATE's WHERE decides, not a read."""
    begin_write()
    due = or_(
        Refund.claimed_at.is_(None),
        Refund.claimed_at <= now - LEASE,
    )
    result = db.session.execute(
        update(Refund)
        .where(
            Refund.id == refund_id,
            Refund.status.in_((RefundStatus.REQUESTED, RefundStatus.PROCESSING)),
            due,
        )
        .values(
            status=RefundStatus.PROCESSING,
            claimed_at=now,
            attempts=Refund.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return None
    refund = db.session.get(Refund, refund_id, populate_existing=True)  # as the UPDATE left it
    assert refund is not None
    transaction_id = refund.payment.gateway_transaction_id
    claim = (refund.id, transaction_id, refund.amount, refund.gateway_refund_id, refund.attempts)
    if refund.attempts == 1:
        audit.record("refund.processing", "refund", refund_id, actor="job:process-refunds")
    db.session.commit()
    if not transaction_id:
        raise RuntimeError(f"refund {refund_id} has no gateway transaction to refund")
    return claim


def _already_at_gateway(refund_id: int, transaction_id: str, amount: int) -> GatewayRefund | None:
    """An earlier attempt may have reached the gateway: find it before asking again.

    Raises CannotTellApart when the gateway holds refunds for this transaction that we have not
    recorded and that do not single out one of ours: several of our amount, or one of an amount
    no unresolved refund of this payment asked for."""
    payment_id = db.session.scalar(select(Refund.payment_id).where(Refund.id == refund_id))
    siblings = db.session.execute(
        select(Refund.id, Refund.amount, Refund.status, Refund.gateway_refund_id).where(
            Refund.payment_id == payment_id
        )
    ).all()
    db.session.rollback()
    recorded = {row.gateway_refund_id for row in siblings if row.gateway_refund_id}
    # Other refunds of this payment whose own earlier attempt may have reached the gateway.
    unresolved = {
        row.amount
        for row in siblings
        if row.id != refund_id
        and row.gateway_refund_id is None
        and row.status in (RefundStatus.PROCESSING, RefundStatus.NEEDS_REVIEW)
    }
    unrecorded = [
        candidate
        for candidate in payment_gateway().find_refunds(transaction_id)
        if candidate.refund_id not in recorded
        and candidate.transaction_id in ("", str(transaction_id))
    ]
    ours = [candidate for candidate in unrecorded if candidate.amount == amount]
    strangers = [c for c in unrecorded if c.amount != amount and c.amount not in unresolved]
    if len(ours) > 1 or strangers:
        seen = ", ".join(f"{c.refund_id} ({c.amount} kobo)" for c in unrecorded)
        raise CannotTellApart(
            f"The gateway holds refunds for transaction {transaction_id} that we did not record"
            f" and cannot tell apart from this one: {seen}."
        )
    return ours[0] if ours else None


def _record(refund_id: int, found: GatewayRefund, now: datetime) -> str:
    begin_write()
    refund = db.session.scalar(select(Refund).where(Refund.id == refund_id).with_for_update())
    assert refund is not None
    refund.gateway_refund_id = found.refund_id
    refund.last_error = None
    refund.updated_at = now
    if found.settled and refund.status != RefundStatus.COMPLETED:
        refund.status = RefundStatus.COMPLETED
        refund.completed_at = now
        refund.claimed_at = None
        audit.record(
            "refund.completed",
            "refund",
            refund.id,
            actor="job:process-refunds",
            gateway_refund_id=found.refund_id,
            amount=refund.amount,
        )
        ledger.record_refund(refund)
        booking = refund.payment.booking
        queue_notification(
            "refund-completed",
            booking,
            f"Your refund for {booking.reference} is on its way",
            key=f"refund-completed:{refund.id}",
            refund=refund,
        )
        outcome = "completed"
    else:
        refund.claimed_at = now - LEASE + _backoff(refund.attempts)  # look again later
        outcome = "processing"
    db.session.commit()
    return outcome


def _unknown(refund_id: int, message: str, now: datetime) -> str:
    """No answer: the refund stays PROCESSING; the next try after backoff looks it up first."""
    begin_write()
    refund = db.session.get(Refund, refund_id)
    assert refund is not None
    refund.last_error = message
    refund.updated_at = now
    if refund.attempts >= MAX_ATTEMPTS and refund.gateway_refund_id is None:
        return _give_up(refund, message, now)
    refund.claimed_at = now - LEASE + _backoff(refund.attempts)
    db.session.commit()
    log.warning("refund %s: outcome unknown (%s), will look it up", refund_id, message)
    return "processing"


def _refused(refund_id: int, message: str, now: datetime) -> str:
    """The gateway said no (e.g. nothing left to refund): listed for admins, not retried."""
    begin_write()
    refund = db.session.get(Refund, refund_id)
    assert refund is not None
    return _give_up(refund, message, now)


def _needs_review(refund_id: int, message: str, now: datetime) -> str:
    """Stop for a person: the refund leaves the job's statuses, so it is never sent again."""
    begin_write()
    refund = db.session.get(Refund, refund_id)
    assert refund is not None
    refund.status = RefundStatus.NEEDS_REVIEW
    refund.last_error = message
    refund.updated_at = now
    refund.claimed_at = None
    audit.record(
        "refund.needs_review", "refund", refund.id, actor="job:process-refunds", error=message
    )
    db.session.commit()
    log.warning("refund %s needs review: %s", refund_id, message)
    return "review"


def _give_up(refund: Refund, message: str, now: datetime) -> str:
    refund.status = RefundStatus.FAILED
    refund.last_error = message
    refund.updated_at = now
    refund.claimed_at = None
    audit.record("refund.failed", "refund", refund.id, actor="job:process-refunds", error=message)
    db.session.commit()
    return "failed"


def _backoff(attempts: int) -> timedelta:
    return BACKOFF_BASE * (2 ** max(0, attempts - 1))
