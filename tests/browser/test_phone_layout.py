"""Every page fits a phone: at 360 and 412 px wide no document is wider than the screen, so
nothing needs a sideways scroll (a wide admin table scrolls inside its own card)."""

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from tests.browser.test_seat_map import coach_trip_id, log_in
from tests.factories import create_booked_seats
from webapp import clock
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.trips.models import Trip, TripSeat

pytestmark = pytest.mark.browser

PASSENGER = "passenger@roadpass.example.com"
ADMIN = "admin@roadpass.example.com"


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
        "/account/sessions",
        "/account/password",
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
    too_wide = {}
    for who, urls in (
        (None, ["/login", "/register"]),
        (PASSENGER, passenger_pages),
        (ADMIN, admin_pages),
    ):
        context = browser.new_context(
            base_url=live_server, viewport={"width": width, "height": 800}
        )
        page = context.new_page()
        if who:
            log_in(page, who)
        for url in urls:
            page.goto(url)
            if overflow := document_overflow(page):
                too_wide[url] = overflow
        context.close()

    assert too_wide == {}, f"pages wider than {width} px (by how much): {too_wide}"
