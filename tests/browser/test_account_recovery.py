"""In the browser, on a phone: forgetting a password and choosing a new one from the e-mailed
link, and opening a ticket booked on another device with *Find my booking*. Each page is
photographed (instance/screenshots/) and checked with axe-core."""

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from tests.browser.test_accessibility import axe_problems
from tests.browser.test_seat_grid import in_app, new_trip
from tests.factories import create_booked_seats, create_user
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.trips.models import Trip

pytestmark = pytest.mark.browser


def axe_clean(page: Page, name: str) -> None:
    report: list[str] = []
    problems = axe_problems(page, name, report)
    print(report[0])
    assert problems == []


def latest_reset_link(app: Flask, email: str) -> str:
    body = in_app(
        app,
        lambda: db.session.scalar(
            select(Notification.body)
            .where(Notification.to_email == email, Notification.kind == "password-reset")
            .order_by(Notification.id.desc())
        ),
    )
    return re.search(r"(/reset-password/\S+)", body).group(1)


def test_forgot_password_then_log_in_with_the_new_one(
    a11y: BrowserContext, live_app: Flask, screenshots: Path
) -> None:
    email = in_app(live_app, lambda: create_user().email)
    page = a11y.new_page()
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    axe_clean(page, "forgot password")
    page.get_by_label("E-mail address").fill(email)
    page.screenshot(path=screenshots / "reset-1-forgot.png", full_page=True)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    axe_clean(page, "reset link sent")
    page.screenshot(path=screenshots / "reset-2-sent.png", full_page=True)

    page.goto(latest_reset_link(live_app, email))
    axe_clean(page, "choose a new password")
    page.get_by_label("New password", exact=True).fill("a fresh road to kano")
    page.get_by_label("Repeat the new password").fill("a fresh road to kano")
    page.screenshot(path=screenshots / "reset-3-new-password.png", full_page=True)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    page.screenshot(path=screenshots / "reset-4-log-in.png", full_page=True)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("a fresh road to kano")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_find_my_booking_opens_the_ticket_without_an_account(
    a11y: BrowserContext, live_app: Flask, screenshots: Path
) -> None:
    trip_id = new_trip(live_app)
    page = a11y.new_page()

    def booked_elsewhere() -> str:
        booking = create_booked_seats(db.session.get(Trip, trip_id), ["1A"])
        booking.seats[0].passenger_name = "Kemi Balogun"
        booking.seats[0].passenger_phone = "+2348031234567"
        db.session.commit()
        return booking.reference

    reference = in_app(live_app, booked_elsewhere)
    page.goto("/")
    page.get_by_role("link", name="Find my booking").click()
    axe_clean(page, "find my booking")
    page.get_by_label("Booking reference").fill(reference.lower())
    page.get_by_label("Phone number of a passenger").fill("0803 123 4567")
    page.screenshot(path=screenshots / "find-booking-1-form.png", full_page=True)
    page.get_by_role("button", name="Find my booking").click()

    expect(page).to_have_url(re.compile(rf"/bookings/{reference}$"))
    expect(page.locator("#booking-reference")).to_have_text(reference)
    expect(page.locator("#found-note")).to_be_visible()
    axe_clean(page, "ticket (found)")
    page.screenshot(path=screenshots / "find-booking-2-ticket.png", full_page=True)
    pdf = page.request.get(page.locator("#ticket-pdf").get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
