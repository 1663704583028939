"""`flask seed-demo`: load demo data (idempotent) and print the demo accounts."""

import click
from flask import current_app

from webapp.demo import data
from webapp.demo.services import seed_demo


@click.command("seed-demo")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 60))
def seed_demo_command(days: int) -> None:
    """Load demo cities, operators, buses, trips and two accounts. Safe to run again."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("Refusing to load demo data into a production app.")
    report = seed_demo(days)
    click.echo(
        f"Demo data ready: {report.cities} cities, {report.routes} routes, "
        f"{report.operators} operators, {report.layouts} bus layouts, "
        f"{report.trips_total} upcoming trips ({report.trips_created} new)."
    )
    click.echo("Demo accounts (password for each: " + data.DEMO_PASSWORD + "):")
    for email, _, role in data.DEMO_USERS:
        works_for = f" (staff of {data.DEMO_STAFF_OPERATOR})" if role == "operator_staff" else ""
        click.echo(f"  {role:<14} {email}{works_for}")
