from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.helpers import log_in
from webapp.demo import data
from webapp.demo.services import seed_demo
from webapp.extensions import db
from webapp.fleet.models import SeatLayout
from webapp.trips.models import Trip, TripSeat


def test_seed_demo_is_idempotent_and_realistic(app: Flask) -> None:
    first = seed_demo(days=3)
    trips = db.session.scalar(select(func.count(Trip.id)))
    seats = db.session.scalar(select(func.count(TripSeat.id)))

    second = seed_demo(days=3)

    assert first.trips_created > 50
    assert second.trips_created == 0
    assert db.session.scalar(select(func.count(Trip.id))) == trips
    assert db.session.scalar(select(func.count(TripSeat.id))) == seats
    assert first.cities == len(data.CITIES)
    assert first.routes == 2 * len(data.ROADS)


def test_demo_layouts_have_the_advertised_seats(app: Flask) -> None:
    seed_demo(days=1)
    layouts = {layout.name: layout for layout in db.session.scalars(select(SeatLayout))}

    counts = {name: len(layout.sellable_seats) for name, layout in layouts.items()}

    assert counts == {
        "Minibus 14": 14,
        "Coach 2+2 (52)": 52,
        "Executive 2+1 (30)": 30,
        "Double-decker (58)": 58,
    }
    coach_row = [s.label for s in layouts["Coach 2+2 (52)"].sellable_seats[:4]]
    assert coach_row == ["1A", "1B", "1C", "1D"]
    upper = [s.label for s in layouts["Double-decker (58)"].sellable_seats if s.deck == 2]
    assert upper[:4] == ["U1A", "U1B", "U1C", "U1D"]


def test_seed_cli_prints_working_demo_accounts(app: Flask, client: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--days", "1"])

    assert result.exit_code == 0, result.output
    assert data.DEMO_PASSWORD in result.output
    for email, _, _ in data.DEMO_USERS:
        assert email in result.output
        assert log_in(client, email, data.DEMO_PASSWORD).status_code == 303
        client.delete_cookie(app.config["SESSION_COOKIE_NAME"])


def test_seed_cli_rejects_bad_days(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--days", "0"])

    assert result.exit_code == 2
    assert "0 is not in the range" in result.output
