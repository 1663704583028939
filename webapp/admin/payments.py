"""Payments that need a person: mismatches found by reconciliation, late payments whose seats
were lost, refunds the gateway refused or that ran out of attempts, and refunds stopped for
review because the gateway holds refunds that cannot be told apart from them."""

from flask import render_template
from sqlalchemy import select

from webapp.admin import admin_required, bp
from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.payments.models import Payment, PaymentMismatch
from webapp.refunds.models import Refund, RefundStatus

SHOWN = 200


@bp.get("/payments")
@admin_required
def payments() -> str:
    mismatches = db.session.scalars(
        select(PaymentMismatch)
        .where(PaymentMismatch.resolved_at.is_(None))
        .order_by(PaymentMismatch.found_at.desc())
        .limit(SHOWN)
    ).all()
    late = db.session.scalars(
        select(Payment)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(Booking.cancel_reason == "SEATS_LOST")
        .order_by(Payment.verified_at.desc())
        .limit(SHOWN)
    ).all()
    return render_template(
        "admin/payments.html",
        mismatches=mismatches,
        late=late,
        failed_refunds=_refunds(RefundStatus.FAILED),
        review_refunds=_refunds(RefundStatus.NEEDS_REVIEW),
    )


def _refunds(status: str) -> list[Refund]:
    return list(
        db.session.scalars(
            select(Refund)
            .where(Refund.status == status)
            .order_by(Refund.updated_at.desc())
            .limit(SHOWN)
        )
    )
