"""Payouts through the sandbox's Flutterwave Transfers, over real HTTP (SPEC §7)."""

import pytest
import requests

from tests.paysite import impatient_gateway
from tests.settlements.conftest import FARE, calculated_month
from webapp.settlements.payouts import FourEyesError, approve, follow_payout, send_payout
from webapp.settlements.services import SettlementStateError


def status(site, settlement_id: int) -> tuple:
    return site.sql("SELECT status, last_failure FROM settlements WHERE id = :s", s=settlement_id)[
        0
    ]


def operator_balance(site, operator_id: int) -> int:
    return site.sql(
        "SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE operator_id = :o",
        o=operator_id,
    )[0][0]


def payouts_of(site, settlement_id: int) -> list[tuple]:
    return site.sql(
        "SELECT reference, status, amount FROM payouts WHERE settlement_id = :s ORDER BY id",
        s=settlement_id,
    )


def approved(site, month) -> None:
    name = site.prepare(
        lambda: approve(month.settlement_id, month.approver_id).resolved_account_name
    )
    assert name == "Sandbox Account 6789"


def send(site, month, admin_id: int | None = None) -> dict:
    def go() -> dict:
        payout = send_payout(month.settlement_id, admin_id or month.sender_id)
        return {
            "id": payout.id,
            "status": payout.status,
            "attempt": payout.attempt,
            "reference": payout.reference,
            "last_error": payout.last_error,
        }

    return site.prepare(go)


def test_approve_then_another_admin_sends_and_it_is_paid_once(money_site, transfers) -> None:
    month = calculated_month(money_site)
    assert month.owed == 2 * FARE - 160_000
    approved(money_site, month)
    with pytest.raises(FourEyesError):
        send(money_site, month, month.approver_id)

    send(money_site, month)
    assert status(money_site, month.settlement_id)[0] == "PAYING"
    transfers.complete_all()

    assert status(money_site, month.settlement_id)[0] == "PAID"
    sent = [t for t in transfers.log()["transfers"] if t["reference"].startswith("RP-STL-")]
    assert [(t["reference"], t["amount"]) for t in sent] == [
        (f"RP-STL-{month.settlement_id}-1", month.owed / 100)
    ]
    assert payouts_of(money_site, month.settlement_id) == [
        (f"RP-STL-{month.settlement_id}-1", "SUCCESSFUL", month.owed)
    ]
    assert operator_balance(money_site, month.operator_id) == 0
    with pytest.raises(SettlementStateError, match="PAID"):
        send(money_site, month)  # paid once, never twice
    notified = money_site.sql(
        "SELECT to_email, body FROM notifications WHERE dedupe_key = :k",
        k=f"settlement-approved:{month.settlement_id}",
    )
    assert [to for to, _ in notified] == ["accounts@op.example"]
    assert f"/admin/settlements/{month.settlement_id} " in notified[0][1]  # for their staff


def test_a_refused_transfer_returns_to_approved_and_reverses(money_site, transfers) -> None:
    month = calculated_month(money_site)
    approved(money_site, month)
    transfers.faults(mode="insufficient_balance")

    send(money_site, month)

    state, reason = status(money_site, month.settlement_id)
    assert state == "APPROVED"
    assert "Insufficient funds" in reason
    assert operator_balance(money_site, month.operator_id) == -month.owed  # still owed
    transfers.faults(mode="normal", complete="manual")
    send(money_site, month)
    transfers.complete_all()
    assert status(money_site, month.settlement_id)[0] == "PAID"
    assert [p[:2] for p in payouts_of(money_site, month.settlement_id)] == [
        (f"RP-STL-{month.settlement_id}-1", "FAILED"),
        (f"RP-STL-{month.settlement_id}-2", "SUCCESSFUL"),
    ]
    assert operator_balance(money_site, month.operator_id) == 0


