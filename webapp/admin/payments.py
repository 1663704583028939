"""Payments that need a person: mismatches found by reconciliation, late payments whose seats
were lost, refunds the gateway refused or that ran out of attempts, and refunds stopped for
review because the gateway holds refunds that cannot be told apart from them."""

from flask import Response, render_template
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload

from webapp.admin import admin_required, bp
from webapp.admin.listing import (
    arg_choice,
    arg_date,
    arg_int,
    args_without,
    csv_response,
    in_days,
    keyset_page,
)
from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.payments.models import Payment, PaymentMismatch, PaymentStatus
from webapp.presentation import lagos_datetime
from webapp.refunds.models import Refund, RefundStatus

SHOWN = 200
FLAGS = ("MISMATCH", "LATE")


def filtered_payments() -> tuple[Select, dict[str, object]]:
    """Payments by status, day started, amount (whole naira) and flag."""
    status = arg_choice("status", PaymentStatus)
    flag = arg_choice("flag", FLAGS)
    first, last = arg_date("from"), arg_date("to")
    least, most = arg_int("min_naira"), arg_int("max_naira")
    stmt = select(Payment)
    if status:
        stmt = stmt.where(Payment.status == status)
    stmt = in_days(stmt, Payment.created_at, first, last)
    if least is not None:
        stmt = stmt.where(Payment.amount >= least * 100)
    if most is not None:
        stmt = stmt.where(Payment.amount <= most * 100)
    if flag == "MISMATCH":
        stmt = stmt.where(
            exists().where(
                PaymentMismatch.payment_id == Payment.id, PaymentMismatch.resolved_at.is_(None)
            )
        )
    elif flag == "LATE":
        stmt = stmt.where(
            Payment.booking_id.in_(select(Booking.id).where(Booking.cancel_reason == "SEATS_LOST"))
        )
    shown = {"status": status, "flag": flag, "from": first, "to": last}
    return stmt, shown | {"min_naira": least, "max_naira": most}


@bp.get("/payments")
@admin_required
def payments() -> str:
    stmt, shown = filtered_payments()
    page = keyset_page(stmt.options(joinedload(Payment.booking)), Payment.id, lambda p: p.id)
    flagged = _flags([p.id for p in page.rows])
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
        page=page,
        shown=shown,
        flagged=flagged,
        statuses=list(PaymentStatus),
        filters=args_without("after"),
    )


def _flags(payment_ids: list[int]) -> dict[int, str]:
    """What is odd about each payment of one page (late, mismatched), in two small queries."""
    if not payment_ids:
        return {}
    late = db.session.scalars(
        select(Payment.id)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(Payment.id.in_(payment_ids), Booking.cancel_reason == "SEATS_LOST")
    )
    flags = dict.fromkeys(late, "late, seats lost")
    for pid in db.session.scalars(
        select(PaymentMismatch.payment_id).where(
            PaymentMismatch.payment_id.in_(payment_ids), PaymentMismatch.resolved_at.is_(None)
        )
    ):
        flags[pid] = "mismatch with the gateway"
    return flags


@bp.get("/payments.csv")
@admin_required
def payments_csv() -> Response:
    stmt, _ = filtered_payments()
    return csv_response(
        "payments.csv",
        ["payment", "tx_ref", "booking_id", "status", "amount_kobo", "paid_kobo", "started"],
        stmt,
        Payment.id,
        lambda p: [
            p.id,
            p.tx_ref,
            p.booking_id,
            p.status,
            p.amount,
            p.paid_amount,
            lagos_datetime(p.created_at),
        ],
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
