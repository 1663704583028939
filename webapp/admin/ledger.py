"""`/admin/ledger`: the ledger's entries by account and date (Lagos days), paged, with their
total and a CSV: the rows behind the dashboard's commission (docs/money.md). Admins only."""

import re

from flask import Response, render_template, request
from sqlalchemy import Select, func, select

from webapp.admin import admin_required, bp
from webapp.admin.listing import arg_date, args_without, csv_response, in_days, keyset_page
from webapp.booking.models import Booking
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.ledger.models import Account, Entry, Journal
from webapp.presentation import lagos_datetime

ACCOUNTS = [a.value for a in Account if a != Account.OPERATOR_PAYABLE]
OPERATOR_ACCOUNT = re.compile(rf"{Account.OPERATOR_PAYABLE}:\d{{1,10}}")


def filtered_entries() -> tuple[Select, dict[str, object]]:
    account = request.args.get("account", "").strip()
    if account and account not in ACCOUNTS and not OPERATOR_ACCOUNT.fullmatch(account):
        raise ValidationError(
            f"“account” is one of {', '.join(ACCOUNTS)} or operator_payable:<id>."
        )
    first, last = arg_date("dated_from"), arg_date("dated_to")
    stmt = select(Entry)
    if account:
        stmt = stmt.where(Entry.account == account)
    stmt = in_days(stmt, Entry.effective_at, first, last)
    return stmt, {"account": account, "dated_from": first, "dated_to": last}


def _journals_and_references(rows: list[Entry]) -> tuple[dict[int, Journal], dict[int, str]]:
    journal_ids = {e.journal_id for e in rows}
    booking_ids = {e.booking_id for e in rows if e.booking_id}
    journals = {
        j.id: j for j in db.session.scalars(select(Journal).where(Journal.id.in_(journal_ids)))
    }
    references = dict(
        db.session.execute(
            select(Booking.id, Booking.reference).where(Booking.id.in_(booking_ids))
        ).all()
    )
    return journals, references


@bp.get("/ledger")
@admin_required
def ledger() -> str:
    stmt, shown = filtered_entries()
    page = keyset_page(stmt, Entry.id, lambda e: e.id)
    journals, references = _journals_and_references(page.rows)
    matching = stmt.subquery()
    total = db.session.scalar(select(func.coalesce(func.sum(matching.c.amount), 0)))
    return render_template(
        "admin/ledger.html",
        page=page,
        shown=shown,
        total=int(total),
        journals=journals,
        references=references,
        accounts=ACCOUNTS,
        filters=args_without("after"),
    )


@bp.get("/ledger.csv")
@admin_required
def ledger_csv() -> Response:
    stmt, _ = filtered_entries()
    return csv_response(
        "ledger.csv",
        ["entry", "journal", "account", "line", "dated", "recorded", "currency", "amount_kobo"],
        stmt,
        Entry.id,
        lambda e: [
            e.id,
            e.journal_id,
            e.account,
            e.line,
            lagos_datetime(e.effective_at),
            lagos_datetime(e.created_at),
            e.currency,
            e.amount,
        ],
    )
