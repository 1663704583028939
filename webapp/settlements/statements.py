"""A settlement as its operator reads it: the CSV line, the CSV of the ledger entries behind
its lines, and the e-mail sent on approval."""

import csv
import io
from collections.abc import Iterable, Iterator

from flask import current_app, render_template
from sqlalchemy import select

from webapp import clock
from webapp.extensions import db
from webapp.jobs.dispatch import after_commit
from webapp.notifications.models import Notification
from webapp.presentation import lagos_datetime
from webapp.settlements.models import Settlement
from webapp.settlements.queries import covered_entry_rows

CSV_COLUMNS = (
    "operator",
    "month",
    "opening_balance",
    "bookings",
    "gross_fares",
    "commission",
    "refunds",
    "adjustments",
    "payouts",
    "closing_balance",
)


def naira(kobo: int) -> str:
    """Kobo as naira with two decimals and no separators: -123456 → "-1234.56"."""
    sign = "-" if kobo < 0 else ""
    major, minor = divmod(abs(kobo), 100)
    return f"{sign}{major}.{minor:02d}"


def csv_text(settlements: Iterable[Settlement]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in settlements:
        writer.writerow(
            [
                s.operator.slug,
                s.month,
                naira(s.opening_balance),
                s.bookings,
                naira(s.gross_fares),
                naira(s.commission),
                naira(s.refunds),
                naira(s.adjustments),
                naira(s.payouts),
                naira(s.closing_balance),
            ]
        )
    return out.getvalue()


ENTRY_COLUMNS = (
    "line",
    "entry",
    "dated",
    "recorded",
    "journal",
    "event",
    "memo",
    "booking",
    "currency",
    "owed_change",
)


def entry_csv_lines(settlement_id: int, currency: str) -> Iterator[str]:
    """The statement's entries as CSV, a chunk per thousand rows. `owed_change` is what the
    entry changed the amount owed to the operator by (naira: a fare is positive, commission,
    refunds and payouts negative), so the column sums to closing minus opening balance."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ENTRY_COLUMNS)
    for n, (line, e) in enumerate(covered_entry_rows(settlement_id), start=1):
        writer.writerow(
            [
                line,
                e.entry_id,
                lagos_datetime(e.effective_at),
                lagos_datetime(e.created_at),
                e.journal_id,
                e.kind,
                e.memo,
                e.booking_reference or "",
                currency,
                naira(-e.amount),
            ]
        )
        if n % 1000 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def queue_statement_email(settlement: Settlement) -> None:
    """The approved statement, to the operator's contact address, through the outbox (once)."""
    to = settlement.operator.contact_email
    key = f"settlement-approved:{settlement.id}"
    if not to or db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
        return
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    notification = Notification(
        dedupe_key=key,
        kind="settlement-approved",
        to_email=to,
        subject=f"Roadpass statement for {settlement.month}",
        body=render_template(
            "notifications/settlement-approved.txt", settlement=settlement, base_url=base
        ),
        created_at=clock.now(),
    )
    db.session.add(notification)
    db.session.flush()
    after_commit("send-notifications", notification.id)
