"""The sandbox's memory: hosted links, transactions, refunds, webhook deliveries and faults.

It lives in the serving process (one per app), guarded by a lock, because the sandbox stands in
for a remote service that Roadpass only reaches over HTTP; `SANDBOX_STATE_FILE` keeps it across
restarts of that process.
"""

import itertools
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

OPERATIONS = ("create", "verify", "refund", "refund_lookup")
WEBHOOK_MODES = ("normal", "drop", "delay", "duplicate", "reorder", "before_redirect")

TEST_CARDS = {
    "5531886652142950": ("successful", "Approved", "Mastercard 5531 8866 5214 2950 (succeeds)"),
    "5258585922666506": (
        "failed",
        "Insufficient funds",
        "Mastercard 5258 5859 2266 6506 (insufficient funds)",
    ),
    "5143010522339965": ("failed", "Declined", "Mastercard 5143 0105 2233 9965 (declined)"),
}
SUCCESS_CARD = "5531886652142950"
DECLINED_CARD = "5143010522339965"

FEE_RATE = Decimal("0.014")  # local cards: 1.4%, capped
FEE_CAP = Decimal("2000")
CENT = Decimal("0.01")


@dataclass
class Faults:
    verify_latency_ms: int = 0
    refund_latency_ms: int = 0  # slow answer *after* the refund is made: an unknown outcome
    fail_next: dict[str, list[int]] = field(default_factory=dict)  # operation -> statuses
    webhook: str = "normal"
    webhook_delay_seconds: float = 0.3
    webhook_copies: int = 3
    amount_delta: Decimal = Decimal(0)  # paid = requested + delta (naira)
    currency: str | None = None  # paid in another currency

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["amount_delta"] = str(self.amount_delta)
        return values


@dataclass
class Link:
    id: str
    tx_ref: str
    amount: Decimal
    currency: str
    redirect_url: str
    customer: dict[str, Any]
    meta: dict[str, Any]
    title: str
    description: str
    webhook_url: str
    created_at: datetime
    finished: bool = False
    held_webhooks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Transaction:
    id: int
    tx_ref: str
    flw_ref: str
    amount: Decimal
    currency: str
    status: str
    processor_response: str
    card: str
    customer: dict[str, Any]
    meta: dict[str, Any]
    created_at: datetime
    refunded: Decimal = Decimal(0)

    @property
    def app_fee(self) -> Decimal:
        return min(self.amount * FEE_RATE, FEE_CAP).quantize(CENT, ROUND_HALF_UP)

    def as_data(self) -> dict[str, Any]:
        """The `data` object of a verify answer and of a webhook, in Flutterwave's shape."""
        return {
            "id": self.id,
            "tx_ref": self.tx_ref,
            "flw_ref": self.flw_ref,
            "device_fingerprint": "N/A",
            "amount": self.amount,
            "currency": self.currency,
            "charged_amount": self.amount,
            "app_fee": self.app_fee,
            "merchant_fee": Decimal(0),
            "processor_response": self.processor_response,
            "auth_model": "PIN",
            "ip": "127.0.0.1",
            "narration": "Roadpass sandbox",
            "status": self.status,
            "payment_type": "card",
            "created_at": _stamp(self.created_at),
            "account_id": 1,
            "amount_settled": (self.amount - self.app_fee) if self.status == "successful" else 0,
            "meta": self.meta,
            "card": {
                "first_6digits": self.card[:6],
                "last_4digits": self.card[-4:],
                "issuer": "MASTERCARD  CREDIT",
                "country": "NG",
                "type": "MASTERCARD",
                "expiry": "09/32",
            },
            "customer": {
                "id": 100000 + self.id % 100000,
                "name": self.customer.get("name") or "Anonymous customer",
                "phone_number": self.customer.get("phonenumber")
                or self.customer.get("phone_number"),
                "email": self.customer.get("email"),
                "created_at": _stamp(self.created_at),
            },
        }


