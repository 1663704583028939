"""A hosted link lives for the session_duration we ask for (the seat hold); once it has run out
the passenger is sent back to us and can pay again with a fresh attempt."""

from datetime import UTC, datetime, timedelta

import requests
from bs4 import BeautifulSoup

from tests.paysite import finish_checkout, status_of


def test_an_expired_link_sends_the_passenger_back_to_pay_with_a_fresh_attempt(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["5A"])
    first = ada.pay(booking)
    (link,) = [ln for ln in sandbox.links() if ln["txRef"] == first["txRef"]]
    # We asked for a session that ends with the seat hold, not one that never ends.
    ends = datetime.fromisoformat(link["expiresAt"])
    assert timedelta(0) < ends - datetime.now(UTC) <= timedelta(minutes=61)
    assert requests.post(f"{sandbox.url}/control/links/{link['id']}/expire", timeout=5).ok

    hosted = requests.get(first["checkoutUrl"], timeout=5)
    refused = requests.post(first["checkoutUrl"], data={"outcome": "successful"}, timeout=5)

    assert (hosted.status_code, refused.status_code) == (410, 410)
    back = BeautifulSoup(hosted.text, "html.parser").find(id="back-to-merchant")["href"]
    page = BeautifulSoup(ada.come_back(back).text, "html.parser")
    assert page.find(id="payment-failed") is not None
    retry = page.find(id="retry-link")["href"]
    summary = BeautifulSoup(ada.come_back(f"{pay_site.url}{retry}").text, "html.parser")
    assert summary.find(id="pay-button") is not None
    assert status_of(pay_site, booking["bookingId"]) == (
        "PENDING_PAYMENT",
        [("FAILED", "ABANDONED")],
    )

    second = ada.pay(booking)
    assert second["txRef"] == f"{booking['reference']}-2"
    ada.come_back(finish_checkout(second["checkoutUrl"], "successful"))

    assert status_of(pay_site, booking["bookingId"]) == (
        "CONFIRMED",
        [("FAILED", "ABANDONED"), ("SUCCESSFUL", None)],
    )
