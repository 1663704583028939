"""Posting the journals of payments and refunds that happened before the ledger existed.

The same event functions as live posting, so a backfilled site holds exactly the journals it
would have had; each journal is unique per event, so running it again posts nothing new.
"""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from webapp.database import begin_write
from webapp.extensions import db
from webapp.ledger import events
from webapp.ledger.models import Journal, JournalKind
from webapp.payments.models import Payment
from webapp.refunds.models import Refund, RefundStatus

BATCH = 200


def backfill_ledger() -> dict[str, int]:
    """Journals for every payment whose money arrived and every completed refund; commits per
    batch. Returns how many events it looked at and how many journals it added."""
    before = _journals()
    payment_ids = db.session.scalars(
        select(Payment.id)
        .where(Payment.paid_amount.is_not(None), Payment.gateway_transaction_id.is_not(None))
        .order_by(Payment.verified_at, Payment.id)
    ).all()
    refund_ids = db.session.scalars(
        select(Refund.id)
        .where(Refund.status == RefundStatus.COMPLETED)
        .order_by(Refund.completed_at, Refund.id)
    ).all()
    db.session.rollback()
    for start in range(0, len(payment_ids), BATCH):
        begin_write()
        for payment_id in payment_ids[start : start + BATCH]:
            events.record_payment(db.session.get(Payment, payment_id))  # type: ignore[arg-type]
        db.session.commit()
    for start in range(0, len(refund_ids), BATCH):
        begin_write()
        for refund_id in refund_ids[start : start + BATCH]:
            events.record_refund(db.session.get(Refund, refund_id))  # type: ignore[arg-type]
        db.session.commit()
    return {
        "payments": len(payment_ids),
        "refunds": len(refund_ids),
        "journals_added": _journals() - before,
    }


def _journals() -> int:
    kinds = (JournalKind.PAYMENT, JournalKind.GATEWAY_FEE, JournalKind.REFUND)
    return len(db.session.scalars(select(Journal.id).where(Journal.kind.in_(kinds))).all())


@click.command("backfill")
@with_appcontext
def backfill_command() -> None:
    """Post journals for payments and refunds recorded before the ledger (safe to repeat)."""
    counts = backfill_ledger()
    click.echo(
        f"looked at {counts['payments']} payments and {counts['refunds']} refunds; "
        f"{counts['journals_added']} journals added"
    )
