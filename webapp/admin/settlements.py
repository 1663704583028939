"""Settlement pages: list, statement with its lines, calculate, approve, send, CSV and print.

Admins see every operator's and act on them; every action goes through a service that audits
who did it. An operator's staff read their own operator's statements (list, detail, print and
CSV) and nothing else: another operator's settlement is the same 404 as a missing one."""

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from webapp.admin import admin_required, bp, operator_scope, staff_required, status_words
from webapp.admin.listing import LARGEST_ID
from webapp.audit import services as audit
from webapp.database import begin_write
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.money import format_money
from webapp.settlements import queries
from webapp.settlements.adjustments import adjust, parse_naira
from webapp.settlements.models import OPEN_PAYOUT, Settlement, SettlementStatus
from webapp.settlements.months import parse_month, previous_month
from webapp.settlements.payouts import approve, follow_payout, send_payout
from webapp.settlements.services import calculate_settlements
from webapp.settlements.statements import csv_text, entry_csv_lines


def _settlement(settlement_id: int) -> Settlement:
    """The settlement, if the signed-in staff may see it; otherwise a 404 as for a missing one."""
    found = db.session.get(Settlement, settlement_id) if settlement_id <= LARGEST_ID else None
    scope = operator_scope()
    if found is None or (scope is not None and found.operator_id != scope):
        raise NotFoundError("We could not find that settlement.")
    return found


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/settlements")
@staff_required
def settlements() -> str:
    month = request.args.get("month", "").strip() or None
    status = request.args.get("status", "").strip().upper() or None
    if month:
        month = parse_month(month)
    if status and status not in SettlementStatus.__members__:
        raise ValidationError(f"Status is one of {', '.join(SettlementStatus)}.")
    operator = request.args.get("operator", "").strip()[:60] or None
    scope = operator_scope()
    return render_template(
        "admin/settlements.html",
        settlements=queries.list_settlements(month, operator, status, scope),
        operator_name=db.session.get(Operator, scope).name if scope else None,
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
@staff_required
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
    _settlement(settlement_id)  # an id out of range is a 404 before any query
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
    _settlement(settlement_id)
    payout = send_payout(settlement_id, current_user.id)
    messages = {
        "FAILED": ("The transfer was refused: " + (payout.complete_message or ""), "error"),
        "SENDING": ("Flutterwave did not answer; use “Check the transfer” shortly.", "info"),
    }
    message, category = messages.get(
        payout.status,
        (f"Transfer {payout.reference}: {status_words(payout.status).lower()}.", "success"),
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
    flash(f"The transfer is {status_words(outcome).lower()}.", "info")
    return redirect(url_for("admin.settlement", settlement_id=settlement_id), 303)


@bp.get("/settlements/<id:settlement_id>/statement")
@staff_required
def statement(settlement_id: int) -> str:
    found = _settlement(settlement_id)
    return render_template(
        "admin/statement.html", settlement=found, lines=queries.statement_lines(found.id)
    )


@bp.get("/settlements/<id:settlement_id>.csv")
@staff_required
def settlement_csv(settlement_id: int) -> Response:
    found = _settlement(settlement_id)
    return _csv(csv_text([found]), f"roadpass-{found.operator.slug}-{found.month}.csv")


@bp.get("/settlements/<id:settlement_id>/entries.csv")
@staff_required
def entries_csv(settlement_id: int) -> Response:
    """Every ledger entry behind the statement's lines (the page shows the first of each)."""
    found = _settlement(settlement_id)
    return Response(
        stream_with_context(entry_csv_lines(found.id, found.currency)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="roadpass-{found.operator.slug}-{found.month}-entries.csv"'
            )
        },
    )


@bp.get("/settlements/export.csv")
@staff_required
def month_csv() -> Response:
    month = parse_month(request.args.get("month", ""))
    found = queries.list_settlements(month, None, None, operator_scope())
    return _csv(csv_text(found), f"roadpass-{month}.csv")
