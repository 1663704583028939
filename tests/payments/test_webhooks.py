"""The webhook: authentication, storing once, and every order of webhook and redirect."""

import base64
import hashlib
import hmac
import json
import threading

import requests

from tests.paysite import (
    audit_count,
    events_for,
    finish_checkout,
    query_of,
    settle_all,
    status_of,
)
from webapp.config import DEV_WEBHOOK_HASH, SANDBOX_SECRET_KEY


def webhook_url(site) -> str:
    return f"{site.url}/api/payments/webhook/flutterwave"


def event_for(sandbox, transaction_id: str) -> bytes:
    """The body Flutterwave would send, built from what its verify endpoint says."""
    data = sandbox.verify(transaction_id, SANDBOX_SECRET_KEY)["data"]
    return json.dumps({"event": "charge.completed", "data": data}).encode()


def deliver(site, body: bytes, **headers: str) -> requests.Response:
    return requests.post(
        webhook_url(site),
        data=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=15,
    )


def paid_without_webhook(sandbox, shopper, trip_id, seats):
    """A passenger who has paid at the gateway; the webhook is held back."""
    sandbox.faults(webhook="drop")
    ada = shopper()
    booking = ada.hold(trip_id, seats)
    payment = ada.pay(booking)
    location = finish_checkout(payment["checkoutUrl"], "successful")
    return ada, booking, payment, location


def test_missing_or_wrong_hash_is_refused_and_nothing_is_stored(
    pay_site, sandbox, shopper, trip_id
) -> None:
    _, booking, payment, location = paid_without_webhook(sandbox, shopper, trip_id, ["1A"])
    body = event_for(sandbox, query_of(location)["transaction_id"])

    for headers in (
        {},
        {"verif-hash": "wrong"},
        {"verif-hash": ""},
        {"flutterwave-signature": "x"},
    ):
        response = deliver(pay_site, body, **headers)
        assert response.status_code == 401
        assert response.json()["code"] == "INVALID_SIGNATURE"

    assert events_for(pay_site, payment["txRef"]) == 0
    assert status_of(pay_site, booking["bookingId"]) == ("PENDING_PAYMENT", [("PENDING", None)])


def test_hmac_signature_variant_is_accepted(pay_site, sandbox, shopper, trip_id) -> None:
    _, booking, _, location = paid_without_webhook(sandbox, shopper, trip_id, ["1B"])
    body = event_for(sandbox, query_of(location)["transaction_id"])
    digest = hmac.new(DEV_WEBHOOK_HASH.encode(), body, hashlib.sha256).digest()

    response = deliver(
        pay_site, body, **{"flutterwave-signature": base64.b64encode(digest).decode()}
    )

    assert response.status_code == 200
    settle_all(pay_site, sandbox)
    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])


def test_malformed_webhook_bodies_get_a_400_and_are_stored_as_rejected(pay_site, sandbox) -> None:
    count = "SELECT count(*) FROM webhook_events WHERE coalesce(outcome, '') {} 'REJECTED'"
    before = pay_site.sql(count.format("<>"))[0][0], pay_site.sql(count.format("="))[0][0]
    bodies = (b"not json", b"[]", b'{"event": "charge.completed"}', b'{"data": "x"}', b"\xff")
    for body in (*bodies, b"[]"):
        response = deliver(pay_site, body, **{"verif-hash": DEV_WEBHOOK_HASH})
        assert response.status_code == 400, body
        assert response.json()["code"] == "BAD_WEBHOOK"
    after = pay_site.sql(count.format("<>"))[0][0], pay_site.sql(count.format("="))[0][0]
    assert after == (before[0], before[1] + len(bodies))  # once per body, nothing to apply


def test_same_webhook_five_times_confirms_once(pay_site, sandbox, shopper, trip_id) -> None:
    _, booking, payment, location = paid_without_webhook(sandbox, shopper, trip_id, ["1C"])
    body = event_for(sandbox, query_of(location)["transaction_id"])
    answers: list[int] = []

    def send() -> None:
        answers.append(deliver(pay_site, body, **{"verif-hash": DEV_WEBHOOK_HASH}).status_code)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * 5
    settle_all(pay_site, sandbox)
    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    assert events_for(pay_site, payment["txRef"]) == 1
    assert audit_count(pay_site, "payment.successful", "payment", payment["paymentId"]) == 1
    assert audit_count(pay_site, "booking.confirmed", "booking", booking["bookingId"]) == 1
    assert pay_site.sql(
        "SELECT count(*) FROM notifications WHERE booking_id = :b", b=booking["bookingId"]
    ) == [(1,)]


def test_sandbox_duplicated_webhooks_confirm_once(pay_site, sandbox, shopper, trip_id) -> None:
    sandbox.faults(webhook="duplicate", webhook_copies=5, webhook_delay_seconds=0)
    ada = shopper()
    booking = ada.hold(trip_id, ["1D"])
    payment = ada.pay(booking)
    finish_checkout(payment["checkoutUrl"], "successful")  # the browser never comes back

    settle_all(pay_site, sandbox)
    assert len(sandbox.deliveries()) == 5
    assert {d["answered"] for d in sandbox.deliveries()} == {200}
    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    assert audit_count(pay_site, "booking.confirmed", "booking", booking["bookingId"]) == 1


