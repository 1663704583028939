"""Settlement pages: list, statement with its lines, calculate, approve, send, CSV and print.
Admins only; every action goes through a service that audits who did it."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.admin import admin_required, bp
from webapp.audit import services as audit
from webapp.database import begin_write
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.money import format_money
from webapp.settlements import queries
from webapp.settlements.adjustments import adjust, parse_naira
from webapp.settlements.models import OPEN_PAYOUT, Settlement, SettlementStatus
from webapp.settlements.months import parse_month, previous_month
from webapp.settlements.payouts import approve, follow_payout, send_payout
from webapp.settlements.services import calculate_settlements
from webapp.settlements.statements import csv_text


def _settlement(settlement_id: int) -> Settlement:
    found = db.session.get(Settlement, settlement_id)
    if found is None:
        raise NotFoundError("We could not find that settlement.")
    return found


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/settlements")
@admin_required
def settlements() -> str:
    month = request.args.get("month", "").strip() or None
    status = request.args.get("status", "").strip().upper() or None
    if month:
        month = parse_month(month)
    if status and status not in SettlementStatus.__members__:
        raise ValidationError(f"Status is one of {', '.join(SettlementStatus)}.")
    operator = request.args.get("operator", "").strip()[:60] or None
    return render_template(
        "admin/settlements.html",
        settlements=queries.list_settlements(month, operator, status),
        filters={"month": month or "", "operator": operator or "", "status": status or ""},
        statuses=list(SettlementStatus),
        default_month=previous_month(),
    )


@bp.post("/settlements/calculate")
@admin_required
def calculate() -> Response:
    month = parse_month(request.form.get("month", ""))
    operator = request.form.get("operator", "").strip()[:60] or None
    result = calculate_settlements(month, operator, actor_user_id=current_user.id)
    flash(
        f"{month}: {result.created} created, {result.recalculated} recalculated, "
        f"{result.frozen} already approved (left as they were), {result.skipped} skipped.",
        "success",
    )
    return redirect(url_for("admin.settlements", month=month), 303)


@bp.post("/settlements/adjust")
@admin_required
def adjust_view() -> Response:
    amount = parse_naira(request.form.get("amount", ""))
    operator = request.form.get("operator", "").strip()[:60]
    adjust(operator, amount, request.form.get("reason", ""), current_user.id)
    flash(
        f"Adjustment of {format_money(amount)} recorded for {operator}; it shows on the "
        "statement of this month (or the next open one).",
        "success",
    )
    return redirect(url_for("admin.settlements"), 303)


@bp.get("/settlements/<id:settlement_id>")
@admin_required
def settlement(settlement_id: int) -> str:
    found = _settlement(settlement_id)
    return render_template(
        "admin/settlement.html",
        settlement=found,
        lines=queries.statement_lines(found.id),
        open_payout=next((p for p in found.transfers if p.status in OPEN_PAYOUT), None),
    )


@bp.post("/settlements/<id:settlement_id>/approve")
@admin_required
def approve_view(settlement_id: int) -> Response:
    approved = approve(settlement_id, current_user.id)
    flash(
        f"Approved. The payout account is {approved.resolved_account_name}; "
        "another administrator must now send it.",
        "success",
    )
    return redirect(url_for("admin.settlement", settlement_id=settlement_id), 303)


@bp.post("/settlements/<id:settlement_id>/send")
@admin_required
def send(settlement_id: int) -> Response:
    payout = send_payout(settlement_id, current_user.id)
    messages = {
        "FAILED": ("The transfer was refused: " + (payout.complete_message or ""), "error"),
        "SENDING": ("Flutterwave did not answer; use “Check the transfer” shortly.", "info"),
    }
    message, category = messages.get(
        payout.status, (f"Transfer {payout.reference} is {payout.status}.", "success")
    )
    flash(message, category)
    return redirect(url_for("admin.settlement", settlement_id=settlement_id), 303)


@bp.post("/settlements/<id:settlement_id>/check")
@admin_required
def check(settlement_id: int) -> Response:
    found = _settlement(settlement_id)
    payout = next((p for p in found.transfers if p.status in OPEN_PAYOUT), None)
    if payout is None:
        raise ValidationError("This settlement has no transfer in flight.")
    payout_id = payout.id
    db.session.rollback()
    begin_write()
    audit.record(
        "settlement.payout_checked",
        "settlement",
        settlement_id,
        actor_user_id=current_user.id,
        payout_id=payout_id,
    )
    db.session.commit()
    outcome = follow_payout(payout_id)
    flash(f"The transfer is {outcome}.", "info")
    return redirect(url_for("admin.settlement", settlement_id=settlement_id), 303)


@bp.get("/settlements/<id:settlement_id>/statement")
@admin_required
def statement(settlement_id: int) -> str:
    found = _settlement(settlement_id)
    return render_template(
        "admin/statement.html", settlement=found, lines=queries.statement_lines(found.id)
    )


@bp.get("/settlements/<id:settlement_id>.csv")
@admin_required
def settlement_csv(settlement_id: int) -> Response:
    found = _settlement(settlement_id)
    return _csv(csv_text([found]), f"roadpass-{found.operator.slug}-{found.month}.csv")


@bp.get("/settlements/export.csv")
@admin_required
def month_csv() -> Response:
    month = parse_month(request.args.get("month", ""))
    return _csv(csv_text(queries.list_settlements(month, None, None)), f"roadpass-{month}.csv")
