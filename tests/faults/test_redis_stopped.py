"""Redis, up when the booking began, crashes in the middle of it (a Redis server of the test's
own, without persistence, so the job it had queued is gone with it). The passenger still gets a
clear answer and the ticket; once Redis is back, the periodic run finds the lost job's work in
the database, and nothing is confirmed, charged, refunded or e-mailed twice."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
import requests
from bs4 import BeautifulSoup

from tests.factories import create_layout, create_trip
from tests.faults.services import RedisServer, redis_server
from tests.live import LiveSite, live_site
from tests.paysite import (
    PAY_SETTINGS,
    Sandbox,
    finish_checkout,
    gateway_refunds,
    new_shopper,
    status_of,
)
from webapp.config import DEV_JOBS_SECRET


@pytest.fixture(scope="module")
def crashing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveSite, RedisServer]]:
    with redis_server() as server:
        settings = {
            **PAY_SETTINGS,
            "REDIS_URL": server.url,
            # As production chooses when Redis answers at start-up: limits in Redis, kept in
            # memory while it is away.
            "RATELIMIT_STORAGE_URI": server.url,
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        }
        folder = tmp_path_factory.mktemp("redisfault")
        with live_site("postgresql", "redisfault", folder, **settings) as site:
            yield site, server


def test_redis_stopped_in_the_middle_of_a_booking(crashing, travel) -> None:
    site, server = crashing
    sandbox = Sandbox(f"{site.url}/sandbox/flutterwave")
    trip_id = site.prepare(lambda: create_trip(layout=create_layout([["SS.SS"]])).id)
    ada = new_shopper(site)
    booking = ada.hold(trip_id, ["1A"])
    payment = ada.pay(booking)
    back_to_us = finish_checkout(payment["checkoutUrl"], "successful")
    assert sandbox.deliver() == 1  # the webhook is stored and its job queued in Redis
    tx_ref = payment["txRef"]
    assert site.sql("SELECT processed_at FROM webhook_events WHERE tx_ref = :r", r=tx_ref) == [
        (None,)
    ]
    assert redis.Redis.from_url(server.url).llen("rq:queue:default") == 1

    server.stop()  # Redis crashes; the queued job is lost with it

    page = ada.come_back(back_to_us)
    assert page.status_code == 200
    answer = BeautifulSoup(page.text, "html.parser")
    assert answer.find(id="payment-confirmed") is not None
    ticket = ada.browser.get(f"{site.url}{answer.find(id='ticket-link')['href']}", timeout=10)
    assert ticket.status_code == 200
    assert status_of(site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    # The e-mail the confirmation queued could not go on a queue: it was sent inline.
    assert site.sql(
        "SELECT kind, status FROM notifications WHERE booking_id = :b", b=booking["bookingId"]
    ) == [("booking-confirmed", "SENT")]
    # Another passenger logs in and holds meanwhile (rate limits kept in memory).
    bola = new_shopper(site)
    assert bola.hold(trip_id, ["1B"])["status"] == "HELD"

    server.start()  # back, empty
    travel(timedelta(minutes=2))  # past the grace a stored webhook gets before it is replayed
    queued = requests.post(
        f"{site.url}/api/jobs/reconcile-payments",
        headers={"X-Jobs-Secret": DEV_JOBS_SECRET},
        timeout=15,
    )
    assert queued.status_code == 202
    assert site.run_jobs() >= 1

    # The lost job's webhook is applied now, and changes nothing: the booking was confirmed once.
    assert site.sql(
        "SELECT processed_at IS NOT NULL FROM webhook_events WHERE tx_ref = :r", r=tx_ref
    ) == [(True,)]
    assert_confirmed_once(site, sandbox, booking["bookingId"], tx_ref)


def assert_confirmed_once(site: LiveSite, sandbox: Sandbox, booking_id: int, tx_ref: str) -> None:
    assert status_of(site, booking_id) == ("CONFIRMED", [("SUCCESSFUL", None)])
    assert site.sql("SELECT count(*) FROM refunds WHERE booking_id = :b", b=booking_id) == [(0,)]
    assert site.sql(
        "SELECT kind, count(*) FROM ledger_journals WHERE booking_id = :b GROUP BY kind "
        "ORDER BY kind",
        b=booking_id,
    ) == [("gateway_fee", 1), ("payment", 1)]  # posted once each
    assert site.sql("SELECT count(*) FROM notifications WHERE booking_id = :b", b=booking_id) == [
        (1,)
    ]
    charged = sandbox.charges(tx_ref)
    assert len(charged) == 1
    assert gateway_refunds(sandbox, charged[0]["id"]) == []
