"""The gateway gateway against the sandbox's v3 wire format, over real HTTP."""

import base64
import hashlib
import hmac
import json

import pytest
import requests

from webapp.config import DEV_WEBHOOK_HASH, SANDBOX_SECRET_KEY
from webapp.gateways.base import (
    CheckoutRequest,
    GatewayNotFoundError,
    GatewayRejectedError,
    GatewayUnavailableError,
    WebhookRejectedError,
    WebhookUnreadableError,
)
from webapp.gateways.flutterwave import FlutterwaveGateway


@pytest.fixture
def gateway(pay_site, sandbox) -> FlutterwaveGateway:
    # A generous timeout: on a busy machine an ordinary answer may take a while.
    return FlutterwaveGateway(
        f"{sandbox.url}/v3", SANDBOX_SECRET_KEY, DEV_WEBHOOK_HASH, read_timeout=30
    )


def paid(gateway: FlutterwaveGateway, sandbox, tx_ref: str, amount: int = 1_234_550) -> str:
    link = gateway.create_checkout(
        CheckoutRequest(
            tx_ref=tx_ref,
            amount=amount,
            currency="NGN",
            redirect_url="http://example.test/back",
            customer_email="ada@example.com",
            customer_name="Ada",
            customer_phone="+2348031234567",
            title="Roadpass",
            description="test",
        )
    )
    response = requests.post(link, data={"outcome": "successful"}, allow_redirects=False, timeout=5)
    return response.headers["Location"].rsplit("transaction_id=", 1)[1]


def test_verify_by_id_and_by_reference_agree(gateway, sandbox) -> None:
    transaction_id = paid(gateway, sandbox, "T-verify-1")

    by_id = gateway.verify(transaction_id)
    by_ref = gateway.verify_by_reference("T-verify-1")

    assert by_id == by_ref
    assert (by_id.status, by_id.amount, by_id.currency, by_id.tx_ref) == (
        "successful",
        1_234_550,
        "NGN",
        "T-verify-1",
    )
    assert by_id.gateway_fee == 17_284  # 1.4% of ₦12,345.50, rounded to the kobo
    assert set(by_id.raw) >= {
        "id",
        "flw_ref",
        "charged_amount",
        "app_fee",
        "customer",
        "card",
        "meta",
    }


def test_unknown_transactions_and_bad_keys(gateway, sandbox) -> None:
    with pytest.raises(GatewayNotFoundError):
        gateway.verify("123")
    with pytest.raises(GatewayNotFoundError):
        gateway.verify_by_reference("never-made")
    stranger = FlutterwaveGateway(f"{sandbox.url}/v3", "FLWSECK_TEST-wrong-X", DEV_WEBHOOK_HASH)
    with pytest.raises(GatewayRejectedError):
        stranger.verify_by_reference("anything")
    answer = requests.get(f"{sandbox.url}/v3/transactions/1/verify", timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"status": "error", "message": "Authorization required", "data": None}


def test_faults_become_unavailable_errors(gateway, sandbox) -> None:
    transaction_id = paid(gateway, sandbox, "T-faults-1")
    sandbox.faults(fail_next={"verify": [503, 429]})
    with pytest.raises(GatewayUnavailableError):
        gateway.verify(transaction_id)
    with pytest.raises(GatewayUnavailableError):
        gateway.verify(transaction_id)
    sandbox.faults(verify_latency_ms=2500)
    impatient = FlutterwaveGateway(
        f"{sandbox.url}/v3", SANDBOX_SECRET_KEY, DEV_WEBHOOK_HASH, read_timeout=1
    )
    with pytest.raises(GatewayUnavailableError):  # the answer takes 2.5 s however fast we are
        impatient.verify(transaction_id)
    sandbox.faults()
    assert gateway.verify(transaction_id).successful
    dead = FlutterwaveGateway("http://127.0.0.1:9/v3", SANDBOX_SECRET_KEY, DEV_WEBHOOK_HASH)
    with pytest.raises(GatewayUnavailableError):
        dead.verify(transaction_id)


def test_refunds_partial_then_the_rest_and_never_more(gateway, sandbox) -> None:
    transaction_id = paid(gateway, sandbox, "T-refund-1", amount=1_000_000)

    partial = gateway.refund(transaction_id, 250_000, "overpaid")
    rest = gateway.refund(transaction_id, 750_000, "cancelled")

    assert (partial.amount, partial.transaction_id, partial.settled) == (
        250_000,
        transaction_id,
        True,
    )
    fetched = gateway.get_refund(partial.refund_id)
    # The refund call answers `tx_id`, the lookup `transaction_id`: both read the same.
    assert (fetched.refund_id, fetched.transaction_id, fetched.amount, fetched.status) == (
        partial.refund_id,
        partial.transaction_id,
        partial.amount,
        partial.status,
    )
    assert partial.raw["flw_ref"] != rest.raw["flw_ref"]  # each refund has its own reference
    assert {r.refund_id for r in gateway.find_refunds(transaction_id)} == {
        partial.refund_id,
        rest.refund_id,
    }
    with pytest.raises(GatewayRejectedError, match="exceeds"):
        gateway.refund(transaction_id, 1, "too much")


