"""Read-only selects for the settlement pages."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.ledger.models import Entry, Journal
from webapp.settlements.models import Settlement, SettlementEntry

SHOWN = 200
EXPORT_BATCH = 1000
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
    month: str | None,
    operator_slug: str | None,
    status: str | None,
    operator_id: int | None = None,
) -> list[Settlement]:
    """Settlements by month, operator and status; `operator_id` confines them to one operator
    (an operator's staff)."""
    query = select(Settlement).join(Operator, Operator.id == Settlement.operator_id)
    if operator_id is not None:
        query = query.where(Settlement.operator_id == operator_id)
    if month:
        query = query.where(Settlement.month == month)
    if operator_slug:
        query = query.where(Operator.slug == operator_slug)
    if status:
        query = query.where(Settlement.status == status)
    return list(
        db.session.scalars(query.order_by(Settlement.month.desc(), Operator.slug).limit(SHOWN))
    )


def _covered_entries(settlement_id: int) -> Select:
    """The entries a settlement covers, with their journal and booking, in date order."""
    return (
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
    )


def statement_lines(settlement_id: int) -> dict[str, list[EntryRow]]:
    """The entries the settlement covers, by statement line (at most SHOWN per line)."""
    rows = db.session.execute(_covered_entries(settlement_id)).all()
    lines: dict[str, list[EntryRow]] = defaultdict(list)
    for row in rows:
        if len(lines[row.line]) < SHOWN:
            lines[row.line].append(EntryRow(*row[:7], booking_reference=row.reference))
    return {line: lines.get(line, []) for line in LINES}


def covered_entry_rows(settlement_id: int) -> Iterator[tuple[str, EntryRow]]:
    """Every entry the settlement covers as (line, row), read from a server-side cursor in
    batches, so a month of many thousands of entries never sits in memory at once."""
    result = db.session.execute(
        _covered_entries(settlement_id).execution_options(yield_per=EXPORT_BATCH)
    )
    for row in result:
        yield row.line, EntryRow(*row[:7], booking_reference=row.reference)
