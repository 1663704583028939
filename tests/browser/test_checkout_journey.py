"""A passenger pays in Chromium: seat map → hold → details → summary → the sandbox's hosted
page → back → ticket with its QR code. And a declined card, then a second try."""

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_seat_map import coach_trip_id
from tests.factories import PASSWORD, create_user
from webapp.extensions import db

pytestmark = pytest.mark.browser


def new_passenger(app: Flask) -> str:
    with app.app_context():
        email = create_user(name="Chiamaka Eze").email
        db.session.remove()
        return email


def phone_page(browser: Browser, live_server: str) -> tuple[Page, list[str]]:
    context = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Pages answered 422 (a form sent empty on purpose) or 402 (a declined card) say so in the
    # console; anything else is a problem.
    expected = re.compile(r"status of (402|422)")
    page.on(
        "console",
        lambda m: m.type == "error" and not expected.search(m.text) and errors.append(m.text),
    )
    return page, errors


def hold_and_fill_details(page: Page, live_app: Flask, seats: list[str]) -> None:
    email = new_passenger(live_app)
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(f"/trips/{coach_trip_id(live_app)}")
    for seat in seats:
        page.get_by_role("button", name=f"Seat {seat}, free").click()
    page.locator("#hold-button").click()
    expect(page.locator("#held-seats")).to_have_text(", ".join(seats))
    page.get_by_role("link", name="Continue: passenger details").click()

    expect(page.locator("#countdown .remaining")).to_have_text(re.compile(r"\(\d+:\d\d left\)"))
    page.get_by_role("button", name="Continue to summary").click()  # nothing filled in yet
    expect(page.locator(f"#phone-{seats[0]}-error")).to_be_visible()
    for n, seat in enumerate(seats):
        page.locator(f"#name-{seat}").fill(f"Passenger {n + 1}")
        page.locator(f"#phone-{seat}").fill(f"0803 123 45{n:02d}")
    page.get_by_role("button", name="Continue to summary").click()


def test_book_and_pay_end_to_end(
    browser: Browser, live_server: str, live_app: Flask, screenshots: Path
) -> None:
    page, errors = phone_page(browser, live_server)
    hold_and_fill_details(page, live_app, ["5A", "5B"])

    expect(page.locator("#total-amount")).to_contain_text("₦")
    page.screenshot(path=str(screenshots / "checkout-summary.png"), full_page=True)
    page.locator("#pay-button").click()

    expect(page).to_have_url(re.compile(r"/sandbox/flutterwave/checkout/"))
    page.screenshot(path=str(screenshots / "sandbox-hosted-page.png"), full_page=True)
    page.get_by_label(re.compile("5531 8866 5214 2950")).check()
    page.locator("#pay-button").click()

    # The return page answers at once, asks the gateway, then shows the ticket by itself.
    expect(page).to_have_url(re.compile(r"/bookings/RP-"))
    expect(page.locator("#booking-status")).to_contain_text("Confirmed")
    expect(page.locator("#ticket-qr svg")).to_be_visible()
    expect(page.locator("#passengers tbody tr")).to_have_count(2)
    page.screenshot(path=str(screenshots / "ticket.png"), full_page=True)
    expect(page.locator("#cancel-quote")).to_contain_text("If you cancel now you get back")
    page.get_by_role("link", name="Cancel this booking…").click()
    expect(page.locator("#cancel-quote")).to_contain_text("You will get back")
    page.get_by_role("button", name=re.compile("Yes, cancel")).click()
    expect(page.locator(".flash-success")).to_contain_text("is cancelled")
    expect(page.locator("#booking-status")).to_contain_text("Cancelled")
    expect(page.locator("#refunds li")).to_have_count(1)
    page.screenshot(path=str(screenshots / "ticket-cancelled.png"), full_page=True)
    page.get_by_role("link", name="My bookings", exact=True).click()
    expect(page.locator("#bookings tbody tr")).to_have_count(1)
    assert errors == []


def test_admin_jobs_page(browser: Browser, live_server: str, screenshots: Path) -> None:
    from webapp.demo.data import DEMO_PASSWORD

    page, errors = phone_page(browser, live_server)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.get_by_label("E-mail address").fill("admin@roadpass.example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Back office").click()
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Jobs").click()

    expect(page.locator("#jobs tbody tr")).to_have_count(7)
    page.locator('tr[data-job="cleanup-idempotency"] button').click()
    expect(page.locator(".flash-success")).to_contain_text("cleanup-idempotency is queued")
    page.screenshot(path=str(screenshots / "admin-jobs.png"), full_page=True)
    assert errors == []


def test_a_declined_card_then_a_second_try(
    browser: Browser, live_server: str, live_app: Flask, screenshots: Path
) -> None:
    page, errors = phone_page(browser, live_server)
    hold_and_fill_details(page, live_app, ["6C"])
    page.locator("#pay-button").click()

    page.get_by_label(re.compile("insufficient funds")).check()
    page.locator("#pay-button").click()
    expect(page.locator("#checkout-error")).to_contain_text("Insufficient funds")
    page.get_by_role("button", name="Give up and return to the merchant").click()

    expect(page.locator("#payment-failed")).to_contain_text("did not go through")
    page.screenshot(path=str(screenshots / "payment-failed.png"), full_page=True)
    page.get_by_role("link", name="Try again").click()
    expect(page.locator("#last-payment")).to_be_visible()
    page.locator("#pay-button").click()
    page.locator("#pay-button").click()  # the default card succeeds

    # The return page waits for verification, then the status fragment sends us to the ticket.
    expect(page).to_have_url(re.compile(r"/bookings/RP-"))
    expect(page.locator("#booking-status")).to_contain_text("Confirmed")
    assert errors == []
