"""Settlements on a live site: paid bookings, a calculated month, two admins, the sandbox's
transfers reset around each test."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from tests.factories import create_layout, create_operator, create_trip, create_user, held
from tests.ledger.money import gateway_says, open_payment
from tests.live import LiveSite, live_site
from tests.paysite import PAY_SETTINGS
from webapp import clock
from webapp.extensions import db
from webapp.settlements.models import Settlement
from webapp.settlements.months import month_of
from webapp.settlements.services import calculate_settlements

FARE = 1_000_000


@dataclass
class Transfers:
    url: str

    def faults(self, **faults: object) -> None:
        response = requests.post(f"{self.url}/control/transfers/faults", json=faults, timeout=5)
        assert response.status_code == 200, response.text

    def log(self) -> dict:
        return requests.get(f"{self.url}/control/transfers", timeout=5).json()

    def complete(self, transfer_id: int) -> None:
        """The bank answers: the transfer finishes and its webhook has been answered (and, on
        a site without Redis, applied) when this returns."""
        response = requests.post(f"{self.url}/control/transfers/{transfer_id}/complete", timeout=60)
        assert response.status_code == 200, response.text

    def complete_all(self) -> None:
        for transfer in self.log()["transfers"]:
            if transfer["status"] not in ("SUCCESSFUL", "FAILED"):
                self.complete(transfer["id"])


NO_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there: every job runs inline


@pytest.fixture(scope="session")
def money_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """A live site on PostgreSQL for settlements and payouts. Its jobs run inline, as when
    Redis is down (webhooks are applied before they are answered), so no queue is shared with
    any other test or site."""
    folder = tmp_path_factory.mktemp("money")
    with live_site("postgresql", "money", folder, REDIS_URL=NO_REDIS, **PAY_SETTINGS) as site:
        yield site


@pytest.fixture
def transfers(money_site: LiveSite) -> Iterator[Transfers]:
    """The sandbox's transfers, reset; they finish only when a test says so (`complete`)."""
    box = Transfers(f"{money_site.url}/sandbox/flutterwave")
    for reset in ("control/reset", "control/transfers/reset"):
        requests.post(f"{box.url}/{reset}", timeout=5)
    box.faults(complete="manual")
    yield box
    for reset in ("control/reset", "control/transfers/reset"):
        requests.post(f"{box.url}/{reset}", timeout=5)


@dataclass
class Month:
    settlement_id: int
    operator_id: int
    approver_id: int
    sender_id: int
    approver_email: str
    sender_email: str
    owed: int


def calculated_month(site: LiveSite, seats: int = 2) -> Month:
    """An operator with `seats` paid seats this month and its CALCULATED settlement."""

    def make() -> Month:
        operator = create_operator(payout_bank_code="044", contact_email="accounts@op.example")
        trip = create_trip(
            operator=operator, fare_amount=FARE, layout=create_layout([["SS.SS"] * 2])
        )
        labels = ["1A", "1B", "2A", "2B"][:seats]
        gateway_says(open_payment(held(create_user().id, trip.id, labels)), fee=500)
        approver, sender = create_user(role="admin"), create_user(role="admin")
        month = month_of(clock.now())
        calculate_settlements(month, operator.slug)
        settlement = db.session.query(Settlement).filter_by(operator_id=operator.id).one()
        return Month(
            settlement.id,
            operator.id,
            approver.id,
            sender.id,
            approver.email,
            sender.email,
            settlement.closing_balance,
        )

    return site.prepare(make)
