"""Accessibility proven (issue 15, deliverable 7): axe-core, pinned in tests/browser/axe/ and
installed by `make test`, runs in Chromium on every page of the passenger's way through and on
every back-office page, as an admin and as an operator's staff. No serious or critical
violation is allowed; each page's summary is printed.
Then the whole booking, from search to ticket, is done with the keyboard alone."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from tests.browser.conftest import AXE
from tests.browser.test_phone_layout import STAFF, back_office_pages
from tests.browser.test_seat_grid import in_app, log_in, new_trip
from tests.factories import PASSWORD, create_user
from webapp import clock
from webapp.booking.models import Booking
from webapp.booking.services import hold_seats
from webapp.demo.data import DEMO_PASSWORD
from webapp.extensions import db
from webapp.payments.models import Payment
from webapp.trips.models import Trip

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


def axe_problems(page: Page, name: str, report: list[str]) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
        " target: v.nodes[0] && v.nodes[0].target.join(' ')})); }"
    )
    counts = dict.fromkeys(("minor", "moderate", "serious", "critical"), 0)
    for violation in result:
        counts[violation["impact"] or "minor"] += 1
    report.append(f"{name:<22} {page.url.split('//', 1)[1].split('/', 1)[1][:50]:<52} {counts}")
    return [
        f"{name}: {v['id']} ({v['impact']}, {v['nodes']} nodes, e.g. {v['target']})"
        for v in result
        if v["impact"] in BLOCKING
    ]


def test_no_serious_or_critical_axe_violation_on_any_page(
    a11y: BrowserContext, live_app: Flask
) -> None:
    trip_id = new_trip(live_app)

    def passenger_with_a_hold() -> tuple[str, str, str]:
        user = create_user()
        booking = db.session.get(Booking, hold_seats(user.id, trip_id, ["2A"]).booking_id)
        trip = db.session.get(Trip, trip_id)
        search = (
            f"/trips?origin={trip.route.origin.slug}&destination={trip.route.destination.slug}"
            f"&date={(trip.departs_at + timedelta(hours=1)).date().isoformat()}"
        )
        return user.email, booking.reference, search

    email, reference, search = in_app(live_app, passenger_with_a_hold)
    page = a11y.new_page()
    problems: list[str] = []
    report: list[str] = []

    def check(name: str, path: str | None = None) -> None:
        if path:
            page.goto(path)
        problems.extend(axe_problems(page, name, report))

    check("home", "/")
    check("login", "/login")
    check("register", "/register")
    check("find my booking", "/find-booking")
    check("forgot password", "/forgot-password")
    log_in(page, email)
    check("account", "/account")
    check("results", search)
    check("seat map (held)", f"/trips/{trip_id}")
    check("details", f"/bookings/{reference}/checkout")
    page.get_by_label("Full name").fill("Ngozi Okafor")
    page.get_by_label("Phone number").fill("0803 123 4567")
    page.get_by_role("button", name="Continue to summary").click()
    expect(page).to_have_url(re.compile("/summary$"))
    check("summary")
    page.locator("#pay-button").click()
    expect(page).to_have_url(re.compile("/sandbox/flutterwave/checkout/"))
    page.locator("#pay-button").click()
    expect(page).to_have_url(re.compile(rf"/bookings/{reference}$"))
    check("ticket")
    tx_ref = in_app(
        live_app,
        lambda: db.session.scalar(
            select(Payment.tx_ref).join(Booking).where(Booking.reference == reference)
        ),
    )
    check("return", f"/payments/return?status=successful&tx_ref={tx_ref}")
    check("cancel booking", f"/bookings/{reference}/cancel")
    check("my bookings", "/account/bookings")
    check("api tokens", "/account/tokens")
    check("seat map (paid)", f"/trips/{trip_id}")

    admin = a11y.new_page()
    admin.goto("/login")
    admin.get_by_label("E-mail address").fill("admin@roadpass.example.com")
    admin.get_by_label("Password").fill(DEMO_PASSWORD)
    admin.get_by_label("Password").press("Enter")
    expect(admin.get_by_role("button", name="Log out")).to_be_visible()
    page = admin
    more_admin_pages, staff_pages = back_office_pages(live_app)
    check("admin dashboard", "/admin")
    for name in ("bookings", "refunds", "trips", "audit", "staff", "settlements"):
        check(f"admin {name}", f"/admin/{name}")
    check("admin booking", f"/admin/bookings/{reference}")
    check("admin jobs", "/admin/jobs")
    check("admin payments", "/admin/payments")
    check("admin trip", f"/admin/trips/{trip_id}")
    check("admin board", f"/admin/trips/{trip_id}/board")
    check("admin cancel trip", f"/admin/trips/{trip_id}/cancel")
    for path in more_admin_pages:
        check("admin " + path.split("/")[2].split("?")[0], path)

    staff = a11y.new_page()
    staff.goto("/login")
    staff.get_by_label("E-mail address").fill(STAFF)
    staff.get_by_label("Password").fill(DEMO_PASSWORD)
    staff.get_by_label("Password").press("Enter")
    expect(staff.get_by_role("button", name="Log out")).to_be_visible()
    page = staff
    for path in staff_pages:
        check("staff " + path.split("/")[2], path)

    print("\naxe-core summary (violations per impact):\n" + "\n".join(report))
    assert problems == [], "\n".join(problems)


def tab_to(page: Page, selector: str, limit: int = 250) -> None:
    """Press Tab until the focused element matches `selector` (the keyboard's only way on)."""
    for _ in range(limit):
        page.wait_for_load_state("domcontentloaded")
        try:
            here = page.evaluate(
                "s => !!document.activeElement && document.activeElement.matches(s)", selector
            )
        except PlaywrightError:  # the page was still navigating after Enter: look again
            continue
        if here:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{limit} Tabs never reached {selector} on {page.url}")


def test_a_whole_booking_with_the_keyboard_alone(
    browser: Browser, live_server: str, live_app: Flask, screenshots: Path
) -> None:
    trip_id = new_trip(live_app)

    def trip_facts() -> tuple[str, str, str, str]:
        trip = db.session.get(Trip, trip_id)
        day = trip.departs_at.astimezone(clock.LAGOS).date()
        return (
            trip.route.origin.name,
            trip.route.destination.name,
            day.strftime("%m%d%Y"),
            create_user().email,
        )

    origin, destination, typed_day, email = in_app(live_app, trip_facts)
    context = browser.new_context(
        base_url=live_server, viewport={"width": 412, "height": 900}, locale="en-US"
    )
    page = context.new_page()
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Search
    tab_to(page, "#origin")
    page.keyboard.type(origin)
    tab_to(page, "#destination")
    page.keyboard.type(destination)
    tab_to(page, "#date")
    page.keyboard.type(typed_day)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/trips\?"))

    # Seat: the map is one Tab stop; arrows move; Space chooses; Hold; focus goes to the panel.
    tab_to(page, f'a[href="/trips/{trip_id}"]')
    page.keyboard.press("Enter")
    tab_to(page, "#seat-map button.seat[tabindex='0']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(page.locator("#seat-2B")).to_have_attribute("aria-pressed", "true")
    tab_to(page, "#hold-button")
    page.keyboard.press("Enter")
    expect(page.locator("#panel-heading")).to_be_focused()
    expect(page.locator("#held-seats")).to_have_text("2B")
    tab_to(page, "#checkout-link")
    page.keyboard.press("Enter")

    # Details, summary, the sandbox's hosted page, back to the ticket.
    tab_to(page, "#name-2B")
    page.keyboard.type("Emeka Nwosu")
    tab_to(page, "#phone-2B")
    page.keyboard.type("0803 123 4567")
    tab_to(page, "#continue-button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/summary$"))
    tab_to(page, "#pay-button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/sandbox/flutterwave/checkout/"))
    tab_to(page, "#pay-button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/bookings/RP-[A-Z0-9]+$"))
    expect(page.locator("#booking-status")).to_contain_text("Confirmed")
    expect(page.locator("#passengers")).to_contain_text("Emeka Nwosu")
    page.screenshot(path=str(screenshots / "keyboard-journey-ticket.png"), full_page=True)
    context.close()