def test_webhook_before_the_redirect(pay_site, sandbox, shopper, trip_id) -> None:
    sandbox.faults(webhook="before_redirect")
    ada = shopper()
    booking = ada.hold(trip_id, ["2A"])
    payment = ada.pay(booking)
    location = finish_checkout(payment["checkoutUrl"], "successful")

    settle_all(pay_site, sandbox)
    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"
    ada.come_back(location)
    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    assert audit_count(pay_site, "booking.confirmed", "booking", booking["bookingId"]) == 1


def test_redirect_before_the_webhook(pay_site, sandbox, shopper, trip_id) -> None:
    sandbox.faults(webhook="delay", webhook_delay_seconds=1.0)
    ada = shopper()
    booking = ada.hold(trip_id, ["2B"])
    payment = ada.pay(booking)
    ada.come_back(finish_checkout(payment["checkoutUrl"], "successful"))

    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"
    settle_all(pay_site, sandbox)
    assert sandbox.deliveries()
    assert events_for(pay_site, payment["txRef"], processed=True)
    assert audit_count(pay_site, "booking.confirmed", "booking", booking["bookingId"]) == 1
    assert audit_count(pay_site, "payment.successful", "payment", payment["paymentId"]) == 1


def test_webhook_only(pay_site, sandbox, shopper, trip_id) -> None:
    sandbox.faults(webhook="normal", webhook_delay_seconds=0)
    ada = shopper()
    booking = ada.hold(trip_id, ["2C"])
    payment = ada.pay(booking)
    finish_checkout(payment["checkoutUrl"], "successful")

    settle_all(pay_site, sandbox)
    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"


def test_redirect_only(pay_site, sandbox, shopper, trip_id) -> None:
    ada, booking, _, location = paid_without_webhook(sandbox, shopper, trip_id, ["2D"])

    ada.come_back(location)

    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])


def test_redirect_and_webhook_at_once_confirm_exactly_once(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada, booking, payment, location = paid_without_webhook(sandbox, shopper, trip_id, ["3A", "3B"])
    body = event_for(sandbox, query_of(location)["transaction_id"])
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}

    def webhook() -> None:
        barrier.wait()
        answers["webhook"] = deliver(pay_site, body, **{"verif-hash": DEV_WEBHOOK_HASH}).status_code

    def redirect() -> None:
        barrier.wait()
        answers["redirect"] = ada.come_back(location).status_code

    threads = [threading.Thread(target=webhook), threading.Thread(target=redirect)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == {"webhook": 200, "redirect": 200}
    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    assert audit_count(pay_site, "payment.successful", "payment", payment["paymentId"]) == 1
    assert audit_count(pay_site, "booking.confirmed", "booking", booking["bookingId"]) == 1


def test_reordered_webhooks_never_move_a_payment_back(pay_site, sandbox, shopper, trip_id) -> None:
    """A declined card, then a good one on the same page: the failed attempt's webhook arrives
    after the successful one's, and changes nothing."""
    sandbox.faults(webhook="reorder", webhook_delay_seconds=0)
    ada = shopper()
    booking = ada.hold(trip_id, ["4A"])
    payment = ada.pay(booking)
    declined = requests.post(
        payment["checkoutUrl"], data={"card": "5143010522339965"}, allow_redirects=False, timeout=5
    )
    assert declined.status_code == 402
    finish_checkout(payment["checkoutUrl"], "successful")

    settle_all(pay_site, sandbox)
    assert len(sandbox.deliveries()) == 2
    assert [d["status"] for d in sandbox.deliveries()] == ["successful", "failed"]
    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    assert audit_count(pay_site, "payment.failed", "payment", payment["paymentId"]) == 0


def test_webhook_for_another_transaction_confirms_nothing(
    pay_site, sandbox, shopper, trip_id
) -> None:
    """A genuine event whose tx_ref was swapped for ours: verification shows the truth."""
    sandbox.faults(webhook="drop")
    ada = shopper()
    mine = ada.hold(trip_id, ["4B"])
    my_payment = ada.pay(mine)  # opened, never paid
    _, _, _, other_location = paid_without_webhook(sandbox, shopper, trip_id, ["4C"])
    data = sandbox.verify(query_of(other_location)["transaction_id"], SANDBOX_SECRET_KEY)["data"]
    data["tx_ref"] = my_payment["txRef"]
    body = json.dumps({"event": "charge.completed", "data": data}).encode()

    response = deliver(pay_site, body, **{"verif-hash": DEV_WEBHOOK_HASH})

    assert response.status_code == 200
    settle_all(pay_site, sandbox)
    assert events_for(pay_site, my_payment["txRef"], processed=True)
    assert status_of(pay_site, mine["bookingId"]) == ("PENDING_PAYMENT", [("PENDING", None)])
