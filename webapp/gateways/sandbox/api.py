"""The sandbox's v3 API: hosted payments, verify, transactions (list, fee, events), refunds,
refund lookup, resend-hook and balances. Every answer is Flutterwave's JSON envelope, errors
included (an unknown route under /v3 too), so that official clients can read all of them."""

import secrets
import time
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from flask import Response, current_app, request, url_for

from webapp.gateways.sandbox import bp
from webapp.gateways.sandbox.state import (
    CENT,
    FEE_CAP,
    FEE_RATE,
    Link,
    Refund,
    Transaction,
    now,
    stamp,
)
from webapp.gateways.sandbox.wire import (
    Sender,
    envelope,
    error,
    failed_call,
    refused_call,
    state,
)

CURRENCIES = {"NGN", "USD", "GHS", "KES", "ZAR", "GBP", "EUR"}
NOT_FOUND = "No transaction was found for this id"
PAGE_SIZE = 10
MAX_SESSION_MINUTES = 1440


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
    session = body.get("session_duration")
    if session is None and isinstance(body.get("configurations"), dict):
        session = body["configurations"].get("session_duration")
    if session is not None and (
        isinstance(session, bool)
        or not str(session).isdigit()
        or not 0 < int(session) <= MAX_SESSION_MINUTES
    ):
        return error(f"session_duration must be between 1 and {MAX_SESSION_MINUTES} minutes")
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
        if session is not None:
            link.expires_at = link.created_at + timedelta(minutes=int(session))
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
        made = now()
        refund = Refund(
            id=sandbox.next_id(),
            tx_id=transaction.id,
            flw_ref=f"URF_{int(made.timestamp() * 1000)}_{secrets.randbelow(10_000_000):07d}",
            amount_refunded=amount,
            comments=str(body.get("comments") or "")[:200],
            status="completed",
            created_at=made,
        )
        sandbox.refunds[refund.id] = refund
        sandbox.changed.notify_all()
        sandbox.save()
        latency = sandbox.faults.refund_latency_ms
    if latency > 0:
        time.sleep(latency / 1000)
    lost = sandbox.take_failure("refund_answer")
    if lost is not None:
        return failed_call(lost)
    return envelope("success", "Transaction refund initiated", refund.as_created())


@bp.get("/v3/refunds/<refund_id>")
def get_refund(refund_id: str) -> Response:
    if (refused := refused_call("refund_lookup")) is not None:
        return refused
    refund = state().refunds.get(int(refund_id)) if refund_id.isdigit() else None
    if refund is None:
        return error("Refund not found", 404)
    return envelope("success", "Refund fetched", refund.as_listed())


@bp.get("/v3/refunds")
def list_refunds() -> Response:
    if (refused := refused_call("refund_lookup")) is not None:
        return refused
    wanted = request.args.get("transaction_id", "")
    status = request.args.get("status")
    found = [
        r
        for r in state().refunds.values()
        if (not wanted or str(r.tx_id) == wanted) and (not status or r.status == status)
    ]
    return _page("Refunds fetched", [r.as_listed() for r in found])


@bp.get("/v3/transactions")
def list_transactions() -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    args = request.args
    start, end = _day(args.get("from")), _day(args.get("to"))
    if start is False or end is False:
        return error("from and to must be dates (YYYY-MM-DD)")
    found = [
        t
        for t in sorted(state().transactions.values(), key=lambda t: t.id, reverse=True)
        if (not args.get("status") or t.status == args["status"])
        and (not args.get("tx_ref") or t.tx_ref == args["tx_ref"])
        and (not args.get("currency") or t.currency == args["currency"].upper())
        and (start is None or t.created_at.date() >= start)
        and (end is None or t.created_at.date() <= end)
    ]
    return _page("Transactions fetched", [_listed(t) for t in found])


