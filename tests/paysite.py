"""The paying live site: a served app per dialect whose gateway client talks to the sandbox the
same server serves, as under `make run`, with the fixtures and helpers of the tests that pay.

Nothing here waits on a clock: the sandbox keeps its webhooks until `Sandbox.deliver()`, and
jobs run when a test calls `LiveSite.run_jobs()` (both via `settle_all`). Loaded for the whole
suite by `pytest_plugins` in tests/conftest.py."""

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import redis
import requests
from bs4 import BeautifulSoup

from tests.apps import redis_url_for
from tests.factories import PASSWORD, create_layout, create_token, create_trip, create_user
from tests.live import LiveSite, live_site
from webapp.config import SANDBOX_SECRET_KEY
from webapp.extensions import db
from webapp.gateways import configure_gateway
from webapp.jobs.runner import run_job
from webapp.payments.models import Payment
from webapp.refunds.models import Refund, RefundReason

PAY_SETTINGS = {
    "HOLD_RATE_LIMIT": "100000 per minute",
    "HOLD_IP_RATE_LIMIT": "100000 per minute",
    "CHECKOUT_RATE_LIMIT": "100000 per minute",
    "CHECKOUT_IP_RATE_LIMIT": "100000 per minute",
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 20, "pool_timeout": 30},
}


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def pay_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, redis_client: object
) -> Iterator[LiveSite]:
    # Each site has its own Redis database, so its worker never takes the other site's jobs.
    redis_url = redis_url_for(f"pay-{request.param}")
    redis.Redis.from_url(redis_url).flushdb()
    folder = tmp_path_factory.mktemp("pay")
    with live_site(request.param, "pay", folder, REDIS_URL=redis_url, **PAY_SETTINGS) as site:
        yield site


@dataclass
class Sandbox:
    url: str

    def faults(self, **faults: Any) -> None:
        response = requests.post(f"{self.url}/control/faults", json=faults, timeout=5)
        assert response.status_code == 200, response.text

    def faults_in_force(self) -> dict:
        return requests.get(f"{self.url}/control/faults", timeout=5).json()

    def links(self) -> list[dict]:
        return requests.get(f"{self.url}/control/links", timeout=5).json()

    def deliveries(self) -> list[dict]:
        return requests.get(f"{self.url}/control/deliveries", timeout=5).json()

    def wait_for_refund(self, transaction_id: str, timeout: float) -> bool:
        """Block until the sandbox has made a refund of the transaction (it signals each change
        it makes); False when `timeout` seconds pass first."""
        response = requests.post(
            f"{self.url}/control/wait",
            json={"refundOf": transaction_id, "timeout": timeout},
            timeout=timeout + 10,
        )
        assert response.status_code == 200, response.text
        return response.json()["happened"]

    def plant(self, transaction_id: str, changes: dict) -> requests.Response:
        """Change what the gateway reports for a transaction (a mismatch for reconciliation)."""
        return requests.post(
            f"{self.url}/control/transactions/{transaction_id}", json=changes, timeout=5
        )

    def deliver(self) -> int:
        """Send the webhooks the sandbox has kept back (delivery is manual in tests); they have
        been answered when this returns. How many were sent."""
        response = requests.post(f"{self.url}/control/deliver", timeout=60)
        assert response.status_code == 200, response.text
        return response.json()["delivered"]

    def charges(self, tx_ref: str) -> list[dict]:
        """The gateway's successful transactions for `tx_ref`: what was really charged."""
        return requests.get(
            f"{self.url}/v3/transactions",
            params={"tx_ref": tx_ref, "status": "successful"},
            headers={"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"},
            timeout=5,
        ).json()["data"]

    def verify(self, transaction_id: str, key: str) -> dict:
        headers = {"Authorization": f"Bearer {key}"}
        return requests.get(
            f"{self.url}/v3/transactions/{transaction_id}/verify", headers=headers, timeout=5
        ).json()


@pytest.fixture
def sandbox(pay_site: LiveSite) -> Iterator[Sandbox]:
    box = Sandbox(f"{pay_site.url}/sandbox/flutterwave")
    requests.post(f"{box.url}/control/reset", timeout=5)
    pay_site.empty_queues()
    yield box
    requests.post(f"{box.url}/control/reset", timeout=5)


