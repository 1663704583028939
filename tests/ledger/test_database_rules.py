"""The database itself refuses to change or unbalance the ledger, on both dialects."""

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from tests.factories import create_layout, create_operator, create_trip, create_user, held
from tests.ledger.money import gateway_says, open_payment
from webapp.extensions import db

both_databases = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
NOW = "2026-12-01 10:00:00"


def one_paid_booking() -> None:
    trip = create_trip(operator=create_operator(), layout=create_layout([["SS.SS"]]))
    booking = held(create_user().id, trip.id, ["1A"])
    gateway_says(open_payment(booking), fee=100)


def refused(statement: str, **params: object) -> str:
    with pytest.raises(DatabaseError) as caught, db.session.begin_nested():
        db.session.execute(text(statement), params)
    return str(caught.value)


@both_databases
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount = amount + 1",
        "UPDATE ledger_entries SET account = 'revenue:commission'",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_journals SET memo = 'edited'",
        "DELETE FROM ledger_journals",
    ],
)
def test_ledger_rows_cannot_be_updated_or_deleted(app, statement: str) -> None:
    one_paid_booking()

    assert "append-only" in refused(statement)
    assert db.session.execute(text("SELECT count(*) FROM ledger_entries")).scalar() > 0


def test_postgresql_refuses_an_unbalanced_journal_at_commit(app) -> None:
    db.session.execute(
        text(
            "INSERT INTO ledger_journals (id, kind, source_id, memo, effective_at, created_at) "
            "VALUES (424242, 'adjustment', 1, '', :now, :now)"
        ),
        {"now": NOW},
    )
    db.session.execute(
        text(
            "INSERT INTO ledger_entries (journal_id, account, amount, currency, effective_at, "
            "created_at) VALUES (424242, 'gateway_clearing', 100, 'NGN', :now, :now)"
        ),
        {"now": NOW},
    )
    # What COMMIT would do: run the deferred constraint triggers now.
    message = refused("SET CONSTRAINTS ALL IMMEDIATE")
    assert "does not balance" in message


def test_postgresql_accepts_a_balanced_direct_journal(app) -> None:
    db.session.execute(
        text(
            "INSERT INTO ledger_journals (id, kind, source_id, memo, effective_at, created_at) "
            "VALUES (424243, 'adjustment', 2, '', :now, :now)"
        ),
        {"now": NOW},
    )
    for amount in (100, -100):
        db.session.execute(
            text(
                "INSERT INTO ledger_entries (journal_id, account, amount, currency, effective_at,"
                " created_at) VALUES (424243, 'gateway_clearing', :a, 'NGN', :now, :now)"
            ),
            {"now": NOW, "a": amount},
        )
    db.session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))


ENTRY = (
    "INSERT INTO ledger_entries (journal_id, account, amount, currency, effective_at, created_at)"
    " VALUES (:j, 'gateway_clearing', :a, 'NGN', :now, :now)"
)
JOURNAL = (
    "INSERT INTO ledger_journals (id, kind, source_id, memo, effective_at, created_at) "
    "VALUES (:j, 'adjustment', :j, '', :now, :now)"
)


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_sqlite_refuses_unbalanced_or_empty_journals_and_late_entries(app) -> None:
    assert "does not balance" in refused(JOURNAL, j=5001, now=NOW)  # no entries at all

    db.session.execute(text(ENTRY), {"j": 5002, "a": 100, "now": NOW})
    assert "does not balance" in refused(JOURNAL, j=5002, now=NOW)  # one-sided

    db.session.execute(text(ENTRY), {"j": 5003, "a": 100, "now": NOW})
    db.session.execute(text(ENTRY), {"j": 5003, "a": -100, "now": NOW})
    db.session.execute(text(JOURNAL), {"j": 5003, "now": NOW})  # balanced: accepted
    assert "already posted" in refused(ENTRY, j=5003, a=7, now=NOW)


def test_sqlite_refuses_at_commit_entries_left_without_a_journal(sqlite_app) -> None:
    with sqlite_app.app_context():
        raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if raw.in_transaction:
            cursor.execute("ROLLBACK")
        cursor.execute("BEGIN IMMEDIATE")
        cursor.execute(
            ENTRY.replace(":j", "987654").replace(":a", "100").replace(":now", "?"), (NOW, NOW)
        )
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            cursor.execute("COMMIT")
        cursor.execute("ROLLBACK")
        count = cursor.execute(
            "SELECT count(*) FROM ledger_entries WHERE journal_id = 987654"
        ).fetchone()[0]
    finally:
        raw.close()
    assert count == 0