def test_refund_lookup_pages_through_results(gateway, sandbox) -> None:
    transaction_id = paid(gateway, sandbox, "T-refund-2", amount=2_500)
    for _ in range(25):
        gateway.refund(transaction_id, 100, "bit by bit")

    assert len(gateway.find_refunds(transaction_id)) == 25


def test_webhook_parsing_checks_the_hash_first(gateway) -> None:
    body = (
        b'{"event": "charge.completed", "data": {"id": 5, "tx_ref": "R", "status": "successful"}}'
    )

    notice = gateway.parse_webhook({"verif-hash": DEV_WEBHOOK_HASH}, body)

    assert (notice.transaction_id, notice.tx_ref, notice.status) == ("5", "R", "successful")
    assert notice.dedupe_key == "charge.completed:5:successful"
    with pytest.raises(WebhookRejectedError):
        gateway.parse_webhook({"verif-hash": DEV_WEBHOOK_HASH + "x"}, body)
    with pytest.raises(WebhookRejectedError):
        gateway.parse_webhook({}, body)


def test_sandbox_validates_create_payment(gateway, sandbox) -> None:
    headers = {"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"}
    for body in (
        {},
        {"tx_ref": "x", "amount": "-1"},
        {"tx_ref": "x", "amount": "10.001"},
        {"tx_ref": "x", "amount": "10", "customer": {}},
    ):
        answer = requests.post(f"{sandbox.url}/v3/payments", json=body, headers=headers, timeout=5)
        assert answer.status_code == 400
        assert answer.json()["status"] == "error"
    assert (
        requests.post(
            f"{sandbox.url}/control/faults", json={"webhook": "explode"}, timeout=5
        ).status_code
        == 400
    )
    assert requests.get(f"{sandbox.url}/checkout/no-such-link", timeout=5).status_code == 404


def test_money_goes_out_as_integers_where_whole(gateway, sandbox) -> None:
    transaction_id = paid(gateway, sandbox, "T-ints-1", amount=1_000_000)
    headers = {"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"}

    verified = requests.get(
        f"{sandbox.url}/v3/transactions/{transaction_id}/verify", headers=headers, timeout=5
    )
    refunded = requests.post(
        f"{sandbox.url}/v3/transactions/{transaction_id}/refund",
        json={"amount": 2500},
        headers=headers,
        timeout=5,
    )

    data = verified.json()["data"]
    assert (data["amount"], data["charged_amount"], data["app_fee"]) == (10000, 10000, 140)
    assert all(type(data[k]) is int for k in ("amount", "charged_amount", "app_fee"))
    assert '"amount": 10000,' in verified.text
    assert ".0," not in verified.text
    assert data["card"]["token"].startswith("flw-t1nf-")
    refund = refunded.json()["data"]
    assert type(refund["amount_refunded"]) is int
    assert refund["amount_refunded"] == 2500
    assert set(refund) == {
        "id",
        "account_id",
        "tx_id",
        "flw_ref",
        "wallet_id",
        "amount_refunded",
        "status",
        "destination",
        "meta",
        "created_at",
    }
    assert refund["flw_ref"].startswith("URF_")
    assert refund["flw_ref"] != data["flw_ref"]
    listed = requests.get(
        f"{sandbox.url}/v3/refunds",
        params={"transaction_id": transaction_id},
        headers=headers,
        timeout=5,
    ).json()["data"]
    assert [(r["transaction_id"], r["amount_refunded"]) for r in listed] == [
        (int(transaction_id), 2500)
    ]
    assert "tx_id" not in listed[0]
    assert listed[0]["meta"] == {"source": "availablebalance"}


def test_unknown_routes_ids_and_keys_answer_json_envelopes(gateway, sandbox) -> None:
    headers = {"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"}
    cases = [
        ("GET", "/v3/no-such-thing", headers, 404),
        ("POST", "/v3/payment-plans/1/cancel", headers, 404),
        ("GET", "/v3/no-such-thing", {}, 401),
        ("GET", "/v3/balances", {"Authorization": "Bearer FLWSECK_TEST-wrong-X"}, 401),
        ("GET", "/v3/transactions/123/verify", headers, 400),
        ("GET", "/v3/transactions/123/events", headers, 400),
        ("POST", "/v3/transactions/abc/refund", headers, 400),
        ("POST", "/v3/transactions/123/resend-hook", headers, 400),
        ("GET", "/v3/refunds/123", headers, 404),
        ("GET", "/v3/transactions/fee?amount=-5", headers, 400),
    ]
    for method, path, sent, code in cases:
        answer = requests.request(method, f"{sandbox.url}{path}", headers=sent, timeout=5)
        assert answer.status_code == code, (method, path)
        assert answer.headers["Content-Type"] == "application/json"
        body = answer.json()
        assert (body["status"], body["data"]) == ("error", None), (method, path)
        assert isinstance(body["message"], str)
        assert body["message"]
    with pytest.raises(GatewayNotFoundError):
        gateway._call("GET", "/no-such-thing")


