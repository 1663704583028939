"""The sandbox's v3 API: hosted payments, verify, refunds, refund lookup, resend-hook."""

import secrets
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, current_app, request, url_for

from webapp.gateways.sandbox import bp
from webapp.gateways.sandbox.state import Link, Refund, now
from webapp.gateways.sandbox.wire import (
    envelope,
    error,
    refused_call,
    send_later,
    state,
    webhook_body,
)

CURRENCIES = {"NGN", "USD", "GHS", "KES", "ZAR", "GBP", "EUR"}
NOT_FOUND = "No transaction was found for this id"


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount


@bp.post("/v3/payments")
def create_payment() -> Response:
    if (refused := refused_call("create")) is not None:
        return refused
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error("Request body must be a JSON object")
    tx_ref = body.get("tx_ref")
    amount = _amount(body.get("amount"))
    currency = str(body.get("currency") or "NGN").upper()
    customer = body.get("customer")
    redirect_url = body.get("redirect_url")
    if not isinstance(tx_ref, str) or not tx_ref.strip():
        return error("tx_ref is required")
    if amount is None:
        return error("amount must be a positive number")
    if currency not in CURRENCIES:
        return error("Invalid currency")
    if not isinstance(customer, dict) or not customer.get("email"):
        return error("customer.email is required")
    if not isinstance(redirect_url, str) or not redirect_url.startswith(("http://", "https://")):
        return error("redirect_url must be an absolute URL")
    sandbox = state()
    with sandbox.locked():
        if any(t.status == "successful" for t in sandbox.transactions_for(tx_ref)):
            return error("A transaction with this tx_ref has already been completed")
        customizations = body.get("customizations") or {}
        link = Link(
            id=secrets.token_urlsafe(12),
            tx_ref=tx_ref,
            amount=amount,
            currency=currency,
            redirect_url=redirect_url,
            customer=customer,
            meta=body.get("meta") if isinstance(body.get("meta"), dict) else {},
            title=str(customizations.get("title") or "Payment")[:80],
            description=str(customizations.get("description") or "")[:200],
            webhook_url=current_app.config.get("SANDBOX_WEBHOOK_URL")
            or url_for("api.flutterwave_webhook", _external=True),
            created_at=now(),
        )
        sandbox.links[link.id] = link
        sandbox.save()
    hosted = url_for("sandbox.checkout", link_id=link.id, _external=True)
    return envelope("success", "Hosted Link", {"link": hosted})


def _slow_down() -> None:
    latency = state().faults.verify_latency_ms
    if latency > 0:
        time.sleep(latency / 1000)


@bp.get("/v3/transactions/<transaction_id>/verify")
def verify(transaction_id: str) -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    _slow_down()
    transaction = (
        state().transactions.get(int(transaction_id)) if transaction_id.isdigit() else None
    )
    if transaction is None:
        return error(NOT_FOUND)
    return envelope("success", "Transaction fetched successfully", transaction.as_data())


@bp.get("/v3/transactions/verify_by_reference")
def verify_by_reference() -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    _slow_down()
    found = state().transactions_for(request.args.get("tx_ref", ""))
    if not found:
        return error(NOT_FOUND)
    # A successful attempt wins; otherwise the latest attempt.
    best = max(found, key=lambda t: (t.status == "successful", t.id))
    return envelope("success", "Transaction fetched successfully", best.as_data())


@bp.post("/v3/transactions/<transaction_id>/refund")
def refund(transaction_id: str) -> Response:
    if (refused := refused_call("refund")) is not None:
        return refused
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    sandbox = state()
    with sandbox.locked():
        transaction = (
            sandbox.transactions.get(int(transaction_id)) if transaction_id.isdigit() else None
        )
        if transaction is None:
            return error(NOT_FOUND)
        if transaction.status != "successful":
            return error("Only successful transactions can be refunded")
        left = transaction.amount - transaction.refunded
        amount = left if body.get("amount") in (None, "") else _amount(body.get("amount"))
        if amount is None:
            return error("amount must be a positive number")
        if amount > left:
            return error(f"Refund amount exceeds the refundable balance of {left}")
        transaction.refunded += amount
        refund = Refund(
            id=sandbox.next_id(),
            tx_id=transaction.id,
            flw_ref=transaction.flw_ref,
            amount_refunded=amount,
            comments=str(body.get("comments") or "")[:200],
            status="completed",
            created_at=now(),
        )
        sandbox.refunds[refund.id] = refund
        sandbox.changed.notify_all()
        sandbox.save()
        latency = sandbox.faults.refund_latency_ms
    if latency > 0:
        time.sleep(latency / 1000)
    return envelope("success", "Transaction refund initiated", refund.as_data())


@bp.get("/v3/refunds/<refund_id>")
def get_refund(refund_id: str) -> Response:
    if (refused := refused_call("refund_lookup")) is not None:
        return refused
    refund = state().refunds.get(int(refund_id)) if refund_id.isdigit() else None
    if refund is None:
        return error("Refund not found", 404)
    return envelope("success", "Refund fetched", refund.as_data())


@bp.get("/v3/refunds")
def list_refunds() -> Response:
    if (refused := refused_call("refund_lookup")) is not None:
        return refused
    wanted = request.args.get("transaction_id", "")
    status = request.args.get("status")
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    size = 10
    found = [
        r
        for r in state().refunds.values()
        if (not wanted or str(r.tx_id) == wanted) and (not status or r.status == status)
    ]
    chunk = found[(page_number - 1) * size : page_number * size]
    page_info = {
        "total": len(found),
        "current_page": page_number,
        "total_pages": max(1, -(-len(found) // size)),
    }
    return envelope(
        "success",
        "Refunds fetched",
        [r.as_data() for r in chunk],
        meta={"page_info": page_info},
    )


@bp.post("/v3/transactions/<transaction_id>/resend-hook")
def resend_hook(transaction_id: str) -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    sandbox = state()
    transaction = (
        sandbox.transactions.get(int(transaction_id)) if transaction_id.isdigit() else None
    )
    if transaction is None:
        return error(NOT_FOUND)
    link = next((ln for ln in sandbox.links.values() if ln.tx_ref == transaction.tx_ref), None)
    if link is None:
        return error(NOT_FOUND)
    secret = current_app.config["FLUTTERWAVE_WEBHOOK_HASH"]
    send_later(sandbox, link.webhook_url, secret, [webhook_body(transaction)], 0)
    return envelope("success", "Hook sent", None)
