"""Calculating and approving settlements (SPEC §7).

A settlement for (operator, month) covers every entry on the operator's account that is dated
before the month's end and not covered by an earlier settlement, so an entry recorded after its
month was frozen lands in the next open month. It is worked out with a handful of set-based
statements (INSERT … SELECT of the entries, one GROUP BY over them), never a loop per booking.
All settlement work for one operator is serialised by a lock on the operator's row.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select

from webapp import clock
from webapp.audit import services as audit
from webapp.database import begin_write
from webapp.errors import ConflictError, NotFoundError
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.ledger.models import Entry, Line
from webapp.settlements.models import FROZEN, Settlement, SettlementEntry, SettlementStatus
from webapp.settlements.months import month_end, parse_month
from webapp.settlements.statements import queue_statement_email

CURRENCY = "NGN"


class SettlementStateError(ConflictError):
    code = "SETTLEMENT_STATE"


@dataclass(frozen=True)
class Calculated:
    month: str
    created: int = 0
    recalculated: int = 0
    frozen: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int | str]:
        return {
            "month": self.month,
            "created": self.created,
            "recalculated": self.recalculated,
            "frozen": self.frozen,
            "skipped": self.skipped,
        }


def operators_to_settle(month: str, operator_slug: str | None = None) -> list[int]:
    """Operators with any ledger entry dated before the month's end (or the one named)."""
    query = (
        select(Entry.operator_id)
        .where(Entry.operator_id.is_not(None), Entry.effective_at < month_end(month))
        .distinct()
    )
    if operator_slug is not None:
        operator_id = db.session.scalar(select(Operator.id).where(Operator.slug == operator_slug))
        if operator_id is None:
            raise NotFoundError(f"No operator has the slug {operator_slug!r}.")
        query = query.where(Entry.operator_id == operator_id)
    ids = sorted(i for i in db.session.scalars(query) if i is not None)
    db.session.rollback()
    return ids


