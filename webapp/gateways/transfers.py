"""Payouts to bank accounts through Flutterwave Transfers (FLUTTERWAVE.md, "Transfers").

The interface (`TransferGateway`) and its v3 client. The client reuses the payment gateway's
HTTP session, timeouts and error mapping: a timeout or 5xx is an unknown outcome
(GatewayUnavailableError), so a caller looks the transfer up by its reference before it ever
creates one again.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from webapp.gateways import payment_gateway
from webapp.gateways.amounts import to_major, to_minor
from webapp.gateways.base import GatewayNotFoundError, GatewayRejectedError
from webapp.gateways.flutterwave import FlutterwaveGateway, _plain


@dataclass(frozen=True)
class ResolvedAccount:
    account_number: str
    bank_code: str
    account_name: str


@dataclass(frozen=True)
class GatewayTransfer:
    transfer_id: str
    reference: str
    amount: int
    currency: str
    status: str  # NEW | PENDING | SUCCESSFUL | FAILED
    complete_message: str
    fee: int
    raw: dict[str, Any]

    @property
    def successful(self) -> bool:
        return self.status == "SUCCESSFUL"

    @property
    def failed(self) -> bool:
        return self.status == "FAILED"


@dataclass(frozen=True)
class TransferRequest:
    reference: str
    amount: int
    currency: str
    bank_code: str
    account_number: str
    narration: str


class TransferGateway(Protocol):
    def resolve_account(self, account_number: str, bank_code: str) -> ResolvedAccount: ...

    def create_transfer(self, request: TransferRequest) -> GatewayTransfer: ...

    def get_transfer(self, transfer_id: str) -> GatewayTransfer: ...

    def find_transfer(self, reference: str) -> GatewayTransfer | None: ...


class FlutterwaveTransfers:
    def __init__(self, gateway: FlutterwaveGateway) -> None:
        self.gateway = gateway

    def resolve_account(self, account_number: str, bank_code: str) -> ResolvedAccount:
        data = self.gateway._call(
            "POST",
            "/accounts/resolve",
            json={"account_number": account_number, "account_bank": bank_code},
        )
        name = data.get("account_name") if isinstance(data, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise GatewayRejectedError("The payment service could not name that account.")
        return ResolvedAccount(account_number, bank_code, name.strip())

    def create_transfer(self, request: TransferRequest) -> GatewayTransfer:
        return _transfer(
            self.gateway._call(
                "POST",
                "/transfers",
                json={
                    "account_bank": request.bank_code,
                    "account_number": request.account_number,
                    "amount": to_major(request.amount),
                    "currency": request.currency,
                    "debit_currency": request.currency,
                    "narration": request.narration,
                    "reference": request.reference,
                },
            )
        )

    def get_transfer(self, transfer_id: str) -> GatewayTransfer:
        if not str(transfer_id).isdigit():
            raise GatewayNotFoundError("No transfer was found for this id")
        return _transfer(self.gateway._call("GET", f"/transfers/{transfer_id}"))

    def find_transfer(self, reference: str) -> GatewayTransfer | None:
        found = self.gateway._call("GET", "/transfers", params={"reference": reference})
        matches = [
            t for t in (found or []) if isinstance(t, dict) and t.get("reference") == reference
        ]
        return _transfer(matches[0]) if matches else None


def _transfer(data: Any) -> GatewayTransfer:
    if not isinstance(data, dict):
        raise GatewayRejectedError("The payment service sent an unreadable transfer.")
    try:
        return GatewayTransfer(
            transfer_id=str(data["id"]),
            reference=str(data.get("reference") or ""),
            amount=to_minor(data["amount"]),
            currency=str(data.get("currency") or "NGN").upper(),
            status=str(data.get("status") or "").upper(),
            complete_message=str(data.get("complete_message") or "")[:300],
            fee=to_minor(data.get("fee") or 0),
            raw=_plain(data),
        )
    except (KeyError, ValueError) as error:
        raise GatewayRejectedError("The payment service sent an unreadable transfer.") from error


def transfer_gateway() -> TransferGateway:
    """The configured gateway's transfers, over the same HTTP session as its payments."""
    return FlutterwaveTransfers(payment_gateway())  # type: ignore[arg-type]
