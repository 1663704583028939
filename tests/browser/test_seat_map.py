"""Two passengers on one bus, in Chromium: choose, hold, see each other's holds live."""

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from webapp import clock
from webapp.demo.data import DEMO_PASSWORD
from webapp.extensions import db
from webapp.fleet.models import SeatLayout
from webapp.trips.models import Trip

pytestmark = pytest.mark.browser


def coach_trip_id(app: Flask) -> int:
    with app.app_context():
        trip_id = db.session.scalar(
            select(Trip.id)
            .join(SeatLayout, SeatLayout.id == Trip.layout_id)
            .where(SeatLayout.name == "Coach 2+2 (52)", Trip.departs_at > clock.now())
            .order_by(Trip.departs_at.desc())
            .limit(1)
        )
        db.session.remove()
        return trip_id


def log_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_hold_seats_and_watch_them_from_another_phone(
    browser: Browser, live_server: str, live_app: Flask, screenshots: Path
) -> None:
    trip_id = coach_trip_id(live_app)
    ada = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 900})
    tunde = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    ada_page, tunde_page = ada.new_page(), tunde.new_page()
    errors: list[str] = []
    for p in (ada_page, tunde_page):
        p.on("pageerror", lambda error: errors.append(str(error)))
        p.on("console", lambda m: m.type == "error" and errors.append(m.text))
    log_in(ada_page, "passenger@roadpass.example.com")
    log_in(tunde_page, "admin@roadpass.example.com")
    tunde_page.goto(f"/trips/{trip_id}")
    ada_page.goto(f"/trips/{trip_id}")

    # Ada picks 3A with a tap and 3B with the keyboard.
    ada_page.get_by_role("button", name="Seat 3A, free").click()
    ada_page.get_by_role("button", name="Seat 3B, free").focus()
    ada_page.keyboard.press("Space")
    expect(ada_page.locator("#seat-3A")).to_have_attribute("aria-pressed", "true")
    expect(ada_page.locator("#seat-3B")).to_have_attribute("aria-pressed", "true")
    expect(ada_page.locator("#seat-3A small")).to_have_text("chosen")
    expect(ada_page.locator("#selection-summary")).to_contain_text("Seats 3A, 3B")
    expect(ada_page.locator("#selection-summary")).to_contain_text("service fee")
    ada_page.screenshot(path=str(screenshots / "seat-map-choosing-phone.png"))
    ada_page.get_by_role("button", name=re.compile("Hold seats")).click()

    expect(ada_page.locator("#held-seats")).to_have_text("3A, 3B")
    # On a phone the panel sits below the map; the page brings the confirmation into view.
    box = ada_page.locator("#held-seats").bounding_box()
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= 900, box
    expect(ada_page.locator("#countdown .remaining")).to_have_text(
        re.compile(r"\(1[45]:\d\d left\)")
    )
    expect(ada_page.locator("#seat-3A")).to_have_attribute("aria-label", "Seat 3A, yours, held")
    ada_page.screenshot(path=str(screenshots / "seat-map-held-phone.png"), full_page=True)

    # Tunde's page, already open, learns of the hold by polling: no reload.
    expect(tunde_page.locator("#seat-3A")).to_have_attribute("aria-label", "Seat 3A, held")
    expect(tunde_page.locator("#seat-3A")).to_have_attribute("aria-disabled", "true")
    tunde_page.locator("#seat-3A").dispatch_event("click")  # a held seat cannot be chosen
    expect(tunde_page.locator("#selection-summary")).to_contain_text("Choose up to 6 free seats")
    tunde_page.screenshot(path=str(screenshots / "seat-map-desktop.png"), full_page=True)

    ada_page.get_by_role("button", name="Release seats").click()
    expect(ada_page.locator("#hold-form")).to_be_visible()
    expect(tunde_page.locator("#seat-3A")).to_have_attribute("aria-label", "Seat 3A, free")

    assert errors == []
    ada.close()
    tunde.close()


def test_a_seat_taken_while_chosen_is_dropped_with_a_message(
    browser: Browser, live_server: str, live_app: Flask
) -> None:
    trip_id = coach_trip_id(live_app)
    ada = browser.new_context(base_url=live_server)
    tunde = browser.new_context(base_url=live_server)
    ada_page, tunde_page = ada.new_page(), tunde.new_page()
    log_in(ada_page, "passenger@roadpass.example.com")
    log_in(tunde_page, "admin@roadpass.example.com")
    ada_page.goto(f"/trips/{trip_id}")
    tunde_page.goto(f"/trips/{trip_id}")

    ada_page.locator("#seat-5C").click()
    tunde_page.locator("#seat-5C").click()
    tunde_page.get_by_role("button", name=re.compile("Hold seats")).click()
    expect(tunde_page.locator("#held-seats")).to_have_text("5C")

    expect(ada_page.locator("#selection-summary")).to_contain_text("5C was just taken")
    expect(ada_page.locator("#seat-5C")).to_have_attribute("aria-label", "Seat 5C, held")
    tunde_page.get_by_role("button", name="Release seats").click()
    expect(tunde_page.locator("#hold-form")).to_be_visible()
    ada.close()
    tunde.close()
