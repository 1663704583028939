"""Boarding at the bus door on a phone-sized Chromium: type a reference and it boards; a forged
code, a ticket for another trip, a cancelled one and a second scan each say so; the manifest
shows the boarded seats. Without BarcodeDetector the camera's frames are read by the vendored
jsQR. Screenshots of the dashboard and the boarding page are kept."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from tests.admin.helpers import paid_booking
from tests.browser.test_phone_layout import ADMIN, a_paid_booking
from tests.browser.test_seat_map import log_in
from webapp import clock
from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.tickets.qr import signed_code
from webapp.trips.models import Trip, TripSeat

pytestmark = pytest.mark.browser


def other_trip_booking(app: Flask, trip_id: int) -> str:
    """A confirmed booking on some other trip than `trip_id`."""
    with app.app_context():
        other = db.session.scalar(select(Trip).where(Trip.id != trip_id).limit(1))
        labels = db.session.scalars(
            select(TripSeat.label)
            .where(TripSeat.trip_id == other.id, TripSeat.status == "available")
            .limit(4)
        ).all()
        # Paid on different days, so the dashboard's chart has something to draw.
        for days_ago, label in zip([9, 5, 2], labels[1:], strict=False):
            paid_booking(other, [label], clock.now() - timedelta(days=days_ago))
        reference = paid_booking(other, [labels[0]], clock.now()).reference
        db.session.remove()
    return reference


def cancel(app: Flask, reference: str) -> None:
    with app.app_context():
        booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
        booking.status, booking.cancel_reason = "CANCELLED", "PASSENGER_CANCELLED"
        db.session.commit()
        db.session.remove()


def test_boarding_on_a_phone(
    browser: Browser, live_server: str, live_app: Flask, screenshots: Path
) -> None:
    reference, trip_id = a_paid_booking(live_app)
    cancelled, _ = a_paid_booking(live_app)
    cancel(live_app, cancelled)
    elsewhere = other_trip_booking(live_app, trip_id)
    with live_app.test_request_context():
        forged = signed_code(reference).rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAAAA"
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, ADMIN)

    page.goto("/admin")
    expect(page.locator("#sales-chart")).to_be_visible()
    page.screenshot(path=str(screenshots / "admin-dashboard.png"), full_page=True)

    page.goto(f"/admin/trips/{trip_id}/board")
    result = page.locator("#board-result")
    for code, said in [
        (reference, "Boarded:"),
        (reference, "Already boarded:"),
        (forged, "Not a real ticket:"),
        (elsewhere, "Wrong bus:"),
        (cancelled, "Cancelled ticket:"),
    ]:
        page.get_by_label("Booking reference or scanned code").fill(code)
        page.get_by_role("button", name="Board", exact=True).click()
        expect(result).to_contain_text(said)
        if said == "Boarded:":
            page.screenshot(path=str(screenshots / "admin-boarding.png"), full_page=True)
    page.screenshot(path=str(screenshots / "admin-boarding-cancelled.png"), full_page=True)

    page.get_by_role("link", name="Manifest").click()
    boarded = page.locator(f'#manifest tr[data-reference="{reference}"][data-boarded]')
    expect(boarded).to_have_count(2)
    context.close()


FAKE_CAMERA = """(svg) => {
  // A phone without BarcodeDetector whose camera sees the ticket's QR code: the "camera" is a
  // canvas stream showing the SVG the ticket page drew, as a real frame would show it.
  delete window.BarcodeDetector;
  navigator.mediaDevices.getUserMedia = async () => {
    const image = new Image();
    image.src = "data:image/svg+xml;base64," + btoa(svg);
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 480;
    const context = canvas.getContext("2d");
    const draw = () => {
      context.fillStyle = "#d8d4c8";
      context.fillRect(0, 0, 640, 480);
      context.drawImage(image, 170, 90, 300, 300);
      window.requestAnimationFrame(draw);
    };
    draw();
    return canvas.captureStream(15);
  };
}"""


def test_scanning_without_barcode_detector_uses_the_vendored_reader(
    browser: Browser, live_server: str, live_app: Flask, screenshots: Path
) -> None:
    reference, trip_id = a_paid_booking(live_app)
    context = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 860})
    page = context.new_page()
    log_in(page, ADMIN)
    page.goto(f"/bookings/{reference}")
    svg = page.locator("#ticket-qr svg").evaluate("node => node.outerHTML")
    context.add_init_script(f"({FAKE_CAMERA})({json.dumps(svg)})")
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))

    page.goto(f"/admin/trips/{trip_id}/board")
    scan = page.get_by_role("button", name="Scan the QR code")
    expect(scan).to_be_visible()
    assert page.evaluate("typeof window.jsQR") == "undefined"
    assert not [url for url in loaded if "jsQR" in url]  # fetched only when it is needed
    scan.click()

    expect(page.locator("#board-result")).to_contain_text("Boarded:")
    expect(page.locator("#board-result")).to_contain_text(reference)
    assert [url for url in loaded if "jsQR" in url]
    page.screenshot(path=str(screenshots / "admin-boarding-scanned.png"), full_page=True)
    page.get_by_role("link", name="Manifest").click()
    boarded = page.locator(f'#manifest tr[data-reference="{reference}"][data-boarded]')
    expect(boarded).to_have_count(2)
    context.close()


def test_without_a_camera_the_reference_is_typed(
    browser: Browser, live_server: str, live_app: Flask
) -> None:
    reference, trip_id = a_paid_booking(live_app)
    context = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 860})
    context.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new Error('no camera'));"
    )
    page = context.new_page()
    log_in(page, ADMIN)
    page.goto(f"/admin/trips/{trip_id}/board")

    page.get_by_role("button", name="Scan the QR code").click()
    expect(page.locator("#scan-button")).to_have_text("Cannot scan here: type the reference")
    page.get_by_label("Booking reference or scanned code").fill(reference)
    page.get_by_role("button", name="Board", exact=True).click()
    expect(page.locator("#board-result")).to_contain_text("Boarded:")
    context.close()
