"""Admins settle a month in Chromium: calculate, open the statement, approve as one admin,
send as another, and see it PAID once the transfer is checked with the gateway."""

from pathlib import Path

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser, expect

from tests.browser.test_seat_map import log_in
from tests.factories import (
    PASSWORD,
    create_layout,
    create_operator,
    create_trip,
    create_user,
    held,
)
from tests.ledger.money import gateway_says, open_payment
from webapp import clock
from webapp.extensions import db
from webapp.settlements.months import month_of

pytestmark = pytest.mark.browser


def a_month_to_settle(app: Flask) -> dict:
    with app.app_context():
        operator = create_operator(
            slug="browser-lines",
            name="Browser Lines",
            payout_bank_code="044",
            payout_bank_name="Access Bank",
            payout_account_number="0690000032",
        )
        trip = create_trip(
            operator=operator, fare_amount=1_000_000, layout=create_layout([["SS.SS"] * 2])
        )
        gateway_says(open_payment(held(create_user().id, trip.id, ["1A", "1B"])), fee=500)
        admins = [create_user(role="admin", name=n).email for n in ("Ada Admin", "Bayo Admin")]
        db.session.remove()
    return {"slug": "browser-lines", "month": month_of(clock.now()), "admins": admins}


def test_calculate_approve_send_paid(
    browser: Browser, live_app: Flask, live_server: str, screenshots: Path
) -> None:
    facts = a_month_to_settle(live_app)
    sandbox = f"{live_server}/sandbox/flutterwave"
    requests.post(f"{sandbox}/control/transfers/faults", json={"complete": "manual"}, timeout=5)
    first = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 1000})
    page = first.new_page()

    log_in(page, facts["admins"][0], PASSWORD)
    page.get_by_role("link", name="Back office").click()
    page.get_by_role("navigation", name="Back office").get_by_role(
        "link", name="Settlements"
    ).click()
    page.get_by_label("Month").first.fill(facts["month"])
    page.get_by_label("Operator (slug, optional)").fill(facts["slug"])
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator(".flash-success")).to_contain_text("1 created")
    page.screenshot(path=str(screenshots / "settlements-list.png"), full_page=True)
    page.locator("#settlements tr[data-status=CALCULATED] a").first.click()
    expect(page.locator("#settlement-status")).to_have_attribute("data-status", "CALCULATED")
    expect(page.locator("#closing-balance")).to_have_text("₦18,400.00")
    expect(page.locator("#payout-account")).to_contain_text("••••••0032")
    page.get_by_role("button", name="Approve (resolves the payout account)").click()
    expect(page.locator("#settlement-status")).to_have_attribute("data-status", "APPROVED")
    expect(page.locator("#resolved-name")).to_have_text("Pastor Bright")
    expect(page.locator("#four-eyes-note")).to_be_visible()
    page.screenshot(path=str(screenshots / "settlement-approved.png"), full_page=True)
    detail = page.url
    first.close()

    second = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 1000})
    page = second.new_page()
    log_in(page, facts["admins"][1], PASSWORD)
    page.goto(detail)
    page.get_by_role("button", name="Send ₦18,400.00 to Pastor Bright").click()
    expect(page.locator("#settlement-status")).to_have_attribute("data-status", "PAYING")
    transfer = requests.get(f"{sandbox}/control/transfers", timeout=5).json()["transfers"][-1]
    assert transfer["reference"].startswith("RP-STL-")
    requests.post(f"{sandbox}/control/transfers/{transfer['id']}/complete", timeout=10)
    page.get_by_role("button", name="Check the transfer with Flutterwave").click()
    expect(page.locator("#settlement-status")).to_have_attribute("data-status", "PAID")
    expect(page.locator("#transfers tr[data-status=SUCCESSFUL]")).to_have_count(1)
    page.screenshot(path=str(screenshots / "settlement-paid.png"), full_page=True)
    page.get_by_role("link", name="Printable statement").click()
    expect(page.locator("#closing-balance")).to_have_text("₦18,400.00")
    page.screenshot(path=str(screenshots / "settlement-statement.png"), full_page=True)
    second.close()
    requests.post(f"{sandbox}/control/transfers/reset", timeout=5)
