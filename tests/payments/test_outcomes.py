"""Successful, failed and cancelled payments, end to end over HTTP against the sandbox."""

import requests
from bs4 import BeautifulSoup

from tests.paysite import (
    audit_count,
    events_for,
    finish_checkout,
    query_of,
    status_of,
)


def test_successful_payment_confirms_the_booking_and_books_the_seats(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["1A", "1B"])
    payment = ada.pay(booking)

    assert payment["status"] == "PENDING"
    assert payment["amount"] == booking["totalAmount"] == 2 * (1_500_000 + 25_000)
    assert payment["txRef"] == f"{booking['reference']}-1"
    location = finish_checkout(payment["checkoutUrl"], "successful")
    assert query_of(location)["status"] == "successful"
    page = ada.come_back(location)

    assert page.status_code == 200
    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    seats = pay_site.sql(
        "SELECT label, status, booking_id FROM trip_seats WHERE trip_id = :t AND label IN "
        "('1A', '1B') ORDER BY label",
        t=trip_id,
    )
    assert seats == [("1A", "booked", booking["bookingId"]), ("1B", "booked", booking["bookingId"])]
    stored = pay_site.sql(
        "SELECT paid_amount, gateway_fee, gateway_transaction_id FROM payments WHERE id = :p",
        p=payment["paymentId"],
    )[0]
    assert stored[0] == payment["amount"]
    assert stored[1] == 42_700  # app_fee: 1.4% of ₦30,500, from the verify answer
    assert stored[2] == query_of(location)["transaction_id"]
    outbox = pay_site.sql(
        "SELECT kind, to_email, body FROM notifications WHERE booking_id = :b",
        b=booking["bookingId"],
    )
    assert [(kind, to) for kind, to, _ in outbox] == [("booking-confirmed", ada.email)]
    assert f"/bookings/{booking['reference']}" in outbox[0][2]
    # The webhook arrives too; still exactly one transition of each kind.
    assert sandbox.deliver() == 1
    pay_site.run_jobs()
    assert events_for(pay_site, payment["txRef"], processed=True) == 1
    assert audit_count(pay_site, "payment.successful", "payment", payment["paymentId"]) == 1
    assert audit_count(pay_site, "booking.confirmed", "booking", booking["bookingId"]) == 1
    ticket = BeautifulSoup(page.text, "html.parser")
    assert ticket.find(id="payment-confirmed") is not None


def test_failed_payment_keeps_the_hold_and_a_retry_can_succeed(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["2A"])
    first = ada.pay(booking)
    location = finish_checkout(first["checkoutUrl"], "failed")
    page = BeautifulSoup(ada.come_back(location).text, "html.parser")

    assert status_of(pay_site, booking["bookingId"]) == (
        "PENDING_PAYMENT",
        [("FAILED", "DECLINED")],
    )
    assert page.find(id="payment-failed") is not None
    assert page.find(id="retry-link") is not None
    held = pay_site.sql(
        "SELECT status FROM trip_seats WHERE trip_id = :t AND label = '2A'", t=trip_id
    )
    assert held == [("held",)]

    second = ada.pay(booking)
    assert second["txRef"] == f"{booking['reference']}-2"
    ada.come_back(finish_checkout(second["checkoutUrl"], "successful"))

    assert status_of(pay_site, booking["bookingId"]) == (
        "CONFIRMED",
        [("FAILED", "DECLINED"), ("SUCCESSFUL", None)],
    )
    # The late webhook of the failed attempt changes nothing.
    assert sandbox.deliver() == 2
    pay_site.run_jobs()
    assert ada.payment(first["paymentId"])["status"] == "FAILED"
    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"


def test_cancelled_payment_is_recorded_and_the_passenger_may_release(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["3A"])
    payment = ada.pay(booking)
    location = finish_checkout(payment["checkoutUrl"], "cancelled")

    assert query_of(location) == {"status": "cancelled", "tx_ref": payment["txRef"]}
    page = BeautifulSoup(ada.come_back(location).text, "html.parser")
    assert "cancelled" in page.find(id="payment-failed").get_text()
    assert status_of(pay_site, booking["bookingId"]) == ("PENDING_PAYMENT", [("CANCELLED", None)])
    released = requests.delete(
        f"{pay_site.url}/api/bookings/{booking['bookingId']}/hold", headers=ada.headers, timeout=5
    )
    assert released.status_code == 200, released.text
    assert status_of(pay_site, booking["bookingId"])[0] == "CANCELLED"


def test_release_is_refused_while_a_payment_is_in_flight(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["3B"])
    ada.pay(booking)

    response = requests.delete(
        f"{pay_site.url}/api/bookings/{booking['bookingId']}/hold", headers=ada.headers, timeout=5
    )

    assert response.status_code == 409
    assert response.json()["code"] == "HOLD_NOT_ACTIVE"
    assert status_of(pay_site, booking["bookingId"]) == ("PENDING_PAYMENT", [("PENDING", None)])
