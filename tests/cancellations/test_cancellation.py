"""Cancelling: the quote equals the refund made, per policy tier and for a cancelled trip."""

from datetime import timedelta

import pytest
import requests
from bs4 import BeautifulSoup

from tests.admin.test_admin_jobs import admin_of
from tests.factories import create_layout, create_trip, create_user
from tests.paysite import finish_checkout, paid_booking, settle_all, status_of
from webapp import clock

FARE = 1_500_000
FEE = 25_000


def trip_departing_in(site, hours: float) -> int:
    return site.prepare(
        lambda: (
            create_trip(
                fare_amount=FARE,
                layout=create_layout([["SS.SS"] * 3]),
                departs_at=clock.now() + timedelta(hours=hours),
            ).id
        )
    )


def api_cancel(site, ada, booking_id: int, **body):
    return requests.post(
        f"{site.url}/api/bookings/{booking_id}/cancel",
        json=body or None,
        headers=ada.headers,
        timeout=15,
    )


@pytest.mark.parametrize(("hours", "share"), [(72, 9000), (24, 5000), (6, 0)])
def test_quote_equals_the_refund_for_each_tier(pay_site, sandbox, shopper, hours, share) -> None:
    trip_id = trip_departing_in(pay_site, hours)
    ada, booking, payment = paid_booking(pay_site, shopper, trip_id, ["1A", "1B"])

    quote = requests.get(
        f"{pay_site.url}/api/bookings/{booking['bookingId']}/cancel", headers=ada.headers, timeout=5
    ).json()
    response = api_cancel(pay_site, ada, booking["bookingId"], expectedRefund=quote["refundAmount"])

    expected = 2 * FARE * share // 10_000
    assert quote["refundAmount"] == expected
    assert quote["serviceFeeKept"] == 2 * FEE
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "CANCELLED"
    seats = pay_site.sql(
        "SELECT status, booking_id FROM trip_seats WHERE trip_id = :t AND label IN ('1A', '1B')",
        t=trip_id,
    )
    assert seats == [("available", None)] * 2
    if expected == 0:
        assert body["refund"] is None
        assert pay_site.sql(
            "SELECT count(*) FROM refunds WHERE booking_id = :b", b=booking["bookingId"]
        ) == [(0,)]
    else:
        assert body["refund"]["amount"] == expected
        settle_all(pay_site, sandbox)
        assert pay_site.sql(
            "SELECT status FROM refunds WHERE booking_id = :b", b=booking["bookingId"]
        ) == [("COMPLETED",)]
        api_payment = ada.payment(payment["paymentId"])
        assert [(r["amount"], r["status"]) for r in api_payment["refunds"]] == [
            (expected, "COMPLETED")
        ]
    again = api_cancel(pay_site, ada, booking["bookingId"])
    assert again.status_code == 200
    assert pay_site.sql(
        "SELECT count(*) FROM refunds WHERE booking_id = :b", b=booking["bookingId"]
    )[0][0] == (1 if expected else 0)


def test_a_changed_quote_changes_nothing(pay_site, sandbox, shopper, travel) -> None:
    trip_id = trip_departing_in(pay_site, 49)
    ada, booking, _ = paid_booking(pay_site, shopper, trip_id, ["2A"])
    quoted = 9000 * FARE // 10_000
    travel(timedelta(hours=2))  # now under 48 h: the 50% tier

    response = api_cancel(pay_site, ada, booking["bookingId"], expectedRefund=quoted)

    assert response.status_code == 409
    assert response.json()["code"] == "QUOTE_CHANGED"
    assert response.json()["details"]["refundAmount"] == 5000 * FARE // 10_000
    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"


def test_cancel_from_the_ticket_page(pay_site, sandbox, shopper) -> None:
    trip_id = trip_departing_in(pay_site, 72)
    ada, booking, _ = paid_booking(pay_site, shopper, trip_id, ["3A"])
    url = f"{pay_site.url}/bookings/{booking['reference']}"
    ticket = BeautifulSoup(ada.browser.get(url, timeout=5).text, "html.parser")

    assert "₦13,500.00" in ticket.find(id="cancel-quote").get_text()
    assert ticket.find(id="cancel-form") is None  # one click on the ticket cancels nothing (9)
    confirm = ada.browser.get(f"{pay_site.url}{ticket.find(id='cancel-link')['href']}", timeout=5)
    confirm_page = BeautifulSoup(confirm.text, "html.parser")
    assert "₦13,500.00" in confirm_page.find(id="cancel-quote").get_text()
    form = confirm_page.find(id="cancel-form")
    data = {i["name"]: i["value"] for i in form.find_all("input")}
    done = ada.browser.post(f"{pay_site.url}{form['action']}", data=data, timeout=10)

    page = BeautifulSoup(done.text, "html.parser")
    assert "is cancelled" in page.find(class_="flash-success").get_text()
    assert page.find(id="ticket")["data-status"] == "CANCELLED"
    assert page.find(id="cancel-form") is None
    assert status_of(pay_site, booking["bookingId"])[0] == "CANCELLED"


def test_unpaid_or_foreign_bookings_cannot_be_cancelled(pay_site, sandbox, shopper) -> None:
    trip_id = trip_departing_in(pay_site, 72)
    ada, mallory = shopper(), shopper()
    held = ada.hold(trip_id, ["3B"])
    _, theirs, _ = paid_booking(pay_site, shopper, trip_id, ["3C"])

    assert api_cancel(pay_site, ada, held["bookingId"]).json()["code"] == "CANNOT_CANCEL"
    assert api_cancel(pay_site, mallory, theirs["bookingId"]).status_code == 404
    assert api_cancel(pay_site, ada, theirs["bookingId"], expectedRefund="lots").status_code == 422
    assert status_of(pay_site, theirs["bookingId"])[0] == "CONFIRMED"


