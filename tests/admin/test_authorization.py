"""Who may open which back-office page, for every route under /admin (read from the URL map,
so a new page is covered the day it is added): anonymous visitors are sent to log in,
passengers get 404, operator staff only their operator's trip and settlement pages, admins
everything."""

import pytest
from flask import Flask, url_for

from tests.admin.helpers import logged_in_as
from tests.factories import create_booked_seats, create_operator, create_trip
from webapp.extensions import db
from webapp.settlements.models import Settlement

STAFF_PAGES = {
    "admin.trips",
    "admin.trips_csv",
    "admin.trip",
    "admin.board_page",
    "admin.manifest_csv",
    "admin.settlements",
    "admin.settlement",
    "admin.statement",
    "admin.settlement_csv",
    "admin.entries_csv",
    "admin.month_csv",
}
# Lists: another operator's staff see them, holding none of that operator's rows.
SCOPED_LISTS = {"admin.trips", "admin.trips_csv", "admin.settlements", "admin.month_csv"}
NEEDS_A_MONTH = {"admin.month_csv"}  # 422 without ?month=, for whoever may export


def admin_get_pages(app: Flask, values: dict[str, object]) -> dict[str, str]:
    values = {"job": "expire-seats", **values}
    pages = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods:
            continue
        with app.test_request_context():
            pages[rule.endpoint] = url_for(
                rule.endpoint, **{arg: values[arg] for arg in rule.arguments}
            )
    return pages


@pytest.mark.parametrize("who", ["anonymous", "passenger", "own staff", "other staff", "admin"])
def test_every_admin_page_for_every_role(client, app: Flask, who: str) -> None:
    operator = create_operator()
    trip = create_trip(operator=operator)
    reference = create_booked_seats(trip, ["1A"]).reference
    settlement = Settlement(operator_id=operator.id, month="2026-11")
    db.session.add(settlement)
    db.session.commit()
    pages = admin_get_pages(
        app, {"trip_id": trip.id, "reference": reference, "settlement_id": settlement.id}
    )
    assert {"admin.dashboard", "admin.bookings", "admin.audit", "admin.board_page"} <= set(pages)
    if who == "passenger":
        logged_in_as(client)
    elif who == "own staff":
        logged_in_as(client, role="operator_staff", operator_id=operator.id)
    elif who == "other staff":
        logged_in_as(client, role="operator_staff", operator_id=create_operator().id)
    elif who == "admin":
        logged_in_as(client, role="admin")

    answers = {endpoint: client.get(url).status_code for endpoint, url in pages.items()}

    for endpoint, status in answers.items():
        if who == "anonymous":
            expected = 302
        elif who == "admin":
            expected = 200
        elif who == "own staff":
            expected = 200 if endpoint in STAFF_PAGES else 404
        elif who == "other staff":
            expected = 200 if endpoint in SCOPED_LISTS else 404
        else:
            expected = 404
        if expected == 200 and endpoint in NEEDS_A_MONTH:
            expected = 422
        assert status == expected, (who, endpoint, pages[endpoint], status)
