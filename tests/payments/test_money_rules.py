"""What the verified amount, currency and timing decide (SPEC §3, §4)."""

from datetime import timedelta

import requests

from tests.paysite import finish_checkout, impatient_gateway, status_of


def refunds_of(site, booking_id: int) -> list[tuple]:
    """(amount, currency, reason) of the booking's refunds, once the jobs have paid them all."""
    site.run_jobs()
    statuses = site.sql("SELECT status FROM refunds WHERE booking_id = :b", b=booking_id)
    assert all(status == "COMPLETED" for (status,) in statuses), statuses
    return site.sql(
        "SELECT amount, currency, reason FROM refunds WHERE booking_id = :b ORDER BY id",
        b=booking_id,
    )


def test_overpayment_is_confirmed_and_the_excess_refunded(
    pay_site, sandbox, shopper, trip_id
) -> None:
    sandbox.faults(amount_delta="500.00", webhook="drop")
    ada = shopper()
    booking = ada.hold(trip_id, ["1A"])
    payment = ada.pay(booking)

    ada.come_back(finish_checkout(payment["checkoutUrl"], "successful"))

    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    assert refunds_of(pay_site, booking["bookingId"]) == [(50_000, "NGN", "OVERPAYMENT")]
    api = ada.payment(payment["paymentId"])
    assert [(r["amount"], r["status"]) for r in api["refunds"]] == [(50_000, "COMPLETED")]


def test_underpayment_is_not_confirmed_and_is_refunded(pay_site, sandbox, shopper, trip_id) -> None:
    sandbox.faults(amount_delta="-0.01", webhook="drop")
    ada = shopper()
    booking = ada.hold(trip_id, ["1B"])
    payment = ada.pay(booking)

    ada.come_back(finish_checkout(payment["checkoutUrl"], "successful"))

    assert status_of(pay_site, booking["bookingId"]) == (
        "PENDING_PAYMENT",
        [("FAILED", "UNDERPAYMENT")],
    )
    paid = payment["amount"] - 1
    assert refunds_of(pay_site, booking["bookingId"]) == [(paid, "NGN", "UNDERPAYMENT")]
    seat = pay_site.sql(
        "SELECT status FROM trip_seats WHERE trip_id = :t AND label = '1B'", t=trip_id
    )
    assert seat == [("held",)]  # still theirs to pay for properly while the hold lasts


def test_wrong_currency_is_not_confirmed_and_is_refunded(
    pay_site, sandbox, shopper, trip_id
) -> None:
    sandbox.faults(currency="USD", webhook="duplicate", webhook_copies=3, webhook_delay_seconds=0)
    ada = shopper()
    booking = ada.hold(trip_id, ["1C"])
    payment = ada.pay(booking)

    ada.come_back(finish_checkout(payment["checkoutUrl"], "successful"))
    assert sandbox.deliver() == 3  # the attempt's webhook, three times over
    pay_site.run_jobs()

    assert status_of(pay_site, booking["bookingId"]) == (
        "PENDING_PAYMENT",
        [("FAILED", "WRONG_CURRENCY")],
    )
    assert refunds_of(pay_site, booking["bookingId"]) == [
        (payment["amount"], "USD", "WRONG_CURRENCY")
    ]


