"""The gateway gateway against the sandbox's v3 wire format, over real HTTP."""

import pytest
import requests

from webapp.config import DEV_WEBHOOK_HASH, SANDBOX_SECRET_KEY
from webapp.gateways.base import (
    CheckoutRequest,
    GatewayNotFoundError,
    GatewayRejectedError,
    GatewayUnavailableError,
    WebhookRejectedError,
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
    assert gateway.get_refund(partial.refund_id) == partial
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