def calculate_settlements(
    month: str,
    operator_slug: str | None = None,
    *,
    actor_user_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Calculated:
    """Compute (or recompute, while CALCULATED) the month's settlement of every operator.
    Idempotent and safe to run twice at once: one operator at a time, under its row lock."""
    month = parse_month(month)
    counts = {"created": 0, "recalculated": 0, "frozen": 0, "skipped": 0}
    for operator_id in operators_to_settle(month, operator_slug):
        counts[calculate_one(operator_id, month, actor_user_id=actor_user_id)] += 1
        if progress is not None:
            progress(1)
    return Calculated(month, **counts)


def calculate_one(operator_id: int, month: str, *, actor_user_id: int | None = None) -> str:
    """created | recalculated | frozen | skipped (a later month is already settled). Commits."""
    begin_write()
    db.session.scalar(select(Operator.id).where(Operator.id == operator_id).with_for_update())
    settlement = db.session.scalar(
        select(Settlement).where(Settlement.operator_id == operator_id, Settlement.month == month)
    )
    if settlement is not None and settlement.frozen:
        db.session.rollback()
        return "frozen"
    later = select(Settlement).where(
        Settlement.operator_id == operator_id, Settlement.month > month
    )
    if settlement is None and db.session.scalar(later.limit(1)) is not None:
        db.session.rollback()
        return "skipped"
    outcome = "recalculated"
    if settlement is None:
        settlement = Settlement(operator_id=operator_id, month=month, currency=CURRENCY)
        db.session.add(settlement)
        db.session.flush()
        outcome = "created"
    # This month and every later open one give their entries back, then take them again in
    # month order: an entry belongs to the earliest open month it is dated before the end of.
    chain = [
        settlement,
        *db.session.scalars(
            later.where(Settlement.status == SettlementStatus.CALCULATED).order_by(Settlement.month)
        ),
    ]
    db.session.execute(
        delete(SettlementEntry).where(SettlementEntry.settlement_id.in_([s.id for s in chain]))
    )
    for each in chain:
        _cover_and_total(each)
    audit.record(
        f"settlement.{outcome}",
        "settlement",
        settlement.id,
        actor_user_id=actor_user_id,
        actor="user" if actor_user_id else "system",
        month=month,
        closing_balance=settlement.closing_balance,
    )
    db.session.commit()
    return outcome


def _cover_and_total(settlement: Settlement) -> None:
    covered = select(SettlementEntry.entry_id).where(SettlementEntry.entry_id == Entry.id)
    db.session.execute(
        insert(SettlementEntry).from_select(
            ["entry_id", "settlement_id"],
            select(Entry.id, settlement.id).where(
                Entry.operator_id == settlement.operator_id,
                Entry.currency == settlement.currency,
                Entry.effective_at < month_end(settlement.month),
                ~covered.exists(),
            ),
        )
    )
    totals = statement_totals(settlement.id)
    previous = db.session.scalar(
        select(Settlement.closing_balance)
        .where(
            Settlement.operator_id == settlement.operator_id, Settlement.month < settlement.month
        )
        .order_by(Settlement.month.desc())
        .limit(1)
    )
    settlement.opening_balance = previous or 0
    settlement.gross_fares = -totals[Line.FARE].total
    settlement.commission = totals[Line.COMMISSION].total
    settlement.refunds = totals[Line.REFUND].total
    settlement.adjustments = -totals[Line.ADJUSTMENT].total
    settlement.payouts = totals[Line.PAYOUT].total
    settlement.bookings = totals[Line.FARE].bookings
    settlement.entry_count = sum(line.entries for line in totals.values())
    settlement.closing_balance = (
        settlement.opening_balance
        + settlement.gross_fares
        - settlement.commission
        - settlement.refunds
        + settlement.adjustments
        - settlement.payouts
    )
    settlement.calculated_at = clock.now()
    db.session.flush()


@dataclass(frozen=True)
class LineTotal:
    total: int = 0  # sum of the entries' amounts (debits positive)
    entries: int = 0
    bookings: int = 0


def statement_totals(settlement_id: int) -> defaultdict[str, LineTotal]:
    """Each statement line's total over the entries the settlement covers: one GROUP BY."""
    rows = db.session.execute(
        select(
            Entry.line,
            func.sum(Entry.amount),
            func.count(Entry.id),
            func.count(func.distinct(Entry.booking_id)),
        )
        .join(SettlementEntry, SettlementEntry.entry_id == Entry.id)
        .where(SettlementEntry.settlement_id == settlement_id)
        .group_by(Entry.line)
    ).all()
    totals: defaultdict[str, LineTotal] = defaultdict(LineTotal)
    for line, total, entries, bookings in rows:
        totals[line] = LineTotal(int(total), entries, bookings)
    return totals


def approve_settlement(settlement_id: int, admin_user_id: int, account_name: str) -> Settlement:
    """CALCULATED → APPROVED (frozen), with the payout account's name as the gateway resolved
    it. Earlier months of the operator must be frozen first, so a frozen month's opening
    balance can never move."""
    begin_write()
    settlement = _locked(settlement_id)
    if settlement.status != SettlementStatus.CALCULATED:
        raise SettlementStateError(f"This settlement is {settlement.status}, not CALCULATED.")
    open_before = db.session.scalar(
        select(Settlement.month).where(
            Settlement.operator_id == settlement.operator_id,
            Settlement.month < settlement.month,
            Settlement.status.not_in(FROZEN),
        )
    )
    if open_before is not None:
        raise SettlementStateError(f"Approve {open_before} for this operator first.")
    now = clock.now()
    settlement.status = SettlementStatus.APPROVED
    settlement.approved_by_id = admin_user_id
    settlement.approved_at = now
    settlement.resolved_account_name = account_name[:120]
    audit.record(
        "settlement.approved",
        "settlement",
        settlement.id,
        actor_user_id=admin_user_id,
        closing_balance=settlement.closing_balance,
        account_name=account_name,
    )
    queue_statement_email(settlement)
    db.session.commit()
    return settlement


def _locked(settlement_id: int) -> Settlement:
    operator_id = db.session.scalar(
        select(Settlement.operator_id).where(Settlement.id == settlement_id)
    )
    if operator_id is None:
        raise NotFoundError("We could not find that settlement.")
    db.session.scalar(select(Operator.id).where(Operator.id == operator_id).with_for_update())
    settlement = db.session.scalar(
        select(Settlement).where(Settlement.id == settlement_id).with_for_update()
    )
    assert settlement is not None
    return settlement
