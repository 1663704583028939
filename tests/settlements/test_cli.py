"""`flask settlements calculate|export` and `flask ledger backfill|balances`."""

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from tests.factories import create_operator
from tests.settlements.test_calculate import FARE, at, paid_on
from webapp.extensions import db
from webapp.ledger.models import Journal


def test_calculate_then_export_the_month_as_csv(app, travel) -> None:
    operator = create_operator(slug="abc-transport")
    other = create_operator(slug="zed-lines")
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    paid_on(operator, ["1A", "1B"])
    paid_on(other, ["1A"])
    runner = app.test_cli_runner()

    one = runner.invoke(
        args=["settlements", "calculate", "--month", "2026-11", "--operator", "abc-transport"]
    )
    both = runner.invoke(args=["settlements", "calculate", "--month", "2026-11"])
    exported = runner.invoke(args=["settlements", "export", "--month", "2026-11"])

    assert one.exit_code == 0, one.output
    assert "created=1" in one.output
    assert "recalculated=1" in both.output
    assert "created=1" in both.output
    rows = list(csv.reader(io.StringIO(exported.output)))
    assert rows[0] == [
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
    ]
    assert rows[1] == [
        "abc-transport",
        "2026-11",
        "0.00",
        "1",
        "20000.00",
        "1600.00",
        "0.00",
        "0.00",
        "0.00",
        "18400.00",
    ]
    assert rows[2][0] == "zed-lines"
    assert rows[2][-1] == f"{(FARE - 80_000) // 100}.00"


def test_cli_refuses_a_bad_month_or_operator(app) -> None:
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["settlements", "calculate", "--month", "2026-13"])
    unknown = runner.invoke(
        args=["settlements", "calculate", "--month", "2026-11", "--operator", "x"]
    )
    assert bad.exit_code == 2
    assert "2026-11" in bad.output
    assert unknown.exit_code == 2
    assert "slug" in unknown.output


def test_backfill_posts_journals_for_payments_made_before_the_ledger(app, travel) -> None:
    operator = create_operator()
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    paid_on(operator, ["1A"])
    paid_on(operator, ["2A"])
    # A site that had these payments before the ledger existed: its journals are not there.
    # (Only the test's own rolled-back transaction can do this: the triggers refuse deletes.)
    wanted = db.session.scalar(select(func.count(Journal.id)))
    db.session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    for table in ("ledger_entries", "ledger_journals"):
        trigger = "ALTER TABLE {} DISABLE TRIGGER USER"
        db.session.execute(text(trigger.format(table)))
        db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text(trigger.replace("DISABLE", "ENABLE").format(table)))
    runner = app.test_cli_runner()

    first = runner.invoke(args=["ledger", "backfill"])
    second = runner.invoke(args=["ledger", "backfill"])
    balances = runner.invoke(args=["ledger", "balances"])

    assert f"{wanted} journals added" in first.output
    assert "0 journals added" in second.output
    assert db.session.scalar(select(func.count(Journal.id))) == wanted
    assert "gateway_clearing" in balances.output
