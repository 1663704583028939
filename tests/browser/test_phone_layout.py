"""Every page fits a phone: at 360 and 412 px wide no document is wider than the screen, so
nothing needs a sideways scroll (a wide admin table scrolls inside its own card). The back
office is checked as an admin and as an operator's staff."""

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from tests.browser.test_seat_map import coach_trip_id, log_in
from tests.factories import create_booked_seats, create_user, held
from tests.ledger.money import gateway_says, open_payment
from webapp import clock
from webapp.accounts.models import User
from webapp.demo.data import DEMO_STAFF_OPERATOR
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.recovery.services import reset_token
from webapp.settlements.models import Settlement
from webapp.settlements.months import month_of
from webapp.settlements.services import calculate_settlements
from webapp.trips.models import Trip, TripSeat

pytestmark = pytest.mark.browser

PASSENGER = "passenger@roadpass.example.com"
ADMIN = "admin@roadpass.example.com"
STAFF = "staff@roadpass.example.com"  # of the demo operator eko-express


def a_paid_booking(app: Flask) -> tuple[str, int]:
    """A confirmed booking of the demo passenger on a coach: (its reference, its trip)."""
    trip_id = coach_trip_id(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == PASSENGER))
        trip = db.session.get(Trip, trip_id)
        free = db.session.scalars(
            select(TripSeat.label)
            .where(TripSeat.trip_id == trip_id, TripSeat.status == "available")
            .limit(2)
        ).all()
        reference = create_booked_seats(trip, list(free), user).reference
        db.session.remove()
    return reference, trip_id


def reset_link_token(app: Flask) -> str:
    with app.app_context():
        token = reset_token(db.session.scalar(select(User).where(User.email == PASSENGER)))
        db.session.remove()
    return token


def back_office_pages(app: Flask) -> tuple[list[str], list[str]]:
    """The pages behind the admin's and the demo staff's links, beyond the lists: (admin's,
    staff's), with a paid booking on a trip of the staff's operator and this month's
    settlements calculated."""
    with app.app_context():
        operator = db.session.scalar(select(Operator).where(Operator.slug == DEMO_STAFF_OPERATOR))
        trip = db.session.scalar(
            select(Trip)
            .where(Trip.operator_id == operator.id, Trip.departs_at > clock.now())
            .order_by(Trip.departs_at.desc())
            .limit(1)
        )
        free = db.session.scalars(
            select(TripSeat.label)
            .where(TripSeat.trip_id == trip.id, TripSeat.status == "available")
            .limit(1)
        ).all()
        gateway_says(open_payment(held(create_user().id, trip.id, list(free))), fee=500)
        calculate_settlements(month_of(clock.now()))
        settlement = db.session.scalar(
            select(Settlement.id).where(Settlement.operator_id == operator.id)
        )
        day = trip.departs_at.astimezone(clock.LAGOS).date().isoformat()
        cancel_date = (
            f"/admin/trips/cancel-date?route={trip.route_id}&operator={operator.id}&date={day}"
        )
        trip_id = trip.id
        db.session.remove()
    settlement_pages = [
        "/admin/settlements",
        f"/admin/settlements/{settlement}",
        f"/admin/settlements/{settlement}/statement",
    ]
    staff = [
        "/admin/trips",
        f"/admin/trips/{trip_id}",
        f"/admin/trips/{trip_id}/board",
        *settlement_pages,
    ]
    admin = [
        "/admin/ledger",
        "/admin/ledger?account=revenue:commission",
        "/admin/trips/cancel-date",
        cancel_date,
        *settlement_pages[1:],
    ]
    return admin, staff


WIDEST = """() => {
  const over = document.documentElement.scrollWidth - window.innerWidth;
  if (over <= 0) return null;
  const culprits = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .filter((el) => !(el.parentElement && el.parentElement.closest(".table-scroll")))
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : ""));
  return over + " px, widest: " + culprits.slice(-3).join(", ");
}"""


def document_overflow(page: Page) -> str | None:
    """How much wider than the screen the page is, and the innermost elements that stick out;
    None when it fits."""
    return page.evaluate(WIDEST)


@pytest.mark.parametrize("width", [360, 412])
def test_no_page_is_wider_than_a_phone(
    browser: Browser, live_server: str, live_app: Flask, width: int
) -> None:
    reference, trip_id = a_paid_booking(live_app)
    reset_page = f"/reset-password/{reset_link_token(live_app)}"
    tomorrow = (clock.today_in_lagos() + timedelta(days=1)).isoformat()
    passenger_pages = [
        "/",
        f"/trips?origin=lagos&destination=abuja&date={tomorrow}",
        f"/trips?origin=lagos&destination=abuja&date={tomorrow}&sort=price&time=morning",
        f"/trips/{trip_id}",
        f"/bookings/{reference}/cancel",
        "/account/bookings",
        f"/bookings/{reference}",
        "/account/tokens",
        "/account",
    ]
    admin_pages = [
        "/admin",
        "/admin/settlements",
        "/admin/bookings",
        f"/admin/bookings/{reference}",
        "/admin/refunds",
        "/admin/trips",
        "/admin/audit",
        "/admin/staff",
        "/admin/jobs",
        "/admin/payments",
        f"/admin/trips/{trip_id}",
        f"/admin/trips/{trip_id}/board",
        f"/admin/trips/{trip_id}/cancel",
    ]
    more_admin_pages, staff_pages = back_office_pages(live_app)
    too_wide = {}
    for who, urls in (
        (None, ["/login", "/register", "/forgot-password", "/find-booking", reset_page]),
        (PASSENGER, passenger_pages),
        (ADMIN, admin_pages + more_admin_pages),
        (STAFF, staff_pages),
    ):
        context = browser.new_context(
            base_url=live_server, viewport={"width": width, "height": 800}
        )
        page = context.new_page()
        if who:
            log_in(page, who)
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, (who, url, response.status)
            if overflow := document_overflow(page):
                too_wide[url] = overflow
        context.close()

    assert too_wide == {}, f"pages wider than {width} px (by how much): {too_wide}"
