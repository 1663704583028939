"""The sandbox's wire helpers: Flutterwave's envelope, bearer check, faults, webhook sending."""

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
    # Money goes out as JSON numbers, as Flutterwave sends it.
    return json.dumps(body, default=lambda v: float(v) if isinstance(v, Decimal) else str(v))


def refused_call(operation: str) -> Response | None:
    """Bearer check, then any fault queued for this operation; None means go ahead."""
    expected = f"Bearer {current_app.config['FLUTTERWAVE_SECRET_KEY']}"
    if request.headers.get("Authorization", "") != expected:
        return error("Authorization required", 401)
    failure = state().take_failure(operation)
    if failure is not None:
        messages = {429: "Too many requests", 503: "Service unavailable, try again"}
        return error(messages.get(failure, "Sandbox fault"), failure)
    return None


def webhook_body(transaction: Transaction) -> dict[str, Any]:
    return {
        "event": "charge.completed",
        "data": transaction.as_data(),
        "event.type": "CARD_TRANSACTION",
    }


def announce(link: Link, transaction: Transaction, *, finished: bool) -> None:
    """Send the webhook(s) for an attempt as the current fault mode says."""
    sandbox = state()
    faults = sandbox.faults
    body = webhook_body(transaction)
    secret = current_app.config["FLUTTERWAVE_WEBHOOK_HASH"]
    if faults.webhook == "drop":
        return
    if faults.webhook == "before_redirect":
        _deliver(sandbox, link.webhook_url, secret, body)
        return
    if faults.webhook == "reorder":
        link.held_webhooks.append(body)
        if finished:
            later = list(reversed(link.held_webhooks))
            link.held_webhooks.clear()
            send_later(sandbox, link.webhook_url, secret, later, faults.webhook_delay_seconds)
        return
    copies = faults.webhook_copies if faults.webhook == "duplicate" else 1
    delay = faults.webhook_delay_seconds
    send_later(sandbox, link.webhook_url, secret, [body] * copies, delay)


def release_held(link: Link) -> None:
    """A link finished without a new attempt (cancel, give up): flush reordered webhooks."""
    if link.held_webhooks:
        later = list(reversed(link.held_webhooks))
        link.held_webhooks.clear()
        sandbox = state()
        secret = current_app.config["FLUTTERWAVE_WEBHOOK_HASH"]
        send_later(sandbox, link.webhook_url, secret, later, sandbox.faults.webhook_delay_seconds)


def send_later(
    sandbox: SandboxState, url: str, secret: str, bodies: list[dict], delay: float
) -> None:
    """Send `bodies` in order after `delay` seconds, from a thread; or, when delivery is manual,
    keep them until `deliver_outgoing` is called (the delay is then whatever the caller waits)."""
    if current_app.config["SANDBOX_WEBHOOK_DELIVERY"] == "manual":
        with sandbox.locked():
            sandbox.outgoing.extend((url, secret, body) for body in bodies)
        return

    def run() -> None:
        time.sleep(delay)
        for body in bodies:
            _deliver(sandbox, url, secret, body)

    threading.Thread(target=run, name="sandbox-webhook", daemon=True).start()


def deliver_outgoing(sandbox: SandboxState) -> int:
    """Send every webhook kept back by manual delivery, in order, before returning."""
    with sandbox.locked():
        waiting, sandbox.outgoing = sandbox.outgoing, []
    for url, secret, body in waiting:
        _deliver(sandbox, url, secret, body)
    return len(waiting)


def _deliver(sandbox: SandboxState, url: str, secret: str, body: dict[str, Any]) -> None:
    answered = None
    try:
        response = requests.post(
            url,
            data=dumps(body),
            headers={"Content-Type": "application/json", "verif-hash": secret},
            timeout=60,
        )
        answered = response.status_code
    except requests.RequestException as exc:
        log.warning("sandbox webhook to %s failed: %s", url, type(exc).__name__)
    data = body["data"]
    with sandbox.locked():
        sandbox.deliveries.append(Delivery(data["id"], data["status"], url, answered, now()))
