"""The sandbox's pages: the hosted checkout a passenger pays on, and the fault control page."""

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, jsonify, redirect, render_template, request, url_for

from webapp.gateways.sandbox import bp
from webapp.gateways.sandbox.state import (
    DECLINED_CARD,
    OPERATIONS,
    SUCCESS_CARD,
    TEST_CARDS,
    WEBHOOK_MODES,
    WEBHOOK_SHAPES,
    WEBHOOK_SIGNATURES,
    Faults,
    Link,
    Transaction,
    now,
)
from webapp.gateways.sandbox.wire import announce, deliver_outgoing, release_held, state

OUTCOMES = ("successful", "failed", "cancelled")


def _link_or_404(link_id: str) -> Link:
    link = state().links.get(link_id)
    if link is None:
        abort(404)
    return link


def _expired(link: Link) -> tuple[str, int]:
    """The session ran out (session_duration): nothing can be paid here any more. The way back
    tells the merchant the attempt failed, with no transaction, so it can offer a fresh one."""
    separator = "&" if "?" in link.redirect_url else "?"
    back = f"{link.redirect_url}{separator}{urlencode({'status': 'failed', 'tx_ref': link.tx_ref})}"
    return render_template("sandbox/expired.html", link=link, back=back), 410


def _back(link: Link, **params: Any) -> Response:
    separator = "&" if "?" in link.redirect_url else "?"
    query = urlencode({"status": params.pop("status"), "tx_ref": link.tx_ref, **params})
    return redirect(f"{link.redirect_url}{separator}{query}", 303)


def _attempt(link: Link, card: str) -> Transaction:
    sandbox = state()
    faults = sandbox.faults
    outcome, response, _ = TEST_CARDS[card]
    transaction = Transaction(
        id=sandbox.next_id(),
        tx_ref=link.tx_ref,
        flw_ref=f"FLW-SANDBOX-{link.id[:8].upper()}-{sandbox.next_id()}",
        amount=link.amount + faults.amount_delta if outcome == "successful" else link.amount,
        currency=faults.currency or link.currency,
        status=outcome,
        processor_response=response,
        card=card,
        customer=link.customer,
        meta=link.meta,
        created_at=now(),
    )
    sandbox.transactions[transaction.id] = transaction
    return transaction


@bp.get("/checkout/<link_id>")
def checkout(link_id: str) -> str | tuple[str, int]:
    link = _link_or_404(link_id)
    if link.expired(now()) and not link.finished:
        return _expired(link)
    return render_template("sandbox/checkout.html", link=link, cards=TEST_CARDS, error=None)


@bp.post("/checkout/<link_id>")
def pay(link_id: str) -> Response | tuple[str, int]:
    sandbox = state()
    with sandbox.locked():
        link = _link_or_404(link_id)
        if link.finished:
            return render_template("sandbox/finished.html", link=link), 409
        if link.expired(now()):
            return _expired(link)
        outcome = request.form.get("outcome", "")
        card = request.form.get("card", "").replace(" ", "")
        if outcome in ("cancelled", "give_up"):
            link.finished = True
            sandbox.save()
            release_held(link)
            return _back(link, status="cancelled" if outcome == "cancelled" else "failed")
        if outcome in ("successful", "failed"):
            card = SUCCESS_CARD if outcome == "successful" else DECLINED_CARD
        elif card not in TEST_CARDS:
            page = render_template(
                "sandbox/checkout.html",
                link=link,
                cards=TEST_CARDS,
                error="Choose one of the test cards, or cancel.",
            )
            return page, 422
        transaction = _attempt(link, card)
        link.finished = transaction.status == "successful" or outcome == "failed"
        sandbox.save()
    # Outside the lock: a webhook sent before the redirect is verified by the app at once.
    announce(link, transaction, finished=link.finished)
    if transaction.status == "successful":
        return _back(link, status="successful", transaction_id=transaction.id)
    if outcome == "failed":
        return _back(link, status="failed")
    page = render_template(
        "sandbox/checkout.html",
        link=link,
        cards=TEST_CARDS,
        error=f"Card declined: {transaction.processor_response}. Try another card.",
    )
    return page, 402


@bp.route("/control", methods=["GET", "POST"])
def control() -> Response | str:
    if request.method == "POST":
        form = request.form
        try:
            _apply_faults(
                {
                    "verify_latency_ms": form.get("verify_latency_ms") or 0,
                    "refund_latency_ms": form.get("refund_latency_ms") or 0,
                    "webhook": form.get("webhook") or "normal",
                    "webhook_delay_seconds": form.get("webhook_delay_seconds") or 0.3,
                    "webhook_copies": form.get("webhook_copies") or 3,
                    "amount_delta": form.get("amount_delta") or "0",
                    "currency": form.get("currency") or None,
                    "webhook_shape": form.get("webhook_shape") or "documented",
                    "webhook_signature": form.get("webhook_signature") or "verif-hash",
                    "fail_next": {
                        op: [int(form[f"fail_{op}"])] * int(form.get(f"fail_{op}_count") or 1)
                        for op in OPERATIONS
                        if form.get(f"fail_{op}") in ("429", "503")
                    },
                }
            )
        except ValueError as error:
            return _control_page(str(error))
        return redirect(url_for("sandbox.control"), 303)
    return _control_page(None)


def _control_page(error: str | None) -> str:
    return render_template(
        "sandbox/control.html",
        sandbox=state(),
        modes=WEBHOOK_MODES,
        shapes=WEBHOOK_SHAPES,
        signatures=WEBHOOK_SIGNATURES,
        error=error,
    )


@bp.get("/control/faults")
def current_faults() -> Response:
    """JSON: the faults in force, with what is left of any queued failures."""
    return jsonify(state().faults.as_json())