def test_late_payment_with_the_seats_still_free_is_confirmed(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    sandbox.faults(webhook="drop")
    ada = shopper()
    booking = ada.hold(trip_id, ["2A", "2B"])
    payment = ada.pay(booking)
    travel(timedelta(minutes=25))  # the extended hold (20 minutes) is over

    ada.come_back(finish_checkout(payment["checkoutUrl"], "successful"))

    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    seats = pay_site.sql(
        "SELECT status, booking_id FROM trip_seats WHERE trip_id = :t AND label IN ('2A', '2B')",
        t=trip_id,
    )
    assert seats == [("booked", booking["bookingId"])] * 2
    assert refunds_of(pay_site, booking["bookingId"]) == []


def test_late_payment_after_the_seats_were_taken_cancels_and_refunds_in_full(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    sandbox.faults(webhook="drop")
    ada, bola = shopper(), shopper()
    booking = ada.hold(trip_id, ["3A", "3B"])
    payment = ada.pay(booking)
    travel(timedelta(minutes=25))
    bolas = bola.hold(trip_id, ["3B"])  # one of the two seats went to someone else

    page = ada.come_back(finish_checkout(payment["checkoutUrl"], "successful"))

    assert status_of(pay_site, booking["bookingId"]) == ("CANCELLED", [("SUCCESSFUL", None)])
    assert pay_site.sql(
        "SELECT cancel_reason FROM bookings WHERE id = :b", b=booking["bookingId"]
    ) == [("SEATS_LOST",)]
    assert refunds_of(pay_site, booking["bookingId"]) == [(payment["amount"], "NGN", "SEATS_LOST")]
    seats = dict(
        pay_site.sql(
            "SELECT label, booking_id FROM trip_seats WHERE trip_id = :t AND label IN ('3A', '3B')",
            t=trip_id,
        )
    )
    assert seats == {"3A": None, "3B": bolas["bookingId"]}  # nothing half-taken
    assert pay_site.sql(
        "SELECT kind FROM notifications WHERE booking_id = :b ORDER BY id", b=booking["bookingId"]
    ) == [("seats-lost",), ("refund-completed",)]
    assert "seats were taken" in page.text


def test_gateway_503_on_verify_leaves_the_payment_pending_and_a_later_poll_confirms(
    pay_site, sandbox, shopper, trip_id
) -> None:
    sandbox.faults(webhook="drop", fail_next={"verify": [503, 429]})
    ada = shopper()
    booking = ada.hold(trip_id, ["4A"])
    payment = ada.pay(booking)
    location = finish_checkout(payment["checkoutUrl"], "successful")

    page = ada.come_back(location)  # 503
    assert page.status_code == 200
    assert "Confirming your payment" in page.text
    assert ada.payment(payment["paymentId"])["status"] == "PENDING"  # 429

    assert ada.payment(payment["paymentId"])["status"] == "SUCCESSFUL"
    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"


def test_polls_ask_the_gateway_about_a_payment_at_most_once_per_interval(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    sandbox.faults(webhook="drop", fail_next={"verify": [503, 503, 503]})
    ada = shopper()
    booking = ada.hold(trip_id, ["5A"])
    payment = ada.pay(booking)
    finish_checkout(payment["checkoutUrl"], "successful")
    status_url = f"{pay_site.url}/payments/{payment['paymentId']}/status"
    pay_site.app.config["PAYMENT_VERIFY_INTERVAL_SECONDS"] = 60
    try:
        api_polls = [ada.payment(payment["paymentId"])["status"] for _ in range(3)]
        page_polls = [
            ada.browser.get(status_url, allow_redirects=False).status_code for _ in range(2)
        ]
        left_after_five_polls = sandbox.faults_in_force()["fail_next"]["verify"]
        travel(timedelta(seconds=61))
        sandbox.faults(webhook="drop")  # the gateway answers again
        after_the_interval = ada.payment(payment["paymentId"])["status"]
    finally:
        pay_site.app.config["PAYMENT_VERIFY_INTERVAL_SECONDS"] = 0

    assert api_polls == ["PENDING"] * 3
    assert page_polls == [200, 200]
    assert left_after_five_polls == [503, 503]  # five polls, one question to the gateway
    assert after_the_interval == "SUCCESSFUL"
    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"


def test_verify_timeout_leaves_the_payment_pending(pay_site, sandbox, shopper, trip_id) -> None:
    sandbox.faults(webhook="drop", verify_latency_ms=2500)
    ada = shopper()
    booking = ada.hold(trip_id, ["4B"])
    payment = ada.pay(booking)
    finish_checkout(payment["checkoutUrl"], "successful")

    with impatient_gateway(pay_site, read_timeout=1):  # 2.5 s to answer: always too late
        assert ada.payment(payment["paymentId"])["status"] == "PENDING"
    sandbox.faults(webhook="drop")
    assert ada.payment(payment["paymentId"])["status"] == "SUCCESSFUL"


def test_checkout_unavailable_closes_the_attempt_and_says_so(
    pay_site, sandbox, shopper, trip_id
) -> None:
    sandbox.faults(fail_next={"create": [503]})
    ada = shopper()
    booking = ada.hold(trip_id, ["4C"])

    response = ada.start_payment(booking)

    assert response.status_code == 502
    assert response.json()["code"] == "GATEWAY_UNAVAILABLE"
    assert status_of(pay_site, booking["bookingId"]) == (
        "PENDING_PAYMENT",
        [("FAILED", "CHECKOUT_UNAVAILABLE")],
    )
    assert ada.start_payment(booking).status_code == 201  # and trying again works


def test_the_amount_sent_to_the_gateway_is_the_servers_total(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["5A", "5B"])

    response = ada.start_payment(booking, amount=100, totalAmount=100, currency="USD")

    assert response.status_code == 201
    assert response.json()["amount"] == 2 * (1_500_000 + 25_000)
    [link] = [ln for ln in sandbox.links() if ln["txRef"] == response.json()["txRef"]]
    assert (link["amount"], link["currency"]) == ("30500.00", "NGN")


def test_a_duplicate_payment_for_a_confirmed_booking_is_refunded(
    pay_site, sandbox, shopper, trip_id
) -> None:
    sandbox.faults(webhook="drop")
    ada = shopper()
    booking = ada.hold(trip_id, ["6A"])
    first, second = ada.pay(booking), ada.pay(booking)  # two tabs, two attempts

    ada.come_back(finish_checkout(first["checkoutUrl"], "successful"))
    ada.come_back(finish_checkout(second["checkoutUrl"], "successful"))

    assert status_of(pay_site, booking["bookingId"]) == (
        "CONFIRMED",
        [("SUCCESSFUL", None), ("SUCCESSFUL", None)],
    )
    assert refunds_of(pay_site, booking["bookingId"]) == [
        (second["amount"], "NGN", "DUPLICATE_PAYMENT")
    ]
    assert requests.get(first["checkoutUrl"], timeout=5).status_code == 200