@bp.get("/v3/transactions/fee")
def transaction_fee() -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    amount = _amount(request.args.get("amount"))
    currency = str(request.args.get("currency") or "NGN").upper()
    if amount is None:
        return error("amount must be a positive number")
    if currency not in CURRENCIES:
        return error("Invalid currency")
    fee = min(amount * FEE_RATE, FEE_CAP).quantize(CENT, ROUND_HALF_UP)
    stamp_duty = Decimal(50) if currency == "NGN" and amount >= 10_000 else Decimal(0)
    return envelope(
        "success",
        "Charged fee",
        {
            "charge_amount": amount,
            "fee": fee,
            "merchant_fee": 0,
            "flutterwave_fee": fee,
            "stamp_duty_fee": stamp_duty,
            "currency": currency,
        },
    )


@bp.get("/v3/transactions/<transaction_id>/events")
def transaction_events(transaction_id: str) -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    transaction = _transaction(transaction_id)
    if transaction is None:
        return error(NOT_FOUND)
    moment = stamp(transaction.created_at)
    events = [
        ("Initiate.Charge", "Payment started on the hosted page"),
        ("Card.PIN", "Customer entered the card PIN"),
        (
            "Charge.Completed" if transaction.status == "successful" else "Charge.Failed",
            transaction.processor_response,
        ),
    ]
    return envelope(
        "success",
        "Transaction events fetched",
        [
            {"type": kind, "message": message, "env": "test", "created_at": moment}
            for kind, message in events
        ],
    )


@bp.post("/v3/transactions/<transaction_id>/resend-hook")
def resend_hook(transaction_id: str) -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    sandbox = state()
    transaction = _transaction(transaction_id)
    if transaction is None:
        return error(NOT_FOUND)
    link = next((ln for ln in sandbox.links.values() if ln.tx_ref == transaction.tx_ref), None)
    if link is None:
        return error(NOT_FOUND)
    sender = Sender(sandbox, link.webhook_url)
    sender.later([sender.body(transaction)], 0)
    return envelope("success", "hook sent successfully", "hook sent")


@bp.get("/v3/balances")
def balances() -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    return envelope("success", "Wallet balances fetched", [_balance(c) for c in sorted(CURRENCIES)])


@bp.get("/v3/balances/<currency>")
def balance(currency: str) -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    if currency.upper() not in CURRENCIES:
        return error("Invalid currency")
    return envelope("success", "Wallet balance fetched", _balance(currency.upper()))


@bp.route("/v3/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_route(unknown: str) -> Response:
    """Flutterwave answers an unknown route with its JSON envelope, never an HTML page."""
    if (refused := refused_call("unknown")) is not None:
        return refused
    return error(f"Cannot {request.method} /v3/{unknown}", 404)


def _transaction(transaction_id: str) -> Transaction | None:
    return state().transactions.get(int(transaction_id)) if transaction_id.isdigit() else None


def _page(message: str, items: list[dict[str, Any]]) -> Response:
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    chunk = items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    page_info = {
        "total": len(items),
        "current_page": number,
        "total_pages": max(1, -(-len(items) // PAGE_SIZE)),
        "page_size": PAGE_SIZE,
    }
    return envelope("success", message, chunk, meta={"page_info": page_info})


def _day(value: str | None) -> date | Literal[False] | None:
    """None when not given, the date when it reads as one, False when it does not."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:10]).date()
    except ValueError:
        return False


def _listed(transaction: Transaction) -> dict[str, Any]:
    """A transaction as the list shows it: the verify fields, customer flattened as documented."""
    data = transaction.as_data()
    customer = data.pop("customer")
    data.pop("meta")
    data["customer_name"] = customer["name"]
    data["customer_email"] = customer["email"]
    return data


def _balance(currency: str) -> dict[str, Any]:
    settled = sum(
        (
            t.amount - t.app_fee - t.refunded
            for t in state().transactions.values()
            if t.currency == currency and t.status == "successful"
        ),
        Decimal(0),
    )
    return {
        "currency": currency,
        "available_balance": settled,
        "ledger_balance": settled,
    }