@bp.post("/control/faults")
def set_faults() -> Response | tuple[Response, int]:
    """JSON for tests: replace the faults, e.g. {"webhook": "drop"}."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "send a JSON object"}), 400
    try:
        _apply_faults(body)
    except ValueError as error:
        return jsonify({"error": str(error)}), 400
    return jsonify(state().faults.as_json())


@bp.post("/control/reset")
def reset() -> Response:
    state().reset()
    state().save()
    return jsonify({"reset": True})


@bp.post("/control/deliver")
def deliver() -> Response:
    """Send the webhooks that manual delivery kept back; answers once they were answered."""
    return jsonify({"delivered": deliver_outgoing(state())})


@bp.post("/control/wait")
def wait() -> Response | tuple[Response, int]:
    """Answer once the sandbox has refunded the transaction `refundOf`, or after `timeout`
    seconds (at most 300): a test waits on the event itself instead of polling for it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("refundOf"), str | int):
        return jsonify({"error": 'send {"refundOf": <transaction id>, "timeout": seconds}'}), 400
    transaction_id = str(body["refundOf"])
    try:
        timeout = max(0.0, min(float(body.get("timeout", 30)), 300.0))
    except (TypeError, ValueError):
        return jsonify({"error": "timeout must be a number of seconds"}), 400
    sandbox = state()
    with sandbox.changed:
        happened = sandbox.changed.wait_for(
            lambda: any(str(r.tx_id) == transaction_id for r in sandbox.refunds.values()),
            timeout,
        )
    return jsonify({"happened": happened})


@bp.get("/control/deliveries")
def deliveries() -> Response:
    return jsonify(
        [
            {
                "transactionId": d.transaction_id,
                "status": d.status,
                "answered": d.answered,
                "attempt": d.attempt,
                "url": d.url,
            }
            for d in state().deliveries
        ]
    )


@bp.get("/control/links")
def links() -> Response:
    """Every hosted link asked for, with the amount it was asked for (as a string) and when
    its session ends (null: never)."""
    return jsonify(
        [
            {
                "id": ln.id,
                "txRef": ln.tx_ref,
                "amount": str(ln.amount),
                "currency": ln.currency,
                "expiresAt": ln.expires_at.isoformat() if ln.expires_at else None,
            }
            for ln in state().links.values()
        ]
    )


@bp.post("/control/links/<link_id>/expire")
def expire_link(link_id: str) -> Response | tuple[Response, int]:
    """End a hosted link's session now, as if its session_duration had passed."""
    with state().locked() as sandbox:
        link = sandbox.links.get(link_id)
        if link is None:
            return jsonify({"error": "unknown link"}), 404
        link.expires_at = now()
        sandbox.save()
    return jsonify({"id": link_id, "expired": True})


@bp.post("/control/transactions/<id:transaction_id>")
def plant(transaction_id: int) -> Response | tuple[Response, int]:
    """Change what the gateway reports for a transaction (a mismatch for reconciliation)."""
    transaction = state().transactions.get(transaction_id)
    body = request.get_json(silent=True)
    if transaction is None or not isinstance(body, dict):
        return jsonify({"error": "unknown transaction or no JSON body"}), 404
    try:
        if "amount" in body:
            transaction.amount = Decimal(str(body["amount"]))
        if "status" in body and body["status"] in ("successful", "failed", "pending"):
            transaction.status = body["status"]
        state().save()
    except InvalidOperation:
        return jsonify({"error": "amount must be a number"}), 400
    return jsonify(transaction.as_data() | {"amount": str(transaction.amount)})


def _apply_faults(values: dict[str, Any]) -> None:
    """Validate everything first, then swap the faults in one go."""
    webhook = str(values.get("webhook", "normal"))
    if webhook not in WEBHOOK_MODES:
        raise ValueError(f"webhook must be one of {', '.join(WEBHOOK_MODES)}")
    shape = str(values.get("webhook_shape", "documented"))
    if shape not in WEBHOOK_SHAPES:
        raise ValueError(f"webhook_shape must be one of {', '.join(WEBHOOK_SHAPES)}")
    signature = str(values.get("webhook_signature", "verif-hash"))
    if signature not in WEBHOOK_SIGNATURES:
        raise ValueError(f"webhook_signature must be one of {', '.join(WEBHOOK_SIGNATURES)}")
    fail_next = values.get("fail_next") or {}
    if not isinstance(fail_next, dict) or any(
        op not in OPERATIONS
        or not isinstance(codes, list)
        or any(code not in (429, 500, 502, 503) for code in codes)
        for op, codes in fail_next.items()
    ):
        raise ValueError(f"fail_next maps {', '.join(OPERATIONS)} to lists of 429, 500, 502 or 503")
    try:
        faults = Faults(
            verify_latency_ms=max(0, min(int(values.get("verify_latency_ms", 0)), 60_000)),
            refund_latency_ms=max(0, min(int(values.get("refund_latency_ms", 0)), 60_000)),
            fail_next={op: list(codes) for op, codes in fail_next.items()},
            webhook=webhook,
            webhook_delay_seconds=max(
                0.0, min(float(values.get("webhook_delay_seconds", 0.3)), 120)
            ),
            webhook_copies=max(1, min(int(values.get("webhook_copies", 3)), 10)),
            amount_delta=Decimal(str(values.get("amount_delta", "0"))).quantize(Decimal("0.01")),
            currency=(str(values["currency"]).upper()[:3] if values.get("currency") else None),
            webhook_shape=shape,
            webhook_signature=signature,
        )
    except (TypeError, ValueError, InvalidOperation) as error:
        raise ValueError("faults must be numbers where numbers are expected") from error
    with state().locked() as sandbox:
        sandbox.faults = faults
