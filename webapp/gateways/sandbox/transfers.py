"""The sandbox's Transfers: account resolution, transfers, their look-ups and webhooks.

`POST /v3/accounts/resolve`, `POST /v3/transfers`, `GET /v3/transfers/<id>`,
`GET /v3/transfers?reference=` and the `transfer.completed` webhook, with faults set on
`POST /control/transfers/faults` (JSON): `mode` = `normal` | `insufficient_balance` (refused) |
`bank_down` (503, nothing created) | `timeout` (created, the answer comes after the client gave
up) | `fails_later` (created, then FAILED); `complete` = `auto` | `manual` (finish it with
`POST /control/transfers/<id>/complete`); `webhook` = `normal` | `drop`. A reference is used once.
"""

import contextlib
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests
from flask import Flask, Response, current_app, jsonify, request, url_for

from webapp.gateways.sandbox import bp
from webapp.gateways.sandbox.api import _amount
from webapp.gateways.sandbox.state import now, stamp
from webapp.gateways.sandbox.wire import dumps, envelope, error, refused_call, state

MODES = ("normal", "insufficient_balance", "bank_down", "timeout", "fails_later")
TRANSFER_FEE = Decimal("26.88")  # NGN 5,000+ transfers: ₦25 + VAT
# Account numbers the sandbox knows by name; any other ten digits resolve to a test name.
ACCOUNTS = {"0690000031": "Forrest Green", "0690000032": "Pastor Bright"}
INVALID_ACCOUNT = "0000000000"


@dataclass
class TransferFaults:
    mode: str = "normal"
    complete: str = "auto"
    webhook: str = "normal"
    delay_seconds: float = 0.2
    timeout_seconds: float = 3.0


@dataclass
class Transfer:
    id: int
    reference: str
    account_number: str
    bank_code: str
    full_name: str
    amount: Decimal
    currency: str
    narration: str
    status: str
    complete_message: str
    created_at: datetime
    webhook_url: str = ""
    fails: bool = False

    def as_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_number": self.account_number,
            "bank_code": self.bank_code,
            "full_name": self.full_name,
            "created_at": stamp(self.created_at),
            "currency": self.currency,
            "debit_currency": self.currency,
            "amount": self.amount,
            "fee": TRANSFER_FEE,
            "status": self.status,
            "reference": self.reference,
            "meta": None,
            "narration": self.narration,
            "complete_message": self.complete_message,
            "requires_approval": 0,
            "is_approved": 1,
            "bank_name": "SANDBOX BANK",
        }


@dataclass
class TransferBook:
    lock: threading.RLock = field(default_factory=threading.RLock)
    faults: TransferFaults = field(default_factory=TransferFaults)
    transfers: dict[int, Transfer] = field(default_factory=dict)
    webhooks: list[dict[str, Any]] = field(default_factory=list)


def book() -> TransferBook:
    found = current_app.extensions.get("flutterwave_sandbox_transfers")
    if found is None:
        found = TransferBook(faults=_default_faults())
        current_app.extensions["flutterwave_sandbox_transfers"] = found
    return found


def _default_faults() -> TransferFaults:
    # Where webhooks wait for the test to send them, transfers wait for it to finish them.
    manual = current_app.config.get("SANDBOX_WEBHOOK_DELIVERY") == "manual"
    return TransferFaults(complete="manual" if manual else "auto")


@bp.post("/v3/accounts/resolve")
def resolve_account() -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    number, bank = str(body.get("account_number") or ""), str(body.get("account_bank") or "")
    if not (number.isdigit() and len(number) == 10) or not bank.isdigit():
        return error("account_number must be 10 digits and account_bank a bank code")
    if number == INVALID_ACCOUNT:
        return error("Sorry, that account number is invalid, please check and try again")
    name = ACCOUNTS.get(number, f"Sandbox Account {number[-4:]}")
    return envelope(
        "success", "Account details fetched", {"account_number": number, "account_name": name}
    )


@bp.post("/v3/transfers")
def create_transfer() -> Response:
    if (refused := refused_call("create")) is not None:
        return refused
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error("Request body must be a JSON object")
    amount = _amount(body.get("amount"))
    reference = body.get("reference")
    number, bank = str(body.get("account_number") or ""), str(body.get("account_bank") or "")
    if amount is None:
        return error("amount must be a positive number")
    if not isinstance(reference, str) or not reference.strip():
        return error("reference is required")
    if not (number.isdigit() and len(number) == 10) or not bank:
        return error("account_number and account_bank are required")
    transfers = book()
    with transfers.lock:
        faults = transfers.faults
        if any(t.reference == reference for t in transfers.transfers.values()):
            return error("Transfer with this reference already exists")
        if faults.mode == "insufficient_balance":
            return error("Insufficient funds in customer wallet")
        if faults.mode == "bank_down":
            return error("Service unavailable, try again", 503)
        transfer = Transfer(
            id=state().next_id(),
            reference=reference,
            account_number=number,
            bank_code=bank,
            full_name=ACCOUNTS.get(number, f"Sandbox Account {number[-4:]}"),
            amount=amount,
            currency=str(body.get("currency") or "NGN").upper(),
            narration=str(body.get("narration") or "")[:100],
            status="NEW",
            complete_message="",
            created_at=now(),
            webhook_url=current_app.config.get("SANDBOX_WEBHOOK_URL")
            or url_for("api.flutterwave_webhook", _external=True),
            fails=faults.mode == "fails_later",
        )
        transfers.transfers[transfer.id] = transfer
        answer = transfer.as_data()
        if faults.complete == "auto":
            _finish_later(current_app._get_current_object(), transfer.id, faults.delay_seconds)  # type: ignore[attr-defined]
        timeout = faults.timeout_seconds if faults.mode == "timeout" else 0
    if timeout:
        time.sleep(timeout)  # the transfer exists; the caller has given up waiting
    return envelope("success", "Transfer Queued Successfully", answer)


