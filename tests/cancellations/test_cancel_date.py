"""Cancelling one date (pretix's "cancel a date"): every trip of a route and operator on one
Lagos day, each paid booking refunded in full through the sandbox, after a confirmation page
that says what will happen. Audited, idempotent, and the refunds' jobs queued after commit."""

from datetime import date, timedelta

import requests
from bs4 import BeautifulSoup
from rq import Queue

from tests.admin.test_admin_jobs import admin_of
from tests.factories import create_layout, create_operator, create_route, create_trip
from tests.paysite import audit_count, paid_booking, settle_all, status_of, transaction_of
from webapp import clock
from webapp.jobs.queues import QUEUES, redis_connection

FARE = 1_500_000
FEE = 25_000


def trips_on(site, day: date) -> dict[str, int]:
    """Two trips of one operator on `day`, one the next day, one of another operator on `day`."""

    def make() -> dict[str, int]:
        route = create_route()
        ours, theirs = create_operator(), create_operator()
        start = clock.lagos_day_bounds(day)[0]

        def trip(operator, hours: float) -> int:
            return create_trip(
                route=route,
                operator=operator,
                fare_amount=FARE,
                layout=create_layout([["SS.SS"] * 3]),
                departs_at=start + timedelta(hours=hours),
            ).id

        return {
            "route": route.id,
            "operator": ours.id,
            "morning": trip(ours, 7),
            "evening": trip(ours, 19),
            "next_day": trip(ours, 24 + 7),
            "other_operator": trip(theirs, 9),
        }

    return site.prepare(make)


def refunds_of(site, ids: dict[str, int]) -> list[tuple]:
    """(amount, status) of the refunds of the two trips first cancelled, by booking."""
    return site.sql(
        "SELECT r.amount, r.status FROM refunds r JOIN bookings b ON b.id = r.booking_id "
        "WHERE b.trip_id IN (:a, :b) ORDER BY r.booking_id",
        a=ids["morning"],
        b=ids["evening"],
    )


def queued_jobs(site) -> int:
    with site.context():
        return sum(Queue(name, connection=redis_connection()).count for name in QUEUES)


def confirmation(admin, site, ids: dict[str, int], day: date) -> BeautifulSoup:
    query = f"route={ids['route']}&operator={ids['operator']}&date={day.isoformat()}"
    response = admin.browser.get(f"{site.url}/admin/trips/cancel-date?{query}", timeout=10)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def submit(admin, site, form) -> requests.Response:
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    data["reason"] = "Floods on the expressway"
    return admin.browser.post(f"{site.url}{form['action']}", data=data, timeout=30)


