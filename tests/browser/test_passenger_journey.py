"""A passenger, in Chromium, on a phone-sized screen: register, log out, log in, search."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from webapp import clock

pytestmark = pytest.mark.browser


def test_register_log_in_and_find_tomorrows_buses(page: Page, screenshots: Path) -> None:
    page.goto("/register")
    page.get_by_label("Full name").fill("Ngozi Adeyemi")
    page.get_by_label("E-mail address").fill("ngozi@example.com")
    page.get_by_label("Phone number").fill("234-805-555-0101")
    page.get_by_label("Password", exact=True).fill("lagos to abuja by road")
    page.get_by_label("Repeat password").fill("lagos to abuja by road")
    page.screenshot(path=screenshots / "register-with-phone.png", full_page=True)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome to Roadpass, Ngozi Adeyemi")
    page.get_by_role("link", name="Account").click()
    expect(page.locator("#account-phone")).to_have_text("+2348055550101")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill("ngozi@example.com")
    page.get_by_label("Password").fill("lagos to abuja by road")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    tomorrow = (clock.today_in_lagos() + timedelta(days=1)).isoformat()
    page.get_by_label("From").select_option(label="Lagos")
    page.get_by_label("To").select_option(label="Abuja")
    page.get_by_label("Date").fill(tomorrow)
    page.get_by_role("button", name="Find buses").click()

    expect(page).to_have_url(re.compile(r"/trips\?origin=lagos&destination=abuja"))
    trips = page.locator("#trip-list li.trip")
    expect(trips.first).to_be_visible()
    assert trips.count() >= 2
    expect(trips.first.locator(".fare")).to_have_text(re.compile(r"^₦[\d,]+\.00$"))
    assert page.evaluate("typeof window.htmx") == "object", "pinned htmx did not load"
    page.screenshot(path=str(screenshots / "search-results.png"), full_page=True)
    assert page.console_problems == []


def test_bad_search_and_wrong_password_are_explained(page: Page) -> None:
    page.goto("/trips?origin=lagos&destination=atlantis&date=2020-01-01")
    expect(page.locator("#destination-error")).to_contain_text("don't serve that city")
    expect(page.locator("#date-error")).to_contain_text("has passed")

    page.goto("/login")
    page.get_by_label("E-mail address").fill("passenger@roadpass.example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("The e-mail address or password is incorrect.")
    assert page.console_problems == []