def test_a_transfer_that_fails_later_returns_to_approved(money_site, transfers) -> None:
    month = calculated_month(money_site)
    approved(money_site, month)
    transfers.faults(mode="fails_later", complete="manual")

    send(money_site, month)
    transfers.complete_all()

    assert status(money_site, month.settlement_id)[0] == "APPROVED"
    assert "Beneficiary bank unavailable" in status(money_site, month.settlement_id)[1]
    assert operator_balance(money_site, month.operator_id) == -month.owed


def test_a_timeout_is_looked_up_by_reference_never_sent_twice(money_site, transfers) -> None:
    month = calculated_month(money_site)
    approved(money_site, month)
    transfers.faults(mode="timeout", timeout_seconds=2.5, complete="manual")

    with impatient_gateway(money_site, 1.0):
        payout = send(money_site, month)
    assert payout["status"] == "SENDING"
    assert "not answering" in payout["last_error"]
    transfers.faults(mode="normal", complete="manual")

    assert money_site.prepare(lambda: follow_payout(payout["id"])) == "NEW"  # found, adopted
    sent = transfers.log()["transfers"]
    assert len([t for t in sent if t["reference"] == payout["reference"]]) == 1
    transfers.complete(sent[-1]["id"])
    assert status(money_site, month.settlement_id)[0] == "PAID"


def test_bank_down_sends_nothing_and_a_later_look_sends_it(money_site, transfers) -> None:
    month = calculated_month(money_site)
    approved(money_site, month)
    transfers.faults(mode="bank_down")

    payout = send(money_site, month)
    assert payout["status"] == "SENDING"
    assert transfers.log()["transfers"] == []
    transfers.faults(mode="normal", webhook="drop", complete="manual")

    money_site.prepare(lambda: follow_payout(payout["id"]))
    transfers.complete_all()  # its webhook is lost
    assert money_site.prepare(lambda: follow_payout(payout["id"])) == "SUCCESSFUL"  # no webhook
    assert status(money_site, month.settlement_id)[0] == "PAID"


def test_the_sandbox_refuses_bad_transfer_requests(money_site, transfers) -> None:
    url = transfers.url
    key = {"Authorization": f"Bearer {money_site.app.config['FLUTTERWAVE_SECRET_KEY']}"}
    bad_faults = [{"mode": "sometimes"}, {"complete": "later"}, {"delay_seconds": "soon"}]
    assert [
        requests.post(f"{url}/control/transfers/faults", json=f, timeout=5).status_code
        for f in bad_faults
    ] == [400, 400, 400]
    resolve = f"{url}/v3/accounts/resolve"
    assert requests.post(resolve, json={}, timeout=5).status_code == 401
    answers = [
        requests.post(resolve, json=body, headers=key, timeout=5).json()
        for body in (
            {"account_number": "123", "account_bank": "044"},
            {"account_number": "0000000000", "account_bank": "044"},
            {"account_number": "0690000031", "account_bank": "044"},
        )
    ]
    assert [a["status"] for a in answers] == ["error", "error", "success"]
    assert answers[2]["data"]["account_name"] == "Forrest Green"
    create = f"{url}/v3/transfers"
    body = {"account_bank": "044", "account_number": "0690000031", "amount": "10.00"}
    assert requests.post(create, json=body, headers=key, timeout=5).status_code == 400  # no ref
    made = requests.post(create, json={**body, "reference": "r-1"}, headers=key, timeout=5)
    again = requests.post(create, json={**body, "reference": "r-1"}, headers=key, timeout=5)
    assert made.json()["data"]["status"] == "NEW"
    assert again.status_code == 400
    assert "already exists" in again.json()["message"]
    found = requests.get(create, params={"reference": "r-1"}, headers=key, timeout=5).json()
    assert [t["id"] for t in found["data"]] == [made.json()["data"]["id"]]
    assert requests.get(f"{create}/999", headers=key, timeout=5).status_code == 404
