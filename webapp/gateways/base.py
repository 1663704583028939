"""The `PaymentGateway` interface: what Roadpass needs from a payment provider (SPEC §4).

Amounts cross this interface in minor units (kobo) as integers; each provider module converts to
its own wire format. Errors say what is known about the outcome, because that decides whether a
call may simply be retried.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol

from webapp.errors import GatewayError


class GatewayUnavailableError(GatewayError):
    """No usable answer (timeout, 5xx, 429): the outcome of the call is unknown."""

    status_code = 502
    code = "GATEWAY_UNAVAILABLE"


class GatewayRejectedError(GatewayError):
    """The gateway answered and refused the request (4xx other than 404 and 429)."""

    status_code = 502
    code = "GATEWAY_REJECTED"


class GatewayNotFoundError(GatewayError):
    """The gateway knows no such transaction or refund."""

    status_code = 404
    code = "GATEWAY_NOT_FOUND"


class WebhookRejectedError(Exception):
    """A webhook that failed authentication; nothing may be stored."""


class WebhookUnreadableError(Exception):
    """An authentic webhook whose body is not what the gateway sends: stored as rejected."""


@dataclass(frozen=True)
class CheckoutRequest:
    tx_ref: str
    amount: int
    currency: str
    redirect_url: str
    customer_email: str
    customer_name: str
    customer_phone: str | None
    title: str
    description: str
    meta: dict[str, Any] = field(default_factory=dict)
    session_minutes: int | None = None  # the hosted page stops taking payment after this


@dataclass(frozen=True)
class VerifiedTransaction:
    """A transaction as the gateway reports it when asked directly (never from a webhook)."""

    transaction_id: str
    tx_ref: str
    status: str  # successful | failed | pending
    amount: int
    currency: str
    gateway_fee: int
    raw: dict[str, Any]

    @property
    def successful(self) -> bool:
        return self.status == "successful"


@dataclass(frozen=True)
class GatewayRefund:
    refund_id: str
    transaction_id: str
    amount: int
    status: str  # the gateway's own word, e.g. "completed", "pending-momo"
    raw: dict[str, Any]

    @property
    def settled(self) -> bool:
        return self.status.startswith("complete")


@dataclass(frozen=True)
class WebhookNotice:
    """What a webhook claims; a trigger for verification, never proof of payment."""

    event_type: str
    dedupe_key: str
    transaction_id: str | None
    tx_ref: str | None
    status: str | None
    payload: dict[str, Any]


class PaymentGateway(Protocol):
    name: str

    def create_checkout(self, request: CheckoutRequest) -> str:
        """Start a hosted checkout; returns the URL to send the customer to."""
        ...

    def verify(self, transaction_id: str) -> VerifiedTransaction: ...

    def verify_by_reference(self, tx_ref: str) -> VerifiedTransaction: ...

    def refund(self, transaction_id: str, amount: int, comment: str) -> GatewayRefund: ...

    def get_refund(self, refund_id: str) -> GatewayRefund: ...

    def find_refunds(self, transaction_id: str) -> list[GatewayRefund]: ...

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookNotice:
        """Authenticate and read a webhook; raises WebhookRejectedError or
        WebhookUnreadableError."""
        ...
