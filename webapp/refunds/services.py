"""Creating refund rows. Paying them out is the refund job's work (SPEC §6)."""

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from webapp import clock
from webapp.audit import services as audit
from webapp.errors import ConflictError, NotFoundError
from webapp.extensions import db
from webapp.jobs.dispatch import after_commit
from webapp.notifications.services import queue_notification
from webapp.refunds.models import Refund, RefundReason, RefundStatus

if TYPE_CHECKING:  # payments call in here; a runtime import back would make a cycle
    from webapp.payments.models import Payment

# Refunds no other message tells the passenger about.
ANNOUNCED_HERE = {
    RefundReason.OVERPAYMENT,
    RefundReason.UNDERPAYMENT,
    RefundReason.WRONG_CURRENCY,
    RefundReason.DUPLICATE_PAYMENT,
}


def request_refund(
    payment: "Payment", amount: int, reason: RefundReason, currency: str | None = None
) -> Refund:
    """A REQUESTED refund of `amount` for `payment`; one per (payment, reason), so a repeated
    event returns the existing row instead of refunding twice. The caller holds the payment's
    row lock and commits."""
    existing = db.session.scalar(
        select(Refund).where(Refund.payment_id == payment.id, Refund.reason == reason)
    )
    if existing is not None:
        return existing
    now = clock.now()
    refund = Refund(
        payment_id=payment.id,
        booking_id=payment.booking_id,
        amount=amount,
        currency=currency or payment.currency,
        reason=reason,
        created_at=now,
        updated_at=now,
    )
    db.session.add(refund)
    db.session.flush()
    if reason in ANNOUNCED_HERE:  # the other reasons come with their own message
        queue_notification(
            "refund-requested",
            payment.booking,
            f"We are refunding {payment.booking.reference}",
            key=f"refund-requested:{refund.id}",
            refund=refund,
        )
    after_commit("process-refunds", refund.id)  # paid out at once, not at the next schedule
    audit.record(
        "refund.requested",
        "refund",
        refund.id,
        actor="system",
        payment_id=payment.id,
        amount=amount,
        reason=str(reason),
    )
    return refund


def retry_refund(admin_user_id: int, refund_id: int) -> None:
    """Send a FAILED refund again: back to REQUESTED, its attempts kept, so the refund job looks
    it up at the gateway before asking for it again (an earlier attempt may have landed)."""
    now = clock.now()
    result = db.session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == RefundStatus.FAILED)
        .values(status=RefundStatus.REQUESTED, claimed_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        if db.session.get(Refund, refund_id) is None:
            raise NotFoundError("We could not find that refund.")
        raise ConflictError("Only a failed refund can be retried; this one is not failed.")
    audit.record("refund.retried", "refund", refund_id, actor_user_id=admin_user_id)
    after_commit("process-refunds", refund_id)
    db.session.commit()
