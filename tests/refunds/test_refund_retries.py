"""Refund retries after an unknown outcome, against the sandbox answering in Flutterwave's
documented refund shape (no echo of our comment to match on): what the gateway already holds is
adopted, or, when it cannot be told apart from ours, the refund stops for a person (SPEC §4)."""

from datetime import timedelta

import requests

from tests.admin.test_admin_jobs import admin_of, page_of
from tests.paysite import gateway_refunds, paid_booking, plain_refund, transaction_of
from webapp.config import SANDBOX_SECRET_KEY
from webapp.jobs.runner import run_job
from webapp.refunds.models import RefundReason, RefundStatus

LATER = timedelta(minutes=30)  # past every lease and backoff of the first attempts


def paid_with_refund(site, shopper, trip_id: int, seat: str, amount: int) -> tuple:
    """A paid booking and a REQUESTED refund: (booking, payment, transaction id, refund id)."""
    _, booking, payment = paid_booking(site, shopper, trip_id, [seat])
    refund_id = plain_refund(site, payment["paymentId"], amount)
    return booking, payment, transaction_of(site, payment), refund_id


def pay_out(site, refund_id: int | None = None) -> dict:
    args = (refund_id,) if refund_id else ()
    return site.prepare(lambda: run_job("process-refunds", *args, trigger="test"))


def refund_state(site, refund_id: int) -> tuple:
    return site.sql(
        "SELECT status, gateway_refund_id, attempts FROM refunds WHERE id = :r", r=refund_id
    )[0]


def test_a_refund_whose_answer_was_lost_is_adopted_not_repeated(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    _, _, transaction_id, refund_id = paid_with_refund(pay_site, shopper, trip_id, "1A", 400_000)
    sandbox.faults(fail_next={"refund_answer": [503]})  # made at the gateway, answer lost

    pay_out(pay_site, refund_id)

    made = gateway_refunds(sandbox, transaction_id)
    assert [r["amount_refunded"] for r in made] == [4000]
    assert "comments" not in str(made[0]["meta"])  # nothing of ours to match on but the amount
    assert refund_state(pay_site, refund_id) == (RefundStatus.PROCESSING, None, 1)
    travel(LATER)

    pay_out(pay_site, refund_id)

    assert len(gateway_refunds(sandbox, transaction_id)) == 1
    assert refund_state(pay_site, refund_id) == (RefundStatus.COMPLETED, str(made[0]["id"]), 2)


def test_a_refund_that_never_reached_the_gateway_is_sent_again(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    _, _, transaction_id, refund_id = paid_with_refund(pay_site, shopper, trip_id, "1B", 300_000)
    sandbox.faults(fail_next={"refund": [503]})  # refused before anything was made

    pay_out(pay_site, refund_id)
    assert gateway_refunds(sandbox, transaction_id) == []
    travel(LATER)
    pay_out(pay_site, refund_id)

    made = gateway_refunds(sandbox, transaction_id)
    assert [r["amount_refunded"] for r in made] == [3000]
    assert refund_state(pay_site, refund_id) == (RefundStatus.COMPLETED, str(made[0]["id"]), 2)


def test_two_unknown_refunds_of_the_same_amount_need_review_and_are_never_sent_again(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    booking, payment, transaction_id, first = paid_with_refund(
        pay_site, shopper, trip_id, "1C", 250_000
    )
    second = plain_refund(pay_site, payment["paymentId"], 250_000, RefundReason.OVERPAYMENT)
    sandbox.faults(fail_next={"refund_answer": [503, 503]})

    pay_out(pay_site, first)
    pay_out(pay_site, second)
    assert len(gateway_refunds(sandbox, transaction_id)) == 2
    travel(LATER)

    pay_out(pay_site)
    pay_out(pay_site)  # and again: a refund under review is no longer the job's

    assert len(gateway_refunds(sandbox, transaction_id)) == 2  # no third refund
    for refund_id in (first, second):
        status, gateway_refund_id, attempts = refund_state(pay_site, refund_id)
        assert (status, gateway_refund_id, attempts) == (RefundStatus.NEEDS_REVIEW, None, 2)
    admin = admin_of(pay_site, shopper)
    ticket = page_of(admin, f"/bookings/{booking['reference']}")
    shown = [li.get_text() for li in ticket.select('li[data-status="NEEDS_REVIEW"]')]
    assert len(shown) == 2
    assert all("being checked by our team" in text for text in shown)
    page = page_of(admin, "/admin/payments")
    rows = page.select("#review-refunds tbody tr[data-refund-id]")
    assert {int(row["data-refund-id"]) for row in rows} >= {first, second}
    assert booking["reference"] in page.select_one(f'tr[data-refund-id="{first}"]').get_text()
    assert pay_site.sql(
        "SELECT count(*) FROM audit_events WHERE action = 'refund.needs_review'"
        " AND subject_id IN (:a, :b)",
        a=first,
        b=second,
    ) == [(2,)]


def test_an_unrecorded_refund_of_an_amount_we_did_not_ask_for_needs_review(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    _, _, transaction_id, refund_id = paid_with_refund(pay_site, shopper, trip_id, "1D", 200_000)
    sandbox.faults(fail_next={"refund_answer": [503]})
    pay_out(pay_site, refund_id)
    # Someone refunds ₦1,000 from the dashboard meanwhile.
    answer = requests.post(
        f"{sandbox.url}/v3/transactions/{transaction_id}/refund",
        json={"amount": 1000, "comments": "goodwill"},
        headers={"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"},
        timeout=5,
    )
    assert answer.status_code == 200
    travel(LATER)

    pay_out(pay_site, refund_id)

    assert sorted(r["amount_refunded"] for r in gateway_refunds(sandbox, transaction_id)) == [
        1000,
        2000,
    ]
    status, _, _ = refund_state(pay_site, refund_id)
    assert status == RefundStatus.NEEDS_REVIEW
    (error,) = pay_site.sql("SELECT last_error FROM refunds WHERE id = :r", r=refund_id)[0]
    assert "cannot tell apart" in error
