"""Webhooks as Flutterwave sends them: retried until the receiver answers 200, in the documented
body or the flat legacy one, signed with verif-hash or flutterwave-signature (HMAC). The sandbox
keeps its webhooks until the test sends them (settle_all), retries included, and the site's jobs
run when the test drains them: nothing here waits on a clock but the one timed-out delivery."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.payments.test_webhooks import webhook_url
from tests.paysite import audit_count, events_for, finish_checkout, settle_all, status_of

FORWARDED_HEADERS = ("content-type", "verif-hash", "flutterwave-signature")


@contextmanager
def flaky_receiver(site, failures: int, *, hang: bool = False) -> Iterator[list[int | None]]:
    """A receiver in front of the site's webhook that fails the first `failures` deliveries
    without passing them on, then forwards each one; yields what it answered (None: nothing in
    time). It fails by answering 500, or with `hang` by not answering until the next delivery
    arrives, which the sandbox only sends after giving up on this one (its timeout is cut to
    half a second meanwhile). The site's sandbox sends its webhooks there while the block runs."""
    answered: list[int | None] = []
    next_arrived = threading.Event()

    def app(environ, start_response):
        request = Request(environ)
        next_arrived.set()
        if len(answered) < failures:
            if hang:
                answered.append(None)
                next_arrived.clear()
                next_arrived.wait(timeout=30)
                return Response("too late", 200)(environ, start_response)
            answered.append(500)
            return Response("receiver down", 500)(environ, start_response)
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}
        upstream = requests.post(
            webhook_url(site), data=request.get_data(), headers=headers, timeout=15
        )
        answered.append(upstream.status_code)
        return Response(upstream.content, upstream.status_code)(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = site.app.config
    config["SANDBOX_WEBHOOK_URL"] = f"http://127.0.0.1:{server.server_port}/hook"
    config["SANDBOX_WEBHOOK_TIMEOUT_SECONDS"] = 0.5 if hang else 60
    try:
        yield answered
    finally:
        config["SANDBOX_WEBHOOK_URL"] = ""
        config["SANDBOX_WEBHOOK_TIMEOUT_SECONDS"] = 60
        next_arrived.set()
        server.shutdown()


def paid_without_return(shopper, trip_id: int, seats: list[str]) -> tuple[dict, dict, str]:
    """Paid at the gateway; the browser never comes back, so only a webhook can confirm."""
    ada = shopper()
    booking = ada.hold(trip_id, seats)
    payment = ada.pay(booking)
    location = finish_checkout(payment["checkoutUrl"], "successful")
    return booking, payment, location


def confirmed(site, booking: dict) -> bool:
    return status_of(site, booking["bookingId"])[0] == "CONFIRMED"


def deliveries_of(sandbox, transaction_id: str) -> list[tuple[int, int | None]]:
    return [
        (d["attempt"], d["answered"])
        for d in sandbox.deliveries()
        if str(d["transactionId"]) == transaction_id
    ]


def test_a_receiver_failing_twice_gets_the_event_a_third_time_and_applies_it_once(
    pay_site, sandbox, shopper, trip_id
) -> None:
    with flaky_receiver(pay_site, failures=2) as answered:
        booking, payment, location = paid_without_return(shopper, trip_id, ["2A"])
        transaction_id = location.rsplit("transaction_id=", 1)[1]

        settle_all(pay_site, sandbox)

    assert answered == [500, 500, 200]
    assert deliveries_of(sandbox, transaction_id) == [(1, 500), (2, 500), (3, 200)]
    assert confirmed(pay_site, booking)
    tx_ref = location.split("tx_ref=", 1)[1].split("&", 1)[0]
    assert events_for(pay_site, tx_ref) == 1
    assert events_for(pay_site, tx_ref, processed=True) == 1
    assert audit_count(pay_site, "payment.successful", "payment", payment["paymentId"]) == 1


def test_a_delivery_that_times_out_is_sent_again(pay_site, sandbox, shopper, trip_id) -> None:
    with flaky_receiver(pay_site, failures=1, hang=True) as answered:
        booking, _, location = paid_without_return(shopper, trip_id, ["2C"])
        transaction_id = location.rsplit("transaction_id=", 1)[1]

        settle_all(pay_site, sandbox)

    assert answered == [None, 200]
    assert deliveries_of(sandbox, transaction_id) == [(1, None), (2, 200)]
    assert confirmed(pay_site, booking)


def test_a_receiver_that_never_answers_200_is_tried_three_times_only(
    pay_site, sandbox, shopper, trip_id
) -> None:
    with flaky_receiver(pay_site, failures=10) as answered:
        booking, _, location = paid_without_return(shopper, trip_id, ["2B"])
        transaction_id = location.rsplit("transaction_id=", 1)[1]

        settle_all(pay_site, sandbox)

    assert answered == [500, 500, 500]
    assert deliveries_of(sandbox, transaction_id) == [(1, 500), (2, 500), (3, 500)]
    assert status_of(pay_site, booking["bookingId"])[0] == "PENDING_PAYMENT"


@pytest.mark.parametrize(
    ("faults", "event_type", "seat"),
    [
        ({"webhook_shape": "legacy"}, "CARD_TRANSACTION", "3A"),
        ({"webhook_signature": "flutterwave-signature"}, "charge.completed", "3B"),
    ],
    ids=["legacy-flat-body", "hmac-signature"],
)
def test_each_webhook_variant_confirms_a_payment_end_to_end(
    pay_site, sandbox, shopper, trip_id, faults, event_type, seat
) -> None:
    sandbox.faults(**faults)
    booking, payment, location = paid_without_return(shopper, trip_id, [seat])

    settle_all(pay_site, sandbox)

    assert confirmed(pay_site, booking)
    tx_ref = location.split("tx_ref=", 1)[1].split("&", 1)[0]
    stored = pay_site.sql(
        "SELECT event_type, transaction_id, outcome FROM webhook_events WHERE tx_ref = :r",
        r=tx_ref,
    )
    transaction_id = location.rsplit("transaction_id=", 1)[1]
    assert stored == [(event_type, transaction_id, "SUCCESSFUL")]
    assert audit_count(pay_site, "payment.successful", "payment", payment["paymentId"]) == 1
