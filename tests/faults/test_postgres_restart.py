"""PostgreSQL restarted during a burst of holds, on a throwaway cluster of the test's own: the
requests caught by it fail cleanly with 503 (never 500), no hold is left half made, and the app
carries on by itself once the database is back (pool pre-ping), without being restarted."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import requests
from flask_migrate import upgrade

from tests.apps import make_app, redis_url_for, served
from tests.factories import create_layout, create_trip
from tests.faults.services import Cluster, postgres_cluster
from tests.live import LiveSite
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
    app = make_app(cluster.url("roadpass"), REDIS_URL=redis_url_for("app"), **SETTINGS)
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
        check_no_partial_holds(site, burst.granted)


def check_no_partial_holds(site: LiveSite, granted: list[int]) -> None:
    """Every booking holds both of its seats, every granted hold is there, nothing is paid."""
    bookings = site.sql("SELECT id, status FROM bookings ORDER BY id")
    assert {booking_id for booking_id, _ in bookings} >= set(granted)
    assert {status for _, status in bookings} == {"HELD"}
    for booking_id, _ in bookings:
        listed = site.sql("SELECT label FROM booking_seats WHERE booking_id = :b", b=booking_id)
        held = site.sql(
            "SELECT label FROM trip_seats WHERE booking_id = :b AND status = 'held'", b=booking_id
        )
        assert len(listed) == 2
        assert sorted(listed) == sorted(held)
    assert site.sql("SELECT count(*) FROM payments") == [(0,)]
    assert site.sql("SELECT count(*) FROM refunds") == [(0,)]