def test_an_admin_cancels_one_date_and_everyone_is_refunded(pay_site, sandbox, shopper) -> None:
    day = clock.today_in_lagos() + timedelta(days=3)
    ids = trips_on(pay_site, day)
    paid = [
        paid_booking(pay_site, shopper, ids["morning"], ["1A", "1B"]),
        paid_booking(pay_site, shopper, ids["morning"], ["2A"]),
        paid_booking(pay_site, shopper, ids["evening"], ["1A"]),
    ]
    untouched = [
        paid_booking(pay_site, shopper, ids[trip], ["1A"])[1]
        for trip in ("next_day", "other_operator")
    ]
    hold = shopper().hold(ids["evening"], ["3A"])
    admin = admin_of(pay_site, shopper)
    total = 4 * (FARE + FEE)

    page = confirmation(admin, pay_site, ids, day)
    listed = [int(row["data-trip-id"]) for row in page.select("#date-trips tr[data-trip-id]")]
    assert listed == [ids["morning"], ids["evening"]]
    assert page.find(id="refund-total").get_text() == f"₦{total / 100:,.2f}"
    effects = page.find(id="cancel-effects").get_text(" ", strip=True)
    assert "2 trips will be cancelled" in effects
    assert "3 paid bookings will be refunded in full" in effects
    assert "1 unpaid booking will be closed" in effects

    # A trip added after the admin looked is not cancelled unseen: nothing changes.
    late = pay_site.prepare(
        lambda: (
            create_trip(
                route_id=ids["route"],
                operator_id=ids["operator"],
                departs_at=clock.lagos_day_bounds(day)[0] + timedelta(hours=12),
            ).id
        )
    )
    stale = submit(admin, pay_site, page.find(id="cancel-date-form"))
    assert stale.status_code == 409
    assert len(refunds_of(pay_site, ids)) == 0

    page = confirmation(admin, pay_site, ids, day)
    assert len(page.select("#date-trips tr[data-trip-id]")) == 3
    done = submit(admin, pay_site, page.find(id="cancel-date-form"))

    assert done.status_code == 200
    said = BeautifulSoup(done.text, "html.parser").select_one(".flash-success").get_text()
    assert "3 trips cancelled: 3 paid bookings refunded in full, 1 unpaid closed" in said
    cancelled = (ids["morning"], ids["evening"], late)
    for trip_id in cancelled:
        assert pay_site.sql("SELECT status FROM trips WHERE id = :t", t=trip_id) == [("CANCELLED",)]
        assert audit_count(pay_site, "trip.cancelled", "trip", trip_id) == 1
    assert audit_count(pay_site, "route.date_cancelled", "route", ids["route"]) == 1
    assert refunds_of(pay_site, ids) == [
        (2 * (FARE + FEE), "REQUESTED"),
        (FARE + FEE, "REQUESTED"),
        (FARE + FEE, "REQUESTED"),
    ]
    assert queued_jobs(pay_site) >= 3  # enqueued once each cancellation committed, not run yet
    assert status_of(pay_site, hold["bookingId"])[0] == "CANCELLED"

    settle_all(pay_site, sandbox)

    for _, booking, payment in paid:
        assert pay_site.sql(
            "SELECT status, gateway_refund_id IS NOT NULL FROM refunds WHERE booking_id = :b",
            b=booking["bookingId"],
        ) == [("COMPLETED", True)]
        assert sandbox.wait_for_refund(transaction_of(pay_site, payment), timeout=0)
    for booking in untouched:
        assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"
    for key in ("next_day", "other_operator"):
        assert pay_site.sql("SELECT status FROM trips WHERE id = :t", t=ids[key]) == [
            ("SCHEDULED",)
        ]

    # The same submission again changes nothing.
    again = submit(admin, pay_site, page.find(id="cancel-date-form"))
    assert again.status_code == 200
    assert "Nothing changed" in again.text
    assert len(refunds_of(pay_site, ids)) == 3
    assert audit_count(pay_site, "route.date_cancelled", "route", ids["route"]) == 1
    assert queued_jobs(pay_site) == 0
    assert "Nothing is left to cancel" in confirmation(admin, pay_site, ids, day).get_text()


def test_the_date_page_refuses_bad_input_and_other_people(pay_site, sandbox, shopper) -> None:
    admin = admin_of(pay_site, shopper)
    base = f"{pay_site.url}/admin/trips/cancel-date"
    assert admin.browser.get(base, timeout=5).status_code == 200  # the form to choose
    for query in (
        "route=x",
        "route=1&operator=1&date=2026-13-01",
        "route=1&operator=1&date=0001-01-01",
        "route=999999&operator=1",
    ):
        assert admin.browser.get(f"{base}?{query}", timeout=5).status_code in (404, 422), query
    page = BeautifulSoup(admin.browser.get(base, timeout=5).text, "html.parser")
    token = page.find("input", attrs={"name": "csrf_token"})
    token = token["value"] if token else page.find("meta", attrs={"name": "csrf-token"})["content"]
    for form in (
        {"route": "1", "operator": "1", "date": "nope", "reason": "Floods", "trips": ""},
        {"route": "1", "operator": "1", "date": "9999-12-31", "reason": "Floods", "trips": ""},
        {"route": "a", "operator": "1", "date": "2026-12-10", "reason": "Floods", "trips": ""},
        {"route": "1", "operator": "1", "date": "2026-12-10", "reason": "", "trips": ""},
        {"route": "1", "operator": "1", "date": "2026-12-10", "reason": "Floods", "trips": "x"},
    ):
        answer = admin.browser.post(base, data={**form, "csrf_token": token}, timeout=5)
        assert answer.status_code in (404, 422), (form, answer.status_code)
    passenger = shopper()
    assert passenger.browser.get(base, timeout=5).status_code == 404
