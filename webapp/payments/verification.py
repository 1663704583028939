"""The one path that applies a payment outcome, whoever noticed it (SPEC §4).

The return page, the webhook, the status poll and reconciliation all call `settle_payment`. It
asks the gateway (never trusting the caller's word), then `apply_verified_payment` moves payment
and booking forward under row locks (booking, then payment, then seats: the same order as every
other writer). It is idempotent: once a payment is settled, repeating any event changes nothing.

Money rules: the verified `tx_ref`, currency and amount must match ours. Paid more → confirmed,
the excess refunded. Paid less or in another currency → not confirmed, all of it refunded. Paid
after the hold died → the same seats re-taken if still free, otherwise the booking is cancelled
with reason SEATS_LOST and a full refund. Refund rows start REQUESTED; the refund job pays them.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError

from webapp import clock
from webapp.audit import services as audit
from webapp.booking.models import HOLDING_STATUSES, Booking, BookingStatus
from webapp.booking.seats import book_seats, end_hold, locked_booking
from webapp.database import begin_write, busy_is_polite
from webapp.errors import NotFoundError, is_lock_contention
from webapp.extensions import db
from webapp.gateways import payment_gateway
from webapp.gateways.base import (
    GatewayNotFoundError,
    GatewayRejectedError,
    GatewayUnavailableError,
    VerifiedTransaction,
)
from webapp.ledger import events as ledger
from webapp.notifications.attachments import TICKET_PDF
from webapp.notifications.services import queue_notification
from webapp.payments.models import Payment, PaymentStatus
from webapp.refunds.models import RefundReason
from webapp.refunds.services import request_refund

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settled:
    payment_status: str
    booking_status: str
    verified: bool  # False: the gateway could not say, the payment stays as it was


def settle_payment(
    payment_id: int,
    transaction_id: str | None = None,
    *,
    customer_said: str | None = None,
    actor: str = "system",
    polled: bool = False,
) -> Settled:
    """Ask the gateway about this payment and apply the answer. Safe to call any number of
    times, from any number of places at once. A poll (`polled`) asks the gateway at most once
    per PAYMENT_VERIFY_INTERVAL_SECONDS for a payment; in between it gets the payment as it
    stands, which the webhook usually has settled already."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFoundError("We could not find that payment.")
    if payment.status == PaymentStatus.SUCCESSFUL:
        return Settled(payment.status, payment.booking.status, True)
    if polled:
        interval = timedelta(seconds=current_app.config["PAYMENT_VERIFY_INTERVAL_SECONDS"])
        if not _claim_question(payment_id, interval):
            return _as_is(payment_id, verified=False)
    tx_ref = payment.tx_ref
    db.session.rollback()  # hold no transaction open while waiting on the network
    gateway = payment_gateway()
    try:
        try:
            verified = gateway.verify(transaction_id) if transaction_id else None
        except GatewayNotFoundError:
            verified = None  # a forged or mistyped id: the reference is what counts
        if verified is None or verified.tx_ref != tx_ref:
            verified = gateway.verify_by_reference(tx_ref)
    except GatewayNotFoundError:
        # No attempt at all. If the customer came back saying they cancelled, believe it.
        if customer_said in ("cancelled", "failed"):
            return busy_is_polite(lambda: _close_unpaid(payment_id, customer_said, actor))
        return _as_is(payment_id, verified=True)
    except (GatewayUnavailableError, GatewayRejectedError) as error:
        log.warning("payment %s stays pending: %s", payment_id, error.message)
        return _as_is(payment_id, verified=False)
    return busy_is_polite(lambda: apply_verified_payment(payment_id, verified, actor=actor))


def apply_verified_payment(
    payment_id: int, verified: VerifiedTransaction, *, actor: str = "system"
) -> Settled:
    """Move payment and booking forward for what the gateway verified. Commits."""
    now = clock.now()
    begin_write()
    booking, payment = _lock(payment_id)
    if verified.tx_ref != payment.tx_ref:
        audit.record(
            "payment.verify_mismatch",
            "payment",
            payment.id,
            actor=actor,
            expected_tx_ref=payment.tx_ref,
            got_tx_ref=verified.tx_ref,
        )
    elif verified.status == "failed":
        fail_payment(payment, "DECLINED", verified, now, actor)
    elif verified.successful and not _already_applied(payment, verified):
        _apply_success(booking, payment, verified, now, actor)
        ledger.record_payment(payment)
    result = Settled(payment.status, booking.status, True)
    db.session.commit()
    return result


def _lock(payment_id: int) -> tuple[Booking, Payment]:
    """Row locks in the one order every writer uses: booking, then payment (then seats)."""
    booking_id = db.session.scalar(select(Payment.booking_id).where(Payment.id == payment_id))
    booking = locked_booking(booking_id) if booking_id is not None else None
    payment = db.session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    if booking is None or payment is None:
        raise NotFoundError("We could not find that payment.")
    return booking, payment


def _already_applied(payment: Payment, verified: VerifiedTransaction) -> bool:
    if payment.status == PaymentStatus.SUCCESSFUL:
        return True
    # A mismatched amount or currency was already handled for this very transaction.
    return payment.gateway_transaction_id == verified.transaction_id


