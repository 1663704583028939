"""The seat map as one keyboard widget, and the rough edges of holding seats (issue 15: defects
6, 7, 8, 10, 12 and deliverables 2 and 3), in Chromium against the served demo."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD, create_booked_seats, create_layout, create_trip, create_user
from webapp.booking.models import Booking
from webapp.booking.services import hold_seats
from webapp.extensions import db
from webapp.trips.models import Trip

pytestmark = pytest.mark.browser


def in_app(app: Flask, make):
    with app.app_context():
        try:
            return make()
        finally:
            db.session.remove()


def new_trip(app: Flask) -> int:
    return in_app(app, lambda: create_trip(layout=create_layout([["SS.SS"] * 4])).id)


def new_passenger(app: Flask) -> str:
    return in_app(app, lambda: create_user().email)


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == []


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    fill_login(page, email)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def fill_login(page: Page, email: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_the_seat_map_is_one_tab_stop_moved_by_arrow_keys(
    phone: Page, live_app: Flask, screenshots: Path
) -> None:
    trip_id = new_trip(live_app)
    log_in(phone, new_passenger(live_app))
    phone.goto(f"/trips/{trip_id}")

    expect(phone.locator("#seat-map [role=grid]")).to_have_count(1)
    stops = phone.locator("#seat-map button.seat[tabindex='0']")
    expect(stops).to_have_count(1)
    expect(stops).to_have_id("seat-1A")
    phone.locator("#seat-1A").focus()
    phone.keyboard.press("ArrowRight")
    assert focused_id(phone) == "seat-1B"
    phone.keyboard.press("ArrowRight")  # past the aisle
    assert focused_id(phone) == "seat-1C"
    phone.keyboard.press("ArrowDown")
    assert focused_id(phone) == "seat-2C"
    phone.keyboard.press("Home")
    assert focused_id(phone) == "seat-2A"
    expect(phone.locator("#seat-map button.seat[tabindex='0']")).to_have_id("seat-2A")
    phone.keyboard.press("Space")
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("Enter")
    expect(phone.locator("#seat-2A")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#seat-2B")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#seat-announcer")).to_contain_text("Seat 2B chosen")

    phone.keyboard.press("Tab")  # one Tab leaves the whole map
    assert focused_id(phone) == "hold-button"
    phone.keyboard.press("Enter")
    expect(phone.locator("#held-seats")).to_have_text("2A, 2B")
    expect(phone.locator("#panel-heading")).to_be_focused()
    expect(phone.locator("#seat-announcer")).to_contain_text("2A, 2B are held for you")
    expect(phone.locator("#seat-2A")).to_have_attribute("aria-label", "Seat 2A, yours, held")
    phone.screenshot(path=str(screenshots / "seat-grid-held-phone.png"), full_page=True)


def test_paid_and_held_seats_of_the_passenger_read_differently(
    phone: Page, live_app: Flask, screenshots: Path
) -> None:
    trip_id = new_trip(live_app)

    def paid_and_held() -> str:
        user = create_user()
        trip = db.session.get(Trip, trip_id)
        create_booked_seats(trip, ["1A"], user)
        hold_seats(user.id, trip_id, ["3D"])
        create_booked_seats(trip, ["4A"])  # someone else's
        return user.email

    log_in(phone, in_app(live_app, paid_and_held))
    phone.goto(f"/trips/{trip_id}")

    expect(phone.locator("#seat-1A")).to_have_attribute("aria-label", "Seat 1A, yours, paid")
    expect(phone.locator("#seat-1A small")).to_have_text("yours, paid")
    expect(phone.locator("#seat-3D")).to_have_attribute("aria-label", "Seat 3D, yours, held")
    expect(phone.locator("#seat-4A")).to_have_attribute("aria-label", "Seat 4A, sold")
    styles = phone.evaluate(
        "['seat-1A', 'seat-3D', 'seat-4A'].map(id => getComputedStyle("
        "document.getElementById(id)).borderStyle + ' ' + getComputedStyle("
        "document.getElementById(id)).backgroundImage.slice(0, 15))"
    )
    assert len(set(styles)) == 3, styles  # three shapes, not three colours of one shape
    phone.locator("#seat-map").screenshot(path=str(screenshots / "seat-states.png"))


def test_a_seat_chosen_before_logging_in_is_still_chosen_after(
    phone: Page, live_app: Flask
) -> None:
    trip_id = new_trip(live_app)
    email = new_passenger(live_app)
    phone.goto(f"/trips/{trip_id}")
    phone.locator("#seat-3B").click()
    phone.get_by_role("link", name="Log in to hold seats").click()
    fill_login(phone, email)

    expect(phone).to_have_url(re.compile(rf"/trips/{trip_id}\?seats=3B$"))
    expect(phone.locator("#seat-3B")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#selection-summary")).to_contain_text("Seat 3B")
    phone.get_by_role("button", name=re.compile("Hold seats")).click()
    expect(phone.locator("#held-seats")).to_have_text("3B")


def test_a_refused_hold_keeps_the_choice_and_links_to_the_holds_in_the_way(
    phone: Page, live_app: Flask
) -> None:
    first, second, third = new_trip(live_app), new_trip(live_app), new_trip(live_app)

    def two_holds() -> tuple[str, list[str]]:
        user = create_user()
        refs = [
            db.session.get(Booking, hold_seats(user.id, trip, ["1A"]).booking_id).reference
            for trip in (first, second)
        ]
        return user.email, refs

    email, references = in_app(live_app, two_holds)
    log_in(phone, email)
    phone.goto(f"/trips/{third}")
    phone.locator("#seat-2C").click()
    phone.get_by_role("button", name=re.compile("Hold seats")).click()

    expect(phone.locator("#panel-error")).to_contain_text("already have 2 seat holds")
    expect(phone.locator("#other-holds a")).to_have_text(references)
    expect(phone.locator("#seat-2C")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#selection-summary")).to_contain_text("Seat 2C")

    phone.goto("/account/bookings")
    phone.get_by_role("button", name=f"Release seats of {references[0]}").click()
    expect(phone.locator(".flash-info")).to_contain_text(f"of {references[0]} are released")
    phone.goto(f"/trips/{third}?seats=2C")
    phone.get_by_role("button", name=re.compile("Hold seats")).click()
    expect(phone.locator("#held-seats")).to_have_text("2C")


def test_the_countdown_warns_at_two_minutes_and_says_when_the_seats_are_gone(
    phone: Page, live_app: Flask, screenshots: Path
) -> None:
    trip_id = new_trip(live_app)
    log_in(phone, new_passenger(live_app))
    phone.clock.install()
    phone.goto(f"/trips/{trip_id}")
    phone.locator("#seat-1D").click()
    phone.get_by_role("button", name=re.compile("Hold seats")).click()
    expect(phone.locator("#countdown .remaining")).to_have_text(re.compile(r"1[45]:\d\d left"))
    expect(phone.locator("#countdown")).not_to_have_class(re.compile("is-warning"))

    minutes = live_app.config["SEAT_HOLD_MINUTES"]
    phone.clock.fast_forward(f"{minutes - 2}:30")
    expect(phone.locator("#countdown")).to_have_class(re.compile("is-warning"))
    expect(phone.locator("#countdown-alert")).to_have_text(re.compile("Less than 2 minutes"))
    phone.screenshot(path=str(screenshots / "countdown-warning-phone.png"), full_page=True)

    phone.clock.fast_forward("02:00")
    expect(phone.locator("#countdown-alert")).to_contain_text("seats 1D were released")
    expect(phone.locator("#checkout-link")).to_be_hidden()
    expect(phone.locator("#panel-heading")).to_have_text("Your hold has ended")
    expect(phone.get_by_role("link", name="Choose seats again")).to_be_visible()
    phone.screenshot(path=str(screenshots / "countdown-over-phone.png"), full_page=True)


def test_results_are_sorted_and_filtered_with_the_form(
    phone: Page, live_app: Flask, screenshots: Path
) -> None:
    """Deliverable 4 in the browser: the refine form works as a plain GET form."""
    from datetime import timedelta

    from webapp import clock

    tomorrow = (clock.today_in_lagos() + timedelta(days=1)).isoformat()
    phone.goto(f"/trips?origin=lagos&destination=abuja&date={tomorrow}")
    expect(phone.locator("#nearby-days a")).to_have_count(7)
    expect(phone.get_by_label("Sort by")).to_be_hidden()  # folded away on a phone at first
    phone.get_by_text("Sort and filter").press("Enter")
    phone.get_by_label("Sort by").select_option("price")
    phone.get_by_label("Leaves in the").select_option("morning")
    phone.get_by_role("button", name="Show buses").click()

    expect(phone).to_have_url(re.compile(r"sort=price.*time=morning"))
    fares = [
        int(re.sub(r"\D", "", text)) for text in phone.locator("#trip-list .fare").all_inner_texts()
    ]
    assert fares == sorted(fares)
    departs = phone.locator("#trip-list .depart").all_inner_texts()
    assert all("05:00" <= hour < "12:00" for hour in departs), departs
    expect(phone.locator("#result-count")).to_contain_text("shown")
    phone.screenshot(path=str(screenshots / "results-filtered-phone.png"), full_page=True)
