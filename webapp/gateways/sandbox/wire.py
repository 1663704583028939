"""The sandbox's wire helpers: Flutterwave's envelope, bearer check, faults, webhook sending."""

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from decimal import Decimal
from typing import Any

import requests
from flask import Response, current_app, request

from webapp.gateways.sandbox.state import Delivery, Link, SandboxState, Transaction, now

log = logging.getLogger(__name__)


def state() -> SandboxState:
    return current_app.extensions["flutterwave_sandbox"]


def envelope(
    status: str, message: str, data: Any = None, code: int = 200, **extra: Any
) -> Response:
    body = {"status": status, "message": message, "data": data, **extra}
    return Response(dumps(body), status=code, mimetype="application/json")


def error(message: str, code: int = 400) -> Response:
    return envelope("error", message, None, code)


def dumps(body: object) -> str:
    """Money goes out as JSON numbers, as Flutterwave sends it: whole amounts as integers
    (`2500`, not `2500.0`), others with their kobo (`100.5`)."""
    return json.dumps(body, default=_number)


def _number(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def refused_call(operation: str) -> Response | None:
    """Bearer check, then any fault queued for this operation; None means go ahead."""
    expected = f"Bearer {current_app.config['FLUTTERWAVE_SECRET_KEY']}"
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return error("Authorization required", 401)
    failure = state().take_failure(operation)
    if failure is not None:
        return failed_call(failure)
    return None


def failed_call(status: int) -> Response:
    messages = {429: "Too many requests", 503: "Service unavailable, try again"}
    return error(messages.get(status, "Sandbox fault"), status)


# -- webhooks -------------------------------------------------------------------------------


def webhook_body(transaction: Transaction, shape: str) -> dict[str, Any]:
    if shape == "legacy":
        return transaction.legacy_webhook()
    return {"event": "charge.completed", "data": transaction.webhook_data()}


def signed_headers(raw: bytes, secret: str, signature: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if signature == "flutterwave-signature":
        digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
        headers["flutterwave-signature"] = base64.b64encode(digest).decode()
    else:
        headers["verif-hash"] = secret
    return headers


class Sender:
    """Where and how this sandbox's webhooks go, read from the app's settings and faults once,
    so that the sending thread needs no app context."""

    def __init__(self, sandbox: SandboxState, url: str) -> None:
        config = current_app.config
        self.sandbox = sandbox
        self.url = url
        self.secret = config["FLUTTERWAVE_WEBHOOK_HASH"]
        self.shape = sandbox.faults.webhook_shape
        self.signature = sandbox.faults.webhook_signature
        self.attempts = max(1, int(config.get("SANDBOX_WEBHOOK_ATTEMPTS", 3)))
        self.interval = float(config.get("SANDBOX_WEBHOOK_RETRY_SECONDS", 30))
        self.timeout = float(config.get("SANDBOX_WEBHOOK_TIMEOUT_SECONDS", 60))
        self.manual = config.get("SANDBOX_WEBHOOK_DELIVERY") == "manual"

    def body(self, transaction: Transaction) -> dict[str, Any]:
        return webhook_body(transaction, self.shape)

    def later(self, bodies: list[dict[str, Any]], delay: float, first: int = 1) -> None:
        """Send `bodies` in order after `delay` seconds, from a thread; or, when delivery is
        manual, keep them until `deliver_outgoing` is called (the delay is then whatever the
        caller waits)."""
        if self.manual:
            with self.sandbox.locked():
                self.sandbox.outgoing.extend((self, body, first) for body in bodies)
            return

        def run() -> None:
            time.sleep(delay)
            for body in bodies:
                self.deliver(body, first)

        threading.Thread(target=run, name="sandbox-webhook", daemon=True).start()

    def deliver(self, body: dict[str, Any], first: int = 1) -> None:
        """Send one event, again after SANDBOX_WEBHOOK_RETRY_SECONDS while the receiver does
        not answer 200 in time, SANDBOX_WEBHOOK_ATTEMPTS times in all (Flutterwave, with
        retries enabled, counts only a 200 as delivered and tries again 30 minutes apart)."""
        for attempt in range(first, self.attempts + 1):
            if attempt > first and self.interval > 0:
                time.sleep(self.interval)
            if self.attempt(body, attempt):
                return

    def attempt(self, body: dict[str, Any], attempt: int) -> bool:
        """One delivery, logged; True when the receiver answered 200."""
        raw = dumps(body).encode()
        answered = None
        try:
            response = requests.post(
                self.url,
                data=raw,
                headers=signed_headers(raw, self.secret, self.signature),
                timeout=self.timeout,
                allow_redirects=False,  # a 3xx is a failed delivery, not a hint to follow
            )
            answered = response.status_code
        except requests.RequestException as exc:
            log.warning("sandbox webhook to %s failed: %s", self.url, type(exc).__name__)
        data = body.get("data", body)
        with self.sandbox.locked():
            self.sandbox.deliveries.append(
                Delivery(data["id"], data["status"], self.url, answered, now(), attempt)
            )
        return answered == 200


def announce(link: Link, transaction: Transaction, *, finished: bool) -> None:
    """Send the webhook(s) for an attempt as the current fault mode says."""
    sandbox = state()
    faults = sandbox.faults
    sender = Sender(sandbox, link.webhook_url)
    body = sender.body(transaction)
    if faults.webhook == "drop":
        return
    if faults.webhook == "before_redirect":
        # The first delivery before the redirect; any retries in the background, so that a
        # failing receiver never holds the hosted page up.
        if not sender.attempt(body, 1) and sender.attempts > 1:
            sender.later([body], sender.interval, first=2)
        return
    if faults.webhook == "reorder":
        link.held_webhooks.append(body)
        if finished:
            later = list(reversed(link.held_webhooks))
            link.held_webhooks.clear()
            sender.later(later, faults.webhook_delay_seconds)
        return
    copies = faults.webhook_copies if faults.webhook == "duplicate" else 1
    sender.later([body] * copies, faults.webhook_delay_seconds)


def release_held(link: Link) -> None:
    """A link finished without a new attempt (cancel, give up): flush reordered webhooks."""
    if link.held_webhooks:
        later = list(reversed(link.held_webhooks))
        link.held_webhooks.clear()
        sandbox = state()
        Sender(sandbox, link.webhook_url).later(later, sandbox.faults.webhook_delay_seconds)


def deliver_outgoing(sandbox: SandboxState) -> int:
    """Send every webhook kept back by manual delivery, in order, retries included, before
    returning; how many events were sent."""
    with sandbox.locked():
        waiting, sandbox.outgoing = sandbox.outgoing, []
    for sender, body, first in waiting:
        sender.deliver(body, first)
    return len(waiting)
