"""`flask ledger balances` (and `flask ledger backfill`, which the payments package adds)."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.ledger.models import Entry
from webapp.money import format_money


@click.group("ledger")
def ledger_cli() -> None:
    """The double-entry ledger."""


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
