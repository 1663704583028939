"""Reconciliation with the gateway (SPEC §4, §8): nothing is left pending by a lost webhook or a
gateway outage, and what the gateway says about settled payments is checked against our rows."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import clock
from webapp.audit import services as audit
from webapp.database import begin_write
from webapp.extensions import db
from webapp.gateways import payment_gateway
from webapp.gateways.base import GatewayError, GatewayNotFoundError, VerifiedTransaction
from webapp.payments.models import Payment, PaymentMismatch, PaymentStatus, WebhookEvent
from webapp.payments.verification import settle_payment
from webapp.payments.webhooks import process_webhook_event

PENDING_AFTER = timedelta(minutes=10)
WEBHOOK_GRACE = timedelta(minutes=1)
LOOK_BACK = timedelta(days=7)


def reconcile_payments(now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    moment = now or clock.now()
    counts = {"pending_checked": 0, "webhooks_replayed": 0, "compared": 0, "mismatches": 0}
    pending = db.session.scalars(
        select(Payment.id)
        .where(
            Payment.status == PaymentStatus.PENDING, Payment.created_at <= moment - PENDING_AFTER
        )
        .order_by(Payment.id)
        .limit(limit)
    ).all()
    for payment_id in pending:
        settle_payment(payment_id, actor="job:reconcile-payments")
        counts["pending_checked"] += 1
    unprocessed = db.session.scalars(
        select(WebhookEvent.id)
        .where(
            WebhookEvent.processed_at.is_(None), WebhookEvent.received_at <= moment - WEBHOOK_GRACE
        )
        .order_by(WebhookEvent.id)
        .limit(limit)
    ).all()
    for event_id in unprocessed:
        process_webhook_event(event_id)
        counts["webhooks_replayed"] += 1
    settled = db.session.execute(
        select(
            Payment.id, Payment.gateway_transaction_id, Payment.paid_amount, Payment.paid_currency
        )
        .where(
            Payment.status == PaymentStatus.SUCCESSFUL, Payment.verified_at >= moment - LOOK_BACK
        )
        .order_by(Payment.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    gateway = payment_gateway()
    for payment_id, transaction_id, paid_amount, paid_currency in settled:
        try:
            found: VerifiedTransaction | None = gateway.verify(transaction_id)
        except GatewayNotFoundError:
            found = None
        except GatewayError:
            continue  # unreachable now; the next run compares again
        counts["compared"] += 1
        differences = _differences(found, paid_amount, paid_currency)
        for kind, ours, theirs in differences:
            if _record_mismatch(payment_id, kind, ours, theirs, moment):
                counts["mismatches"] += 1
    return counts


def _differences(
    found: VerifiedTransaction | None, paid_amount: int, paid_currency: str
) -> list[tuple[str, str, str]]:
    if found is None:
        return [("MISSING", "successful", "no such transaction")]
    out = []
    if found.status != "successful":
        out.append(("STATUS", "successful", found.status))
    if found.amount != paid_amount:
        out.append(("AMOUNT", str(paid_amount), str(found.amount)))
    if found.currency != paid_currency:
        out.append(("CURRENCY", paid_currency, found.currency))
    return out


def _record_mismatch(payment_id: int, kind: str, ours: str, theirs: str, now: datetime) -> bool:
    """Store a mismatch once; True when it is new."""
    begin_write()
    exists = db.session.scalar(
        select(PaymentMismatch.id).where(
            PaymentMismatch.payment_id == payment_id, PaymentMismatch.kind == kind
        )
    )
    if exists is not None:
        db.session.commit()
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                PaymentMismatch(
                    payment_id=payment_id, kind=kind, ours=ours, gateway=theirs, found_at=now
                )
            )
    except IntegrityError:  # a concurrent run stored it first
        db.session.commit()
        return False
    audit.record(
        "payment.mismatch",
        "payment",
        payment_id,
        actor="job:reconcile-payments",
        kind=kind,
        ours=ours,
        gateway=theirs,
    )
    db.session.commit()
    return True
