"""The one function that writes the ledger: `post_journal`.

It checks that the lines balance per currency before writing anything, and the database checks
again: on PostgreSQL a deferred constraint trigger refuses, at commit, a journal whose entries
do not sum to zero; on SQLite the entries are written first and the journal row last, whose
insert trigger refuses unbalanced entries, while a trigger refuses entries for a journal that is
already written and the deferred foreign key refuses, at commit, entries with no journal. The
unique (kind, source id) makes posting idempotent: the second post of an event returns the first.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from webapp import clock
from webapp.extensions import db
from webapp.ledger.models import Account, Entry, Journal


class UnbalancedJournalError(ValueError):
    """The lines of a journal do not sum to zero in every currency."""


@dataclass(frozen=True)
class Posting:
    """One line of a journal: positive debits `account`, negative credits it."""

    account: str
    amount: int
    currency: str
    line: str | None = None  # for operator accounts: fare, commission, refund, adjustment, payout


def existing_journal(kind: str, source_id: int) -> int | None:
    return db.session.scalar(
        select(Journal.id).where(Journal.kind == kind, Journal.source_id == source_id)
    )


def post_journal(
    kind: str,
    source_id: int,
    postings: Iterable[Posting],
    *,
    effective_at: datetime,
    memo: str = "",
    booking_id: int | None = None,
    payment_id: int | None = None,
    refund_id: int | None = None,
    payout_id: int | None = None,
) -> int | None:
    """Write one balanced journal for the event (kind, source_id), once; returns its id (the
    existing one when it was posted before), or None when every line is zero. Flushes; the
    caller's transaction commits it with the event it records."""
    lines = [p for p in postings if p.amount != 0]
    if not lines:
        return None
    check_balanced(lines)
    found = existing_journal(kind, source_id)
    if found is not None:
        return found
    now = clock.now()
    journal = {
        "kind": kind,
        "source_id": source_id,
        "memo": memo[:200],
        "effective_at": effective_at,
        "created_at": now,
        "booking_id": booking_id,
        "payment_id": payment_id,
        "refund_id": refund_id,
        "payout_id": payout_id,
    }
    db.session.flush()
    try:
        with db.session.begin_nested():
            if db.session.get_bind().dialect.name == "sqlite":
                journal_id = _next_sqlite_id()
                _insert_entries(journal_id, lines, journal)
                db.session.execute(insert(Journal.__table__), [{"id": journal_id, **journal}])
            else:
                journal_id = db.session.execute(
                    insert(Journal.__table__).returning(Journal.__table__.c.id), [journal]
                ).scalar_one()
                _insert_entries(journal_id, lines, journal)
    except IntegrityError:
        found = existing_journal(kind, source_id)  # a concurrent post of the same event won
        if found is None:
            raise
        return found
    return journal_id


def check_balanced(lines: list[Posting]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for posting in lines:
        if not isinstance(posting.amount, int) or isinstance(posting.amount, bool):
            raise UnbalancedJournalError("ledger amounts are integer minor units")
        totals[posting.currency] += posting.amount
    if len(lines) < 2 or any(totals.values()):
        raise UnbalancedJournalError(f"journal does not balance: {dict(totals)}")


def _next_sqlite_id() -> int:
    # Safe: SQLite writers hold the database write lock (BEGIN IMMEDIATE) for the transaction.
    return (db.session.scalar(select(func.max(Journal.id))) or 0) + 1


def _insert_entries(journal_id: int, lines: list[Posting], journal: dict) -> None:
    db.session.execute(
        insert(Entry.__table__),
        [
            {
                "journal_id": journal_id,
                "account": p.account,
                "operator_id": operator_of(p.account),
                "line": p.line if operator_of(p.account) is not None else None,
                "amount": p.amount,
                "currency": p.currency,
                "effective_at": journal["effective_at"],
                "created_at": journal["created_at"],
                "booking_id": journal["booking_id"],
            }
            for p in lines
        ],
    )


def operator_of(account: str) -> int | None:
    prefix = f"{Account.OPERATOR_PAYABLE}:"
    return int(account.removeprefix(prefix)) if account.startswith(prefix) else None