@dataclass
class Shopper:
    """A passenger with an API token and a logged-in browser session on the live site."""

    site: LiveSite
    user_id: int
    email: str
    headers: dict[str, str]
    browser: requests.Session = field(default_factory=requests.Session)

    def hold(self, trip_id: int, seats: list[str]) -> dict:
        response = requests.post(
            f"{self.site.url}/api/bookings/reserve",
            json={"tripId": trip_id, "seatNumbers": seats},
            headers=self.headers,
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def start_payment(
        self, booking: dict, key: str | None = None, **extra: Any
    ) -> requests.Response:
        body = {
            "bookingId": booking["bookingId"],
            "email": self.email,
            "passengers": [
                {"seatNumber": seat, "name": f"Passenger {seat}", "phone": "0803 123 4567"}
                for seat in booking["seatNumbers"]
            ],
            **extra,
        }
        headers = {**self.headers, "Idempotency-Key": key or str(uuid.uuid4())}
        return requests.post(
            f"{self.site.url}/api/payments", json=body, headers=headers, timeout=15
        )

    def pay(self, booking: dict) -> dict:
        response = self.start_payment(booking)
        assert response.status_code == 201, response.text
        return response.json()

    def payment(self, payment_id: int) -> dict:
        response = requests.get(
            f"{self.site.url}/api/payments/{payment_id}", headers=self.headers, timeout=15
        )
        assert response.status_code == 200, response.text
        return response.json()

    def log_in(self) -> None:
        page = BeautifulSoup(self.browser.get(f"{self.site.url}/login").text, "html.parser")
        token = page.find("meta", attrs={"name": "csrf-token"})["content"]
        response = self.browser.post(
            f"{self.site.url}/login",
            data={"csrf_token": token, "email": self.email, "password": PASSWORD},
            timeout=10,
        )
        assert response.status_code == 200, response.status_code

    def come_back(self, location: str) -> requests.Response:
        """The browser following the gateway's redirect to our return page, which answers at
        once and then makes its first status request (as htmx does on load); the return page
        as it reads after that request, or that request's answer if it was not a 200."""
        page = self.browser.get(location, timeout=15)
        status = BeautifulSoup(page.text, "html.parser").find(id="payment-status")
        if page.status_code != 200 or status is None or not status.get("data-first-check"):
            return page
        check = self.browser.get(
            f"{self.site.url}{status['data-first-check']}",
            headers={"HX-Request": "true"},
            timeout=15,
        )
        return self.browser.get(location, timeout=15) if check.status_code == 200 else check


def finish_checkout(checkout_url: str, outcome: str) -> str:
    """What a test does on the hosted page; returns where the gateway sends the browser."""
    response = requests.post(
        checkout_url, data={"outcome": outcome}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def new_shopper(site: LiveSite) -> Shopper:
    """A new passenger with an API token, logged in on the site."""

    def passenger() -> Shopper:
        user = create_user()
        _, token = create_token(user)
        return Shopper(site, user.id, user.email, {"Authorization": f"Bearer {token}"})

    shopper = site.prepare(passenger)
    shopper.log_in()
    return shopper


def paid_booking(site: LiveSite, shopper: Callable[[], Shopper], trip_id: int, seats: list[str]):
    """A passenger whose booking is paid and confirmed (through the return page)."""
    ada = shopper()
    booking = ada.hold(trip_id, seats)
    payment = ada.pay(booking)
    ada.come_back(finish_checkout(payment["checkoutUrl"], "successful"))
    assert status_of(site, booking["bookingId"])[0] == "CONFIRMED"
    return ada, booking, payment


@pytest.fixture
def shopper(pay_site: LiveSite) -> Callable[[], Shopper]:
    return lambda: new_shopper(pay_site)


@pytest.fixture
def trip_id(pay_site: LiveSite) -> int:
    return pay_site.prepare(
        lambda: create_trip(fare_amount=1_500_000, layout=create_layout([["SS.SS"] * 6])).id
    )


@contextmanager
def impatient_gateway(site: LiveSite, read_timeout: float) -> Iterator[None]:
    """The site's gateway client gives up after `read_timeout` seconds, for a test that injects a
    slower answer; otherwise it waits as long as in production, however busy the machine is."""
    site.app.config["FLUTTERWAVE_READ_TIMEOUT"] = read_timeout
    configure_gateway(site.app)
    try:
        yield
    finally:
        site.app.config["FLUTTERWAVE_READ_TIMEOUT"] = 30.0
        configure_gateway(site.app)


def settle_all(site: LiveSite, sandbox: Sandbox) -> None:
    """Let everything in flight arrive: the webhooks the sandbox kept back, then every job that
    the site queued (and those jobs queued in turn)."""
    sandbox.deliver()
    site.run_jobs()


def transaction_of(site: LiveSite, payment: dict) -> str:
    """The gateway's transaction id of a payment (as the API returned it)."""
    return site.sql(
        "SELECT gateway_transaction_id FROM payments WHERE id = :p", p=payment["paymentId"]
    )[0][0]


def events_for(site: LiveSite, tx_ref: str, *, processed: bool = False) -> int:
    """How many webhook events the site stored for `tx_ref` (only processed ones if asked)."""
    condition = " AND processed_at IS NOT NULL" if processed else ""
    query = f"SELECT count(*) FROM webhook_events WHERE tx_ref = :r{condition}"
    return site.sql(query, r=tx_ref)[0][0]


def status_of(site: LiveSite, booking_id: int) -> tuple[str, list[tuple]]:
    """The booking's status and its payments' (status, failure_reason), from the database."""
    booking = site.sql("SELECT status FROM bookings WHERE id = :id", id=booking_id)[0][0]
    payments = site.sql(
        "SELECT status, failure_reason FROM payments WHERE booking_id = :id ORDER BY id",
        id=booking_id,
    )
    return booking, payments


def audit_count(site: LiveSite, action: str, subject_type: str, subject_id: int) -> int:
    return site.sql(
        "SELECT count(*) FROM audit_events WHERE action = :a AND subject_type = :t "
        "AND subject_id = :i",
        a=action,
        t=subject_type,
        i=subject_id,
    )[0][0]


def plain_refund(
    site, payment_id: int, amount: int, reason: str = RefundReason.PASSENGER_CANCELLED
) -> int:
    """A REQUESTED refund row, written directly so no job is queued for it."""

    def make() -> int:
        payment = db.session.get(Payment, payment_id)
        refund = Refund(
            payment_id=payment.id,
            booking_id=payment.booking_id,
            amount=amount,
            currency="NGN",
            reason=reason,
        )
        db.session.add(refund)
        db.session.commit()
        return refund.id

    return site.prepare(make)


def twice_at_once(site: LiveSite, job: str, *args: int) -> None:
    """Two runs of `job` released together, as two workers (or a schedule and a click) would."""
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        site.prepare(lambda: run_job(job, *args, trigger="test"))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def gateway_refunds(sandbox: Sandbox, transaction_id: str) -> list[dict]:
    return requests.get(
        f"{sandbox.url}/v3/refunds",
        params={"transaction_id": transaction_id},
        headers={"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"},
        timeout=5,
    ).json()["data"]
