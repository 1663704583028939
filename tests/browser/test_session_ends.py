"""Defect 3: logged out in another tab, then sending the passenger details: the typed details
were lost on a 400 page. Now the passenger logs in again and finds them in the form."""

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from tests.browser.test_seat_grid import fill_login, log_in, new_trip
from tests.factories import create_user
from webapp.booking.models import Booking
from webapp.booking.services import hold_seats
from webapp.extensions import db

pytestmark = pytest.mark.browser


def test_details_typed_before_a_logout_elsewhere_survive_logging_in(
    browser: Browser, live_server: str, live_app: Flask
) -> None:
    trip_id = new_trip(live_app)
    with live_app.app_context():
        user = create_user()
        email = user.email
        reference = db.session.get(
            Booking, hold_seats(user.id, trip_id, ["2B"]).booking_id
        ).reference
        db.session.remove()
    context = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 900})
    form_tab = context.new_page()
    log_in(form_tab, email)
    form_tab.goto(f"/bookings/{reference}/checkout")
    other_tab = context.new_page()
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Log out").click()
    expect(other_tab.get_by_role("link", name="Log in")).to_be_visible()

    form_tab.get_by_label("Full name").fill("Chiamaka Eze")
    form_tab.get_by_label("Phone number").fill("0805 555 1234")
    form_tab.get_by_role("button", name="Continue to summary").click()

    expect(form_tab).to_have_url(re.compile(r"/login\?next="))
    expect(form_tab.locator("p.flash-error[role=status]")).to_contain_text("What you typed is kept")
    fill_login(form_tab, email)
    expect(form_tab).to_have_url(re.compile(rf"/bookings/{reference}/checkout$"))
    expect(form_tab.get_by_label("Full name")).to_have_value("Chiamaka Eze")
    expect(form_tab.get_by_label("Phone number")).to_have_value("0805 555 1234")
    form_tab.get_by_role("button", name="Continue to summary").click()
    expect(form_tab).to_have_url(re.compile(rf"/bookings/{reference}/summary$"))
    expect(form_tab.locator("#passengers")).to_contain_text("Chiamaka Eze")
    context.close()