def test_an_admin_cancels_a_trip_and_everyone_is_refunded_in_full(
    pay_site, sandbox, shopper
) -> None:
    trip_id = trip_departing_in(pay_site, 5)  # even under 12 h: the operator's fault, full refund
    _, first, _ = paid_booking(pay_site, shopper, trip_id, ["1A", "1B"])
    _, second, _ = paid_booking(pay_site, shopper, trip_id, ["2A"])
    holder = shopper()
    hold = holder.hold(trip_id, ["3A"])
    admin = shopper()
    pay_site.prepare(lambda: create_user(email=f"boss-{admin.user_id}@example.com", role="admin"))
    admin.email = f"boss-{admin.user_id}@example.com"
    admin.browser.cookies.clear()
    admin.log_in()
    assert holder.browser.get(f"{pay_site.url}/admin/trips/{trip_id}", timeout=5).status_code == 404

    page = BeautifulSoup(
        admin.browser.get(f"{pay_site.url}/admin/trips/{trip_id}", timeout=5).text, "html.parser"
    )
    # The manifest lists passengers: the three paid seats, not the live hold on 3A.
    assert [row["data-seat"] for row in page.select("#manifest tr[data-seat]")] == [
        "1A",
        "1B",
        "2A",
    ]
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    done = admin.browser.post(
        f"{pay_site.url}/admin/trips/{trip_id}/cancel",
        data={"csrf_token": token, "reason": "Bus failed its safety check"},
        timeout=15,
    )

    assert done.status_code == 200
    assert pay_site.sql("SELECT status FROM trips WHERE id = :t", t=trip_id) == [("CANCELLED",)]
    for booking, seats in ((first, 2), (second, 1)):
        assert pay_site.sql(
            "SELECT status, cancel_reason FROM bookings WHERE id = :b", b=booking["bookingId"]
        ) == [("CANCELLED", "TRIP_CANCELLED")]
        assert pay_site.sql(
            "SELECT amount, reason FROM refunds WHERE booking_id = :b", b=booking["bookingId"]
        ) == [(seats * (FARE + FEE), "TRIP_CANCELLED")]
        assert pay_site.sql(
            "SELECT kind FROM notifications WHERE booking_id = :b AND kind = 'trip-cancelled'",
            b=booking["bookingId"],
        ) == [("trip-cancelled",)]
    assert status_of(pay_site, hold["bookingId"])[0] == "CANCELLED"
    assert pay_site.sql(
        "SELECT count(*) FROM trip_seats WHERE trip_id = :t AND status <> 'available'", t=trip_id
    ) == [(0,)]
    settle_all(pay_site, sandbox)
    assert pay_site.sql(
        "SELECT count(*) FROM refunds r JOIN bookings b ON b.id = r.booking_id "
        "WHERE b.trip_id = :t AND r.status <> 'COMPLETED'",
        t=trip_id,
    ) == [(0,)]


def _cancel_trip_as(admin, pay_site, trip_id: int) -> BeautifulSoup:
    url = f"{pay_site.url}/admin/trips/{trip_id}/cancel"
    page = BeautifulSoup(admin.browser.get(url, timeout=5).text, "html.parser")
    form = page.find(id="cancel-trip-form")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    data["reason"] = "Bus failed its safety check"
    done = admin.browser.post(f"{pay_site.url}{form['action']}", data=data, timeout=15)
    assert done.status_code == 200
    return BeautifulSoup(done.text, "html.parser")


def test_a_cancelled_trip_closes_unpaid_checkouts_and_says_what_happened(
    pay_site, sandbox, shopper
) -> None:
    """Defect 4: an unpaid booking of a cancelled trip is not 'refunded in full'; its pending
    payment is closed at once; money paid afterwards is refunded, saying the trip was cancelled."""
    trip_id = trip_departing_in(pay_site, 30)
    ada = shopper()
    booking = ada.hold(trip_id, ["1A"])
    payment = ada.pay(booking)
    done = _cancel_trip_as(admin_of(pay_site, shopper), pay_site, trip_id)

    assert "1 paid booking" not in done.get_text()
    assert "0 paid bookings" in done.get_text()
    assert pay_site.sql(
        "SELECT status, failure_reason FROM payments WHERE id = :p", p=payment["paymentId"]
    ) == [("CANCELLED", "TRIP_CANCELLED")]
    ticket = BeautifulSoup(
        ada.browser.get(f"{pay_site.url}/bookings/{booking['reference']}", timeout=5).text,
        "html.parser",
    )
    status = ticket.find(id="booking-status").get_text(" ", strip=True)
    assert "Cancelled by the operator" in status
    assert "refunded" not in status
    assert "nothing was paid" in status

    back = ada.come_back(finish_checkout(payment["checkoutUrl"], "successful"))
    said = BeautifulSoup(back.text, "html.parser").find(id="payment-status").get_text(" ")
    assert "already paid" not in said
    assert "trip was cancelled" in said
    assert pay_site.sql(
        "SELECT amount, reason FROM refunds WHERE payment_id = :p", p=payment["paymentId"]
    ) == [(FARE + FEE, "PAID_AFTER_CANCELLATION")]
