"""Flutterwave v3 over HTTP with `requests` (facts in FLUTTERWAVE.md).

The same code talks to the real API and to the built-in sandbox: only the base URL and the key
differ. Every call has a connect and a read timeout; a timeout, a 5xx or a 429 is an unknown
outcome (GatewayUnavailableError), which callers treat as "still pending, look it up later".
"""

import base64
import hashlib
import hmac
import json
import logging
from decimal import Decimal
from typing import Any

import requests

from webapp.boundary import JsonRefusedError, strict_loads
from webapp.gateways.amounts import to_major, to_minor
from webapp.gateways.base import (
    CheckoutRequest,
    GatewayNotFoundError,
    GatewayRefund,
    GatewayRejectedError,
    GatewayUnavailableError,
    VerifiedTransaction,
    WebhookNotice,
    WebhookRejectedError,
    WebhookUnreadableError,
)

log = logging.getLogger(__name__)

# Flutterwave's webhook bodies nest three levels (`data.customer.name`); anything far deeper is
# not one of theirs and is refused before it is parsed.
WEBHOOK_MAX_DEPTH = 8


class FlutterwaveGateway:
    name = "flutterwave"

    def __init__(
        self,
        base_url: str,
        secret_key: str,
        webhook_hash: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.webhook_hash = webhook_hash
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {secret_key}"
        self.session.headers["User-Agent"] = "Roadpass/1 (+requests)"

    # -- checkout and verification -------------------------------------------------------

    def create_checkout(self, request: CheckoutRequest) -> str:
        customer = {"email": request.customer_email, "name": request.customer_name}
        if request.customer_phone:
            customer["phonenumber"] = request.customer_phone
        body: dict[str, Any] = {
            "tx_ref": request.tx_ref,
            "amount": to_major(request.amount),
            "currency": request.currency,
            "redirect_url": request.redirect_url,
            "customer": customer,
            "customizations": {"title": request.title, "description": request.description},
            "meta": request.meta,
            "payment_options": "card, banktransfer, ussd",
        }
        if request.session_minutes:
            body["session_duration"] = max(1, min(request.session_minutes, 1440))
        data = self._call("POST", "/payments", json=body)
        link = data.get("link") if isinstance(data, dict) else None
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise GatewayRejectedError("The payment service returned no checkout link.")
        return link

    def verify(self, transaction_id: str) -> VerifiedTransaction:
        if not str(transaction_id).isdigit():
            raise GatewayNotFoundError("No transaction was found for this id")
        return self._transaction(self._call("GET", f"/transactions/{transaction_id}/verify"))

    def verify_by_reference(self, tx_ref: str) -> VerifiedTransaction:
        return self._transaction(
            self._call("GET", "/transactions/verify_by_reference", params={"tx_ref": tx_ref})
        )

    # -- refunds ----------------------------------------------------------------------------

    def refund(self, transaction_id: str, amount: int, comment: str) -> GatewayRefund:
        data = self._call(
            "POST",
            f"/transactions/{transaction_id}/refund",
            json={"amount": to_major(amount), "comments": comment},
        )
        return self._refund(data)

    def get_refund(self, refund_id: str) -> GatewayRefund:
        return self._refund(self._call("GET", f"/refunds/{refund_id}"))

    def find_refunds(self, transaction_id: str) -> list[GatewayRefund]:
        refunds: list[GatewayRefund] = []
        page = 1
        while True:
            body = self._call(
                "GET",
                "/refunds",
                params={"transaction_id": transaction_id, "page": page},
                whole_body=True,
            )
            items = body.get("data") or []
            refunds.extend(self._refund(item) for item in items)
            info = (body.get("meta") or {}).get("page_info") or {}
            if not items or page >= int(info.get("total_pages") or 1):
                return refunds
            page += 1

    # -- webhooks -----------------------------------------------------------------------------

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> WebhookNotice:
        """Both bodies Flutterwave sends for a charge: the documented `{"event", "data"}` and
        the flat legacy one (`txRef`, `id`, `status`, top-level `event.type`). Only those
        fields are read; nothing else in the body is relied on."""
        if not self._authentic(headers, body):
            raise WebhookRejectedError("missing or wrong webhook signature")
        try:
            payload = strict_loads(body, max_depth=WEBHOOK_MAX_DEPTH)
        except JsonRefusedError as error:
            raise WebhookUnreadableError(f"webhook body refused: {error.message}") from error
        if not isinstance(payload, dict):
            raise WebhookUnreadableError("webhook body is not a JSON object")
        if isinstance(payload.get("data"), dict):
            data, event, tx_ref = payload["data"], payload.get("event"), "tx_ref"
        elif "txRef" in payload:
            data, event, tx_ref = payload, payload.get("event.type"), "txRef"
        else:
            raise WebhookUnreadableError("webhook body has no data object")
        event_type = str(_field(event, "event", 60) or "unknown")
        transaction_id = _transaction_id(data.get("id"))
        status = _field(data.get("status"), "status", 40)
        return WebhookNotice(
            event_type=event_type,
            dedupe_key=f"{event_type}:{transaction_id}:{status}"[:120],
            transaction_id=transaction_id,
            tx_ref=_field(data.get(tx_ref), tx_ref, 64),
            status=status.lower() if status else None,
            payload=payload,
        )

    def _authentic(self, headers: dict[str, str], body: bytes) -> bool:
        secret = self.webhook_hash.encode()
        given = headers.get("verif-hash")
        if given is not None:
            return hmac.compare_digest(given.encode(), secret)
        signature = headers.get("flutterwave-signature")
        if signature is not None:
            expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
            return hmac.compare_digest(signature.encode(), expected)
        return False

    # -- plumbing -------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, whole_body: bool = False, **kwargs: Any) -> Any:
        try:
            response = self.session.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as error:
            log.warning("flutterwave %s %s: %s", method, path, type(error).__name__)
            raise GatewayUnavailableError(
                "The payment service is not answering. Please try again shortly."
            ) from error
        try:
            body = response.json(parse_float=Decimal)
        except ValueError:
            body = None
        message = body.get("message") if isinstance(body, dict) else None
        if response.status_code == 429 or response.status_code >= 500 or body is None:
            log.warning("flutterwave %s %s answered %s", method, path, response.status_code)
            raise GatewayUnavailableError(
                "The payment service is busy. Please try again shortly.",
                details={"gatewayStatus": response.status_code},
            )
        if response.status_code == 404 or (
            isinstance(message, str) and "no transaction" in message.lower()
        ):
            raise GatewayNotFoundError(message or "Not found at the payment service.")
        if response.status_code >= 400 or body.get("status") != "success":
            log.warning("flutterwave %s %s refused: %s", method, path, message)
            raise GatewayRejectedError(
                f"The payment service refused the request: {message or response.status_code}",
                details={"gatewayStatus": response.status_code},
            )
        return body if whole_body else body.get("data")

    @staticmethod
    def _transaction(data: Any) -> VerifiedTransaction:
        if not isinstance(data, dict):
            raise GatewayRejectedError("The payment service sent an unreadable transaction.")
        try:
            return VerifiedTransaction(
                transaction_id=str(data["id"]),
                tx_ref=str(data["tx_ref"]),
                status=str(data["status"]).lower(),
                amount=to_minor(data["amount"]),
                currency=str(data["currency"]).upper(),
                gateway_fee=to_minor(data.get("app_fee") or 0),
                raw=_plain(data),
            )
        except (KeyError, ValueError) as error:
            raise GatewayRejectedError(
                "The payment service sent an unreadable transaction."
            ) from error

    @staticmethod
    def _refund(data: Any) -> GatewayRefund:
        if not isinstance(data, dict):
            raise GatewayRejectedError("The payment service sent an unreadable refund.")
        try:
            # The refund call's answer names the transaction `tx_id`; the refund list and
            # GET /refunds/{id} name it `transaction_id` (both as documented).
            return GatewayRefund(
                refund_id=str(data["id"]),
                transaction_id=str(data.get("tx_id") or data.get("transaction_id") or ""),
                amount=to_minor(data["amount_refunded"]),
                status=str(data.get("status") or "").lower(),
                raw=_plain(data),
            )
        except (KeyError, ValueError) as error:
            raise GatewayRejectedError("The payment service sent an unreadable refund.") from error


def _field(value: object, name: str, longest: int) -> str | None:
    """A webhook's text field as Flutterwave sends it: absent, or a string that fits its column."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > longest:
        raise WebhookUnreadableError(f"webhook {name} is not a string of at most {longest}")
    return value


def _transaction_id(value: object) -> str | None:
    """Flutterwave's transaction ids are positive whole numbers (a JSON number; a digit string
    is tolerated), of at most 19 digits."""
    if value is None:
        return None
    text = value if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    if not (text and len(text) <= 19 and text.isascii() and text.isdigit()) or int(text) == 0:
        raise WebhookUnreadableError("webhook data.id is not a transaction id")
    return text


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """The raw answer made JSON-storable (Decimals become their exact string form)."""
    return json.loads(json.dumps(data, default=str))
