"""Read-only selects for the settlement pages."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.ledger.models import Entry, Journal
from webapp.settlements.models import Settlement, SettlementEntry

SHOWN = 200
LINES = ("fare", "commission", "refund", "adjustment", "payout")


@dataclass(frozen=True)
class EntryRow:
    entry_id: int
    journal_id: int
    kind: str
    memo: str
    effective_at: datetime
    created_at: datetime
    amount: int
    booking_reference: str | None


def list_settlements(
    month: str | None, operator_slug: str | None, status: str | None
) -> list[Settlement]:
    query = select(Settlement).join(Operator, Operator.id == Settlement.operator_id)
    if month:
        query = query.where(Settlement.month == month)
    if operator_slug:
        query = query.where(Operator.slug == operator_slug)
    if status:
        query = query.where(Settlement.status == status)
    return list(
        db.session.scalars(query.order_by(Settlement.month.desc(), Operator.slug).limit(SHOWN))
    )


def statement_lines(settlement_id: int) -> dict[str, list[EntryRow]]:
    """The entries the settlement covers, by statement line (at most SHOWN per line)."""
    rows = db.session.execute(
        select(
            Entry.id,
            Entry.journal_id,
            Journal.kind,
            Journal.memo,
            Entry.effective_at,
            Entry.created_at,
            Entry.amount,
            Entry.line,
            Booking.reference,
        )
        .join(SettlementEntry, SettlementEntry.entry_id == Entry.id)
        .join(Journal, Journal.id == Entry.journal_id)
        .outerjoin(Booking, Booking.id == Entry.booking_id)
        .where(SettlementEntry.settlement_id == settlement_id)
        .order_by(Entry.effective_at, Entry.id)
    ).all()
    lines: dict[str, list[EntryRow]] = defaultdict(list)
    for row in rows:
        if len(lines[row.line]) < SHOWN:
            lines[row.line].append(EntryRow(*row[:7], booking_reference=row.reference))
    return {line: lines.get(line, []) for line in LINES}