@dataclass
class Refund:
    id: int
    tx_id: int
    flw_ref: str
    amount_refunded: Decimal
    comments: str
    status: str
    created_at: datetime

    def as_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_id": 1,
            "tx_id": self.tx_id,
            "flw_ref": self.flw_ref,
            "wallet_id": 1,
            "amount_refunded": self.amount_refunded,
            "status": self.status,
            "destination": "payment_source",
            "meta": {"source": "sandbox", "comments": self.comments},
            "created_at": _stamp(self.created_at),
        }


@dataclass
class Delivery:
    transaction_id: int
    status: str
    url: str
    answered: int | None
    at: datetime


class SandboxState:
    """Links, transactions and refunds, kept in memory and, when `path` is given, in a JSON file
    so that a restarted `make run` still knows the payments it took (as the real gateway would).
    Faults and the webhook log are not kept: they describe this run only."""

    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)  # notified when a refund is made
        self.path = path
        self.reset()
        self._load()

    def reset(self) -> None:
        with self.lock:
            self.faults = Faults()
            self.links: dict[str, Link] = {}
            self.transactions: dict[int, Transaction] = {}
            self.refunds: dict[int, Refund] = {}
            self.deliveries: list[Delivery] = []
            # Webhooks waiting to be sent, in order, when delivery is manual: (url, secret, body).
            self.outgoing: list[tuple[str, str, dict[str, Any]]] = []
            start = 7_000_000 + secrets.randbelow(1_000_000)
            self._ids = itertools.count(start)

    def save(self) -> None:
        """Write links, transactions and refunds to the file (atomically), if there is one."""
        if self.path is None:
            return
        with self.lock:
            snapshot = {
                "links": [_plain(link, skip={"held_webhooks"}) for link in self.links.values()],
                "transactions": [_plain(t) for t in self.transactions.values()],
                "refunds": [_plain(r) for r in self.refunds.values()],
            }
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(snapshot))
            os.replace(temporary, self.path)

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            snapshot = json.loads(self.path.read_text())
            links = [_revive(Link, item) for item in snapshot["links"]]
            transactions = [_revive(Transaction, item) for item in snapshot["transactions"]]
            refunds = [_revive(Refund, item) for item in snapshot["refunds"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("sandbox state in %s unreadable (%s); starting empty", self.path, error)
            return
        self.links = {link.id: link for link in links}
        self.transactions = {t.id: t for t in transactions}
        self.refunds = {r.id: r for r in refunds}
        highest = max([*self.transactions, *self.refunds], default=0)
        self._ids = itertools.count(max(highest + 1, 7_000_000))

    @contextmanager
    def locked(self) -> Iterator["SandboxState"]:
        with self.lock:
            yield self

    def next_id(self) -> int:
        return next(self._ids)

    def take_failure(self, operation: str) -> int | None:
        """The status to answer this call with, if a fault was queued for the operation."""
        with self.lock:
            queued = self.faults.fail_next.get(operation) or []
            return queued.pop(0) if queued else None

    def transactions_for(self, tx_ref: str) -> list[Transaction]:
        return [t for t in self.transactions.values() if t.tx_ref == tx_ref]


def _plain(item: object, skip: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    out = {}
    for name, value in asdict(item).items():  # type: ignore[call-overload]
        if name in skip:
            continue
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        out[name] = value
    return out


def _revive(cls: type[T], data: dict[str, Any]) -> T:
    values = dict(data)
    for item in fields(cls):  # type: ignore[arg-type]
        if item.name not in values:
            continue
        if item.type is Decimal:
            values[item.name] = Decimal(values[item.name])
        elif item.type is datetime:
            values[item.name] = datetime.fromisoformat(values[item.name])
    return cls(**values)


def now() -> datetime:
    """The sandbox keeps real time: it stands for a remote service the app's clock can't move."""
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
