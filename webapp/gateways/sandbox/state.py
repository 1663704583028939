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

# An operation's queued failure answers the call with that status and does nothing, except
# "refund_answer": the refund is made, then the answer is lost (a 5xx or a timeout at the caller),
# as when Flutterwave answers 503 after about 28 s to a call that went through.
OPERATIONS = ("create", "verify", "refund", "refund_answer", "refund_lookup")
WEBHOOK_MODES = ("normal", "drop", "delay", "duplicate", "reorder", "before_redirect")
# The body Flutterwave documents ({"event", "data"}), or the flat one integrators report from
# older dashboards (txRef, flwRef, top-level "event.type", no data wrapper).
WEBHOOK_SHAPES = ("documented", "legacy")
# verif-hash carries the secret hash itself; flutterwave-signature carries
# base64(HMAC-SHA256(raw body, secret hash)), as newer API versions send it.
WEBHOOK_SIGNATURES = ("verif-hash", "flutterwave-signature")

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

ACCOUNT_ID = 73362
WALLET_ID = 74639
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
    webhook_shape: str = "documented"
    webhook_signature: str = "verif-hash"

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
    expires_at: datetime | None = None  # created_at + session_duration, when one was asked for

    def expired(self, moment: datetime) -> bool:
        return self.expires_at is not None and moment >= self.expires_at


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

    @property
    def card_token(self) -> str:
        return f"flw-t1nf-{self.card[-4:]}{self.id:x}-m03k"

    def as_data(self) -> dict[str, Any]:
        """The `data` object of a verify answer, in Flutterwave's documented shape."""
        data = self.webhook_data()
        data["amount_settled"] = (
            (self.amount - self.app_fee) if self.status == "successful" else None
        )
        data["meta"] = self.meta
        data["card"] = {**data["card"], "token": self.card_token}
        return data

    def webhook_data(self) -> dict[str, Any]:
        """The `data` object of a charge.completed webhook: no `meta`, no card token."""
        return {
            "id": self.id,
            "tx_ref": self.tx_ref,
            "flw_ref": self.flw_ref,
            "device_fingerprint": "N/A",
            "amount": self.amount,
            "currency": self.currency,
            "charged_amount": self.amount,
            "app_fee": self.app_fee,
            "merchant_fee": 0,
            "processor_response": self.processor_response,
            "auth_model": "PIN",
            "ip": "127.0.0.1",
            "narration": "Roadpass sandbox",
            "status": self.status,
            "payment_type": "card",
            "created_at": stamp(self.created_at),
            "account_id": ACCOUNT_ID,
            "customer": {
                "id": 100000 + self.id % 100000,
                "name": self.customer.get("name") or "Anonymous customer",
                "phone_number": self.customer.get("phonenumber")
                or self.customer.get("phone_number"),
                "email": self.customer.get("email"),
                "created_at": stamp(self.created_at),
            },
            "card": {
                "first_6digits": self.card[:6],
                "last_4digits": self.card[-4:],
                "issuer": "MASTERCARD  CREDIT",
                "country": "NG",
                "type": "MASTERCARD",
                "expiry": "09/32",
            },
        }

    def legacy_webhook(self) -> dict[str, Any]:
        """The flat body of older integrations: camelCase references, no `data` wrapper."""
        return {
            "id": self.id,
            "txRef": self.tx_ref,
            "flwRef": self.flw_ref,
            "orderRef": f"URF_{self.id}",
            "amount": self.amount,
            "charged_amount": self.amount,
            "status": self.status,
            "currency": self.currency,
            "IP": "127.0.0.1",
            "createdAt": stamp(self.created_at),
            "customer": {
                "id": 100000 + self.id % 100000,
                "fullName": self.customer.get("name") or "Anonymous customer",
                "email": self.customer.get("email"),
                "phone": self.customer.get("phonenumber") or self.customer.get("phone_number"),
            },
            "entity": {"card6": self.card[:6], "card_last4": self.card[-4:]},
            "event.type": "CARD_TRANSACTION",
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

    def as_created(self) -> dict[str, Any]:
        """The `data` of the refund call's answer, as the docs and the Node SDK's sample show."""
        return {
            "id": self.id,
            "account_id": ACCOUNT_ID,
            "tx_id": self.tx_id,
            "flw_ref": self.flw_ref,
            "wallet_id": WALLET_ID,
            "amount_refunded": self.amount_refunded,
            "status": self.status,
            "destination": "payment_source",
            "meta": {"source": "availablebalance"},
            "created_at": stamp(self.created_at),
        }

    def as_listed(self) -> dict[str, Any]:
        """An item of GET /v3/refunds (and GET /v3/refunds/{id}), in the documented fields: the
        transaction is `transaction_id` here, and the comment we sent comes back as `comment`."""
        return {
            "id": self.id,
            "amount_refunded": self.amount_refunded,
            "status": self.status,
            "flw_ref": self.flw_ref,
            "comment": self.comments,
            "settlement_id": "NEW",
            # The v3 reference types this item's `meta` as a string; the SDK's refund sample
            # (and the refund call's answer) shows an object. We follow the sample: no client of
            # ours reads it, and an object is what a client parsing either answer can handle.
            "meta": {"source": "availablebalance"},
            "created_at": stamp(self.created_at),
            "account_id": ACCOUNT_ID,
            "transaction_id": self.tx_id,
        }


@dataclass
class Delivery:
    transaction_id: int
    status: str
    url: str
    answered: int | None  # None: no answer in time, or no connection
    at: datetime
    attempt: int = 1


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
            # Webhooks waiting to be sent, in order, when delivery is manual:
            # (wire.Sender, body, the attempt to start from).
            self.outgoing: list[tuple[Any, dict[str, Any], int]] = []
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
        elif item.type in (datetime, datetime | None) and values[item.name] is not None:
            values[item.name] = datetime.fromisoformat(values[item.name])
    return cls(**values)


def now() -> datetime:
    """The sandbox keeps real time: it stands for a remote service the app's clock can't move."""
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
