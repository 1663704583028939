"""`/admin/refunds`: every refund by status and reason, paged; *retry* for a failed one."""

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import Select, select

from webapp.admin import admin_required, bp
from webapp.admin.listing import (
    LARGEST_ID,
    arg_choice,
    arg_date,
    args_without,
    csv_response,
    in_days,
    keyset_page,
)
from webapp.booking.models import Booking
from webapp.errors import NotFoundError
from webapp.extensions import db
from webapp.presentation import lagos_datetime
from webapp.refunds.models import Refund, RefundReason, RefundStatus
from webapp.refunds.services import retry_refund

GROUPS = {
    "WAITING": (RefundStatus.REQUESTED, RefundStatus.PROCESSING),
    "STUCK": (RefundStatus.FAILED, RefundStatus.NEEDS_REVIEW),
}


def filtered_refunds() -> tuple[Select, dict[str, object]]:
    status = arg_choice("status", [*RefundStatus, *GROUPS])
    reason = arg_choice("reason", RefundReason)
    first, last = arg_date("completed_from"), arg_date("completed_to")
    stmt = select(Refund)
    if status in GROUPS:
        stmt = stmt.where(Refund.status.in_(GROUPS[status]))
    elif status:
        stmt = stmt.where(Refund.status == status)
    if reason:
        stmt = stmt.where(Refund.reason == reason)
    stmt = in_days(stmt, Refund.completed_at, first, last)
    return stmt, {"status": status, "reason": reason}


@bp.get("/refunds")
@admin_required
def refunds() -> str:
    stmt, shown = filtered_refunds()
    page = keyset_page(stmt, Refund.id, lambda r: r.id)
    references = _references(page.rows)
    return render_template(
        "admin/refunds.html",
        page=page,
        shown=shown,
        references=references,
        statuses=[*RefundStatus, *GROUPS],
        reasons=list(RefundReason),
        filters=args_without("after"),
    )


def _references(rows: list[Refund]) -> dict[int, str]:
    ids = {r.booking_id for r in rows}
    if not ids:
        return {}
    return dict(
        db.session.execute(select(Booking.id, Booking.reference).where(Booking.id.in_(ids))).all()
    )


@bp.get("/refunds.csv")
@admin_required
def refunds_csv() -> Response:
    stmt, _ = filtered_refunds()
    return csv_response(
        "refunds.csv",
        [
            "refund",
            "booking_id",
            "status",
            "reason",
            "amount_kobo",
            "currency",
            "attempts",
            "created",
        ],
        stmt,
        Refund.id,
        lambda r: [
            r.id,
            r.booking_id,
            r.status,
            r.reason,
            r.amount,
            r.currency,
            r.attempts,
            lagos_datetime(r.created_at),
        ],
    )


@bp.post("/refunds/<id:refund_id>/retry")
@admin_required
def retry(refund_id: int) -> Response:
    if refund_id > LARGEST_ID:
        raise NotFoundError("We could not find that refund.")
    retry_refund(current_user.id, refund_id)
    flash(f"Refund #{refund_id} will be sent again.", "success")
    return redirect(url_for("admin.refunds", status="WAITING"), 303)