def test_transactions_fee_events_balances_and_resend_hook(gateway, sandbox) -> None:
    transaction_id = paid(gateway, sandbox, "T-more-1", amount=1_000_000)
    headers = {"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"}

    def get(path: str, **params: str) -> dict:
        answer = requests.get(f"{sandbox.url}{path}", params=params, headers=headers, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()

    listed = get("/v3/transactions", tx_ref="T-more-1")
    fee = get("/v3/transactions/fee", amount="10000", currency="NGN")["data"]
    events = get(f"/v3/transactions/{transaction_id}/events")["data"]
    balances = get("/v3/balances")["data"]
    naira = get("/v3/balances/NGN")["data"]
    resent = requests.post(
        f"{sandbox.url}/v3/transactions/{transaction_id}/resend-hook", headers=headers, timeout=5
    ).json()

    assert [t["id"] for t in listed["data"]] == [int(transaction_id)]
    assert listed["meta"]["page_info"]["total"] == 1
    assert listed["data"][0]["customer_email"] == "ada@example.com"
    assert fee == {
        "charge_amount": 10000,
        "fee": 140,
        "merchant_fee": 0,
        "flutterwave_fee": 140,
        "stamp_duty_fee": 50,
        "currency": "NGN",
    }
    assert [e["type"] for e in events][-1] == "Charge.Completed"
    assert {b["currency"] for b in balances} >= {"NGN", "USD"}
    assert naira["available_balance"] >= 10000 - 140
    assert resent == {"status": "success", "message": "hook sent successfully", "data": "hook sent"}


def test_webhook_bodies_carry_only_the_documented_fields(pay_site, gateway, sandbox) -> None:
    paid(gateway, sandbox, "T-hook-1")

    sandbox.deliver()

    (payload,) = pay_site.sql("SELECT payload FROM webhook_events WHERE tx_ref = 'T-hook-1'")[0]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert set(payload) == {"event", "data"}
    assert "meta" not in payload["data"]
    assert "token" not in payload["data"]["card"]


def test_webhook_parsing_reads_both_documented_shapes_and_nothing_else(gateway) -> None:
    legacy = json.dumps(
        {
            "id": 7,
            "txRef": "R-7",
            "flwRef": "FLW-7",
            "amount": 2500,
            "status": "successful",
            "event.type": "CARD_TRANSACTION",
        }
    ).encode()
    documented = json.dumps(
        {
            "event": "charge.completed",
            "event.type": "SOMETHING_ELSE",  # not in the documented body: never read
            "data": {"id": 8, "tx_ref": "R-8", "status": "failed", "meta": {"tx_ref": "R-X"}},
        }
    ).encode()
    hash_header = {"verif-hash": DEV_WEBHOOK_HASH}

    flat = gateway.parse_webhook(hash_header, legacy)
    wrapped = gateway.parse_webhook(hash_header, documented)

    assert (flat.event_type, flat.transaction_id, flat.tx_ref, flat.status) == (
        "CARD_TRANSACTION",
        "7",
        "R-7",
        "successful",
    )
    assert (wrapped.event_type, wrapped.transaction_id, wrapped.tx_ref, wrapped.status) == (
        "charge.completed",
        "8",
        "R-8",
        "failed",
    )
    with pytest.raises(WebhookUnreadableError):
        gateway.parse_webhook(hash_header, b'{"event": "charge.completed", "id": 9}')
    with pytest.raises(WebhookUnreadableError):
        gateway.parse_webhook(hash_header, b"[1, 2]")


def test_webhook_signature_is_the_base64_hmac_of_the_raw_body(gateway) -> None:
    body = (
        b'{"event": "charge.completed", "data": {"id": 5, "tx_ref": "R", "status": "successful"}}'
    )
    digest = hmac.new(DEV_WEBHOOK_HASH.encode(), body, hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()

    assert gateway.parse_webhook({"flutterwave-signature": signature}, body).tx_ref == "R"
    with pytest.raises(WebhookRejectedError):
        gateway.parse_webhook({"flutterwave-signature": signature}, body + b" ")
    with pytest.raises(WebhookRejectedError):
        gateway.parse_webhook({"flutterwave-signature": digest.hex()}, body)


def test_the_control_page_switches_the_webhook_body_and_signature(sandbox) -> None:
    assert requests.get(f"{sandbox.url}/control", timeout=5).status_code == 200
    form = {
        "webhook": "normal",
        "webhook_shape": "legacy",
        "webhook_signature": "flutterwave-signature",
        "fail_refund_answer": "503",
    }

    saved = requests.post(f"{sandbox.url}/control", data=form, allow_redirects=False, timeout=5)
    wrong = requests.post(
        f"{sandbox.url}/control", data={**form, "webhook_shape": "xml"}, timeout=5
    )

    assert saved.status_code == 303
    faults = sandbox.faults_in_force()
    assert (faults["webhook_shape"], faults["webhook_signature"]) == (
        "legacy",
        "flutterwave-signature",
    )
    assert faults["fail_next"] == {"refund_answer": [503]}
    assert "webhook_shape must be one of" in wrong.text