@bp.get("/v3/transfers/<transfer_id>")
def get_transfer(transfer_id: str) -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    transfer = book().transfers.get(int(transfer_id)) if transfer_id.isdigit() else None
    if transfer is None:
        return error("No transfer was found for this id", 404)
    return envelope("success", "Transfer fetched", transfer.as_data())


@bp.get("/v3/transfers")
def list_transfers() -> Response:
    if (refused := refused_call("verify")) is not None:
        return refused
    wanted = request.args.get("reference")
    found = [
        t.as_data() for t in book().transfers.values() if wanted is None or t.reference == wanted
    ]
    page_info = {"total": len(found), "current_page": 1, "total_pages": 1}
    return envelope("success", "Transfers fetched", found, meta={"page_info": page_info})


def _finish_later(app: Flask, transfer_id: int, delay: float) -> None:
    def run() -> None:
        time.sleep(delay)
        with app.app_context():
            finish(transfer_id)

    threading.Thread(target=run, name="sandbox-transfer", daemon=True).start()


def finish(transfer_id: int) -> Transfer | None:
    """The bank's answer: SUCCESSFUL, or FAILED for a transfer set to fail; then the webhook."""
    transfers = book()
    with transfers.lock:
        transfer = transfers.transfers.get(transfer_id)
        if transfer is None or transfer.status in ("SUCCESSFUL", "FAILED"):
            return transfer
        transfer.status = "FAILED" if transfer.fails else "SUCCESSFUL"
        transfer.complete_message = (
            "DISBURSE FAILED: Beneficiary bank unavailable"
            if transfer.fails
            else "Transaction was successful"
        )
        body = {"event": "transfer.completed", "event.type": "Transfer", "data": transfer.as_data()}
        send = transfers.faults.webhook != "drop"
    if send:
        url = transfer.webhook_url
        secret = current_app.config["FLUTTERWAVE_WEBHOOK_HASH"]
        answered = None
        with contextlib.suppress(requests.RequestException):
            answered = requests.post(
                url,
                data=dumps(body),
                headers={"Content-Type": "application/json", "verif-hash": secret},
                timeout=60,
            ).status_code
        with transfers.lock:
            transfers.webhooks.append(
                {"id": transfer_id, "status": transfer.status, "answered": answered}
            )
    return transfer


@bp.post("/control/transfers/faults")
def transfer_faults() -> Response:
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    transfers = book()
    if body.get("mode", "normal") not in MODES or body.get("complete", "auto") not in (
        "auto",
        "manual",
    ):
        message = f"mode is one of {', '.join(MODES)}; complete is auto or manual"
        return jsonify({"error": message}), 400  # type: ignore[return-value]
    try:
        delay, timeout = (
            float(body.get(k, d)) for k, d in (("delay_seconds", 0.2), ("timeout_seconds", 3.0))
        )
    except (TypeError, ValueError):
        return jsonify({"error": "delay_seconds and timeout_seconds are numbers"}), 400  # type: ignore[return-value]
    with transfers.lock:
        transfers.faults = TransferFaults(
            mode=str(body.get("mode", "normal")),
            complete=str(body.get("complete") or _default_faults().complete),
            webhook="drop" if body.get("webhook") == "drop" else "normal",
            delay_seconds=min(max(delay, 0.0), 30.0),
            timeout_seconds=min(max(timeout, 0.0), 60.0),
        )
    return jsonify(asdict(transfers.faults))


@bp.get("/control/transfers")
def transfer_log() -> Response:
    transfers = book()
    with transfers.lock:
        return Response(
            dumps(
                {
                    "transfers": [t.as_data() for t in transfers.transfers.values()],
                    "webhooks": list(transfers.webhooks),
                }
            ),
            mimetype="application/json",
        )


@bp.post("/control/transfers/<id:transfer_id>/complete")
def complete_transfer(transfer_id: int) -> Response:
    transfer = finish(transfer_id)
    if transfer is None:
        return jsonify({"error": "no such transfer"}), 404  # type: ignore[return-value]
    return Response(dumps(transfer.as_data()), mimetype="application/json")


@bp.post("/control/transfers/reset")
def reset_transfers() -> Response:
    transfers = book()
    with transfers.lock:
        transfers.faults = _default_faults()
        transfers.transfers.clear()
        transfers.webhooks.clear()
    return jsonify({"reset": True})
