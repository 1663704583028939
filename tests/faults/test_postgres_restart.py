"""PostgreSQL restarted during a burst of holds, on a throwaway cluster of the test's own: the
requests caught by it fail cleanly with 503 (never 500), no hold is left half made, and the app
carries on by itself once the database is back (pool pre-ping), without being restarted. A
booking confirmed before stays confirmed, and a passenger who paid just before and came back
while the database was down is confirmed on trying again, charged once."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import requests
from flask_migrate import upgrade

from tests.apps import make_app, served
from tests.factories import create_layout, create_trip
from tests.faults.services import Cluster, postgres_cluster
from tests.live import LiveSite
from tests.paysite import (
    Sandbox,
    Shopper,
    finish_checkout,
    gateway_refunds,
    new_shopper,
    status_of,
)
from webapp.extensions import db
from webapp.fleet.models import SeatLayout

BURSTERS = 4
HOLDS_EACH_SIDE = 6  # holds granted before the restart, and again after it
ANSWERS = {201, 409, 503}
SETTINGS = {
    "HOLD_RATE_LIMIT": "100000 per minute",
    "HOLD_IP_RATE_LIMIT": "100000 per minute",
    "MAX_ACTIVE_HOLDS_PER_USER": 1000,
    "RATELIMIT_STORAGE_URI": "memory://",
    "CHECKOUT_RATE_LIMIT": "100000 per minute",
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "max_overflow": 8, "pool_timeout": 30},
}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with postgres_cluster() as own:
        yield own


@contextmanager
def site_on(cluster: Cluster) -> Iterator[LiveSite]:
    with psycopg.connect(cluster.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE DATABASE roadpass")
    # No Redis: the jobs a confirmation needs run inline, so nothing waits on a queue here.
    app = make_app(cluster.url("roadpass"), REDIS_URL="redis://127.0.0.1:9/0", **SETTINGS)
    app.config["TESTING"] = False
    with app.app_context():
        upgrade()
    with served(app) as url:
        yield LiveSite(app, url)
    with app.app_context():
        db.engine.dispose()


class Burst:
    """Passengers holding seat pairs as fast as they are answered. A passenger answered 503
    waits for the database to be back (an event the test sets), then tries the same pair."""

    def __init__(self, site: LiveSite) -> None:
        self.site = site
        self.headers = site.passengers(BURSTERS)
        layout = site.prepare(lambda: create_layout([["SS.SS"] * 10]).id)
        self.trips = [site.prepare(lambda: _trip_on(layout)) for _ in range(BURSTERS)]
        self.answers: list[tuple[int, dict]] = []
        self.granted: list[int] = []
        self.lock = threading.Lock()
        self.enough_before = threading.Event()
        self.enough_after = threading.Event()
        self.back = threading.Event()
        self.stop = threading.Event()
        self.restarted_after = -1
        self.threads = [threading.Thread(target=self.hold, args=(i,)) for i in range(BURSTERS)]

    def hold(self, i: int) -> None:
        try:
            self.hold_pairs(i)
        finally:  # a passenger out of seats, or failing, wakes the test up too
            self.enough_before.set()
            self.enough_after.set()

    def hold_pairs(self, i: int) -> None:
        labels = self.site.sql(
            "SELECT label FROM trip_seats WHERE trip_id = :t ORDER BY id", t=self.trips[i]
        )
        pairs = [[labels[k][0], labels[k + 1][0]] for k in range(0, len(labels) - 1, 2)]
        with requests.Session() as http:
            while pairs and not self.stop.is_set():
                answer = http.post(
                    f"{self.site.url}/api/bookings/reserve",
                    json={"tripId": self.trips[i], "seatNumbers": pairs[0]},
                    headers=self.headers[i],
                    timeout=60,
                )
                self.note(answer)
                if answer.status_code == 503:
                    self.back.wait(timeout=120)
                    continue
                pairs.pop(0)

    def note(self, answer: requests.Response) -> None:
        body = answer.json() if answer.headers.get("Content-Type", "").startswith("app") else {}
        with self.lock:
            self.answers.append((answer.status_code, body))
            if answer.status_code != 201:
                return
            self.granted.append(body["bookingId"])
            if len(self.granted) >= HOLDS_EACH_SIDE:
                self.enough_before.set()
            if self.restarted_after >= 0 and len(self.granted) >= (
                self.restarted_after + HOLDS_EACH_SIDE
            ):
                self.enough_after.set()


def _trip_on(layout_id: int) -> int:
    return create_trip(layout=db.session.get(SeatLayout, layout_id)).id


def test_postgresql_restarted_during_a_burst_of_holds(cluster: Cluster) -> None:
    with site_on(cluster) as site:
        sandbox = Sandbox(f"{site.url}/sandbox/flutterwave")
        confirmed = paid_before_the_restart(site)
        ada, paying, back_to_us = paid_at_the_gateway(site)
        burst = Burst(site)
        for thread in burst.threads:
            thread.start()
        burst.enough_before.wait(timeout=120)
        assert len(burst.granted) >= HOLDS_EACH_SIDE, burst.answers

        cluster.stop("fast")  # every open session ends; their transactions roll back
        while_down = requests.post(
            f"{site.url}/api/bookings/reserve",
            json={"tripId": burst.trips[0], "seatNumbers": ["10D"]},
            headers=burst.headers[0],
            timeout=30,
        )
        page_down = requests.get(f"{site.url}/trips/{burst.trips[0]}", timeout=30)
        health_down = requests.get(f"{site.url}/healthz", timeout=30)
        return_down = ada.browser.get(back_to_us, timeout=30)  # paid, back while it is down
        cluster.start()
        with burst.lock:
            burst.restarted_after = len(burst.granted)
        burst.back.set()
        burst.enough_after.wait(timeout=120)
        burst.stop.set()
        for thread in burst.threads:
            thread.join(timeout=120)
        recovered = len(burst.granted) - burst.restarted_after
        assert recovered >= HOLDS_EACH_SIDE, f"only {recovered} holds after the restart"

        assert while_down.status_code == 503
        assert while_down.json()["code"] == "SERVICE_UNAVAILABLE"
        assert while_down.headers["Retry-After"] == "5"
        assert page_down.status_code == 503
        assert "cannot reach our database" in page_down.text
        assert health_down.status_code == 503
        statuses = [status for status, _ in burst.answers]
        assert set(statuses) <= ANSWERS, statuses
        assert all(
            body["code"] in ("SERVICE_UNAVAILABLE", "BUSY_RETRY")
            for status, body in burst.answers
            if status == 503
        )
        check_no_partial_holds(site, burst.trips, burst.granted)

        assert return_down.status_code == 503
        assert "a payment you have made is not lost" in return_down.text
        ada.come_back(back_to_us)  # the passenger tries again once the page says so
        sandbox.deliver()  # and the webhook arrives
        for booking, payment in (confirmed, paying):  # nothing confirmed lost, none paid twice
            assert status_of(site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
            charged = sandbox.charges(payment["txRef"])
            assert len(charged) == 1
            assert gateway_refunds(sandbox, charged[0]["id"]) == []
        assert site.sql("SELECT count(*) FROM refunds") == [(0,)]


def paid_before_the_restart(site: LiveSite) -> tuple[dict, dict]:
    """A booking paid and confirmed before anything goes wrong."""
    trip_id = site.prepare(lambda: create_trip().id)
    shopper = new_shopper(site)
    booking = shopper.hold(trip_id, ["1A"])
    payment = shopper.pay(booking)
    shopper.come_back(finish_checkout(payment["checkoutUrl"], "successful"))
    assert status_of(site, booking["bookingId"])[0] == "CONFIRMED"
    return booking, payment


def paid_at_the_gateway(site: LiveSite) -> tuple[Shopper, tuple[dict, dict], str]:
    """A passenger who has paid on the hosted page and is about to be sent back to us (the
    sandbox keeps the webhook until the test delivers it)."""
    trip_id = site.prepare(lambda: create_trip().id)
    shopper = new_shopper(site)
    booking = shopper.hold(trip_id, ["1A"])
    payment = shopper.pay(booking)
    return shopper, (booking, payment), finish_checkout(payment["checkoutUrl"], "successful")


def check_no_partial_holds(site: LiveSite, trips: list[int], granted: list[int]) -> None:
    """Every booking of the burst holds both of its seats, every granted hold is there."""
    bookings = site.sql(
        "SELECT id, status FROM bookings WHERE trip_id = ANY(:trips) ORDER BY id", trips=trips
    )
    assert {booking_id for booking_id, _ in bookings} >= set(granted)
    assert {status for _, status in bookings} == {"HELD"}
    for booking_id, _ in bookings:
        listed = site.sql("SELECT label FROM booking_seats WHERE booking_id = :b", b=booking_id)
        held = site.sql(
            "SELECT label FROM trip_seats WHERE booking_id = :b AND status = 'held'", b=booking_id
        )
        assert len(listed) == 2
        assert sorted(listed) == sorted(held)
