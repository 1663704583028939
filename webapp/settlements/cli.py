"""`flask settlements calculate --month YYYY-MM [--operator slug]`, `flask settlements export`."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.settlements.models import Settlement
from webapp.settlements.months import parse_month, previous_month
from webapp.settlements.services import calculate_settlements, operators_to_settle
from webapp.settlements.statements import csv_text


def _month(value: str | None) -> str:
    try:
        return parse_month(value) if value else previous_month()
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--month") from error


@click.group("settlements")
def settlements_cli() -> None:
    """Monthly operator settlements."""


@settlements_cli.command("calculate")
@click.option("--month", help="YYYY-MM (Africa/Lagos); default: last month.")
@click.option("--operator", "operator_slug", help="Only this operator (its slug).")
@with_appcontext
def calculate(month: str | None, operator_slug: str | None) -> None:
    """Compute the month's settlements (recomputes those still CALCULATED)."""
    month = _month(month)
    try:
        operators = operators_to_settle(month, operator_slug)
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--operator") from error
    with click.progressbar(length=len(operators), label=f"settling {month}", file=None) as bar:
        result = calculate_settlements(month, operator_slug, progress=bar.update)
    click.echo(" ".join(f"{key}={value}" for key, value in result.as_dict().items()))


@settlements_cli.command("export")
@click.option("--month", required=True, help="YYYY-MM")
@with_appcontext
def export(month: str) -> None:
    """The month's statements as CSV on standard output."""
    month = _month(month)
    settlements = db.session.scalars(
        select(Settlement)
        .join(Operator, Operator.id == Settlement.operator_id)
        .where(Settlement.month == month)
        .order_by(Operator.slug)
    ).all()
    click.echo(csv_text(settlements), nl=False)