def _apply_success(
    booking: Booking, payment: Payment, verified: VerifiedTransaction, now: datetime, actor: str
) -> None:
    payment.gateway_transaction_id = verified.transaction_id
    payment.paid_amount = verified.amount
    payment.paid_currency = verified.currency
    payment.gateway_fee = verified.gateway_fee
    payment.verified_response = verified.raw
    payment.verified_at = now
    payment.updated_at = now
    if verified.currency != payment.currency:
        fail_payment(payment, "WRONG_CURRENCY", verified, now, actor)
        request_refund(payment, verified.amount, RefundReason.WRONG_CURRENCY, verified.currency)
        return
    if verified.amount < payment.amount:
        fail_payment(payment, "UNDERPAYMENT", verified, now, actor)
        request_refund(payment, verified.amount, RefundReason.UNDERPAYMENT)
        return
    payment.status = PaymentStatus.SUCCESSFUL
    payment.failure_reason = None
    audit.record(
        "payment.successful",
        "payment",
        payment.id,
        actor=actor,
        transaction_id=verified.transaction_id,
        amount=verified.amount,
        gateway_fee=verified.gateway_fee,
    )
    if booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "TRIP_CANCELLED":
        # Paid through a checkout that the trip's cancellation closed: all of it goes back.
        refund = request_refund(payment, verified.amount, RefundReason.PAID_AFTER_CANCELLATION)
        queue_notification(
            "refund-requested",
            booking,
            f"We are refunding {booking.reference}: the trip was cancelled",
            key=f"refund-requested:{refund.id}",
            refund=refund,
        )
        return
    if not _still_confirmable(booking):
        # Already paid by another attempt, or cancelled after it was: this money goes back.
        request_refund(payment, verified.amount, RefundReason.DUPLICATE_PAYMENT)
        return
    if _confirm(booking, now, actor):
        excess = verified.amount - payment.amount
        if excess > 0:
            request_refund(payment, excess, RefundReason.OVERPAYMENT)
        return
    refund = request_refund(payment, verified.amount, RefundReason.SEATS_LOST)
    queue_notification(
        "seats-lost",
        booking,
        f"Your payment for {booking.reference} is being refunded",
        refund_amount=refund.amount,
    )


def _still_confirmable(booking: Booking) -> bool:
    """A hold (live or dead) that never became a trip, or one that lost its seats earlier."""
    if booking.status in (*HOLDING_STATUSES, BookingStatus.EXPIRED):
        return True
    return booking.status == BookingStatus.CANCELLED and booking.cancel_reason in (
        "RELEASED",
        "SEATS_LOST",
    )


def _confirm(booking: Booking, now: datetime, actor: str) -> bool:
    """Book the booking's seats: its own live hold, or (late payment) the same seats if they
    are still free. All or none; False means the seats are lost."""
    late = not booking.is_live_hold(now)
    if book_seats(booking, now):
        booking.status = BookingStatus.CONFIRMED
        booking.cancel_reason = None
        booking.updated_at = now
        audit.record("booking.confirmed", "booking", booking.id, actor=actor, late=late)
        queue_notification(
            "booking-confirmed",
            booking,
            f"Booking {booking.reference} confirmed",
            attachments=[TICKET_PDF],
        )
        return True
    # Lost: free whatever this booking still holds and close it.
    end_hold(booking, BookingStatus.CANCELLED, now, reason="SEATS_LOST")
    audit.record("booking.cancelled", "booking", booking.id, actor=actor, reason="SEATS_LOST")
    return False


def fail_payment(
    payment: Payment, reason: str, verified: VerifiedTransaction | None, now: datetime, actor: str
) -> None:
    """PENDING → FAILED. Money that arrived but cannot be accepted (wrong amount or currency)
    also overrides an earlier decline or cancel, since it must be recorded and refunded."""
    money_arrived = reason in ("WRONG_CURRENCY", "UNDERPAYMENT")
    if payment.status == PaymentStatus.SUCCESSFUL or (
        payment.status != PaymentStatus.PENDING and not money_arrived
    ):
        return
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = reason
    payment.updated_at = now
    audit.record(
        "payment.failed",
        "payment",
        payment.id,
        actor=actor,
        reason=reason,
        transaction_id=verified.transaction_id if verified else None,
    )


def _close_unpaid(payment_id: int, customer_said: str, actor: str) -> Settled:
    begin_write()
    booking, payment = _lock(payment_id)
    if payment.status == PaymentStatus.PENDING:
        now = clock.now()
        if customer_said == "cancelled":
            payment.status = PaymentStatus.CANCELLED
            payment.updated_at = now
            audit.record("payment.cancelled", "payment", payment.id, actor=actor)
        else:
            fail_payment(payment, "ABANDONED", None, now, actor)
    result = Settled(payment.status, booking.status, True)
    db.session.commit()
    return result


def _claim_question(payment_id: int, interval: timedelta) -> bool:
    """True when this poll may ask the gateway now: the last question about the payment is at
    least `interval` old. A conditional UPDATE decides, so two tabs polling at once ask once.
    Commits; a busy payment row means another request is already on it."""
    now = clock.now()
    try:
        begin_write()
        claimed = db.session.execute(
            update(Payment)
            .where(
                Payment.id == payment_id,
                or_(Payment.gateway_asked_at.is_(None), Payment.gateway_asked_at <= now - interval),
            )
            .values(gateway_asked_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        if not is_lock_contention(error):
            raise
        return False
    return claimed == 1


def _as_is(payment_id: int, *, verified: bool) -> Settled:
    payment = db.session.get(Payment, payment_id)
    assert payment is not None
    return Settled(payment.status, payment.booking.status, verified)
