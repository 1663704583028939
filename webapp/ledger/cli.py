"""`flask ledger backfill`, `flask ledger balances`."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.ledger.backfill import backfill_ledger
from webapp.ledger.models import Entry
from webapp.money import format_money


@click.group("ledger")
def ledger_cli() -> None:
    """The double-entry ledger."""


@ledger_cli.command("backfill")
@with_appcontext
def backfill() -> None:
    """Post journals for payments and refunds recorded before the ledger (safe to repeat)."""
    counts = backfill_ledger()
    click.echo(
        f"looked at {counts['payments']} payments and {counts['refunds']} refunds; "
        f"{counts['journals_added']} journals added"
    )


@ledger_cli.command("balances")
@with_appcontext
def balances() -> None:
    """Every account's balance (debits positive) per currency; each currency sums to zero."""
    rows = db.session.execute(
        select(Entry.currency, Entry.account, func.sum(Entry.amount))
        .group_by(Entry.currency, Entry.account)
        .order_by(Entry.currency, Entry.account)
    ).all()
    for currency, account, total in rows:
        click.echo(f"{currency} {account:32} {format_money(int(total), currency):>20}")
