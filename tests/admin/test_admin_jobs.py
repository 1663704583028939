"""The admin jobs page: admins only; run now; failed jobs listed with a requeue button."""

from datetime import timedelta

from bs4 import BeautifulSoup
from rq import Queue
from rq.registry import FailedJobRegistry

from tests.factories import create_user
from tests.paysite import finish_checkout, paid_booking, plain_refund, transaction_of
from webapp.jobs.queues import redis_connection
from webapp.jobs.runner import run_job


def admin_of(site, shopper):
    admin = shopper()
    site.prepare(lambda: create_user(email=f"chief-{admin.user_id}@example.com", role="admin"))
    admin.email = f"chief-{admin.user_id}@example.com"
    admin.browser.cookies.clear()
    admin.log_in()
    return admin


def page_of(admin, path: str) -> BeautifulSoup:
    response = admin.browser.get(f"{admin.site.url}{path}", timeout=10)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.text, "html.parser")


def test_only_admins_see_the_jobs_page(pay_site, sandbox, shopper) -> None:
    passenger = shopper()
    assert passenger.browser.get(f"{pay_site.url}/admin/jobs", timeout=5).status_code == 404

    page = page_of(admin_of(pay_site, shopper), "/admin/jobs")

    assert page.find(id="redis-state").get_text(strip=True) == "up"
    jobs = [row["data-job"] for row in page.select("#jobs tbody tr")]
    assert jobs == [
        "expire-seats",
        "process-refunds",
        "reconcile-payments",
        "calculate-settlements",
        "cleanup-idempotency",
        "cleanup-sessions",
        "send-notifications",
    ]


def test_run_now_and_requeue_a_failed_job(pay_site, sandbox, shopper) -> None:
    admin = admin_of(pay_site, shopper)
    before = pay_site.sql("SELECT count(*) FROM job_runs WHERE trigger = 'admin'")[0][0]
    page = page_of(admin, "/admin/jobs")
    form = page.select_one('tr[data-job="cleanup-idempotency"] form')
    token = form.find("input", attrs={"name": "csrf_token"})["value"]

    ran = admin.browser.post(
        f"{pay_site.url}{form['action']}", data={"csrf_token": token}, timeout=10
    )
    assert ran.status_code == 200
    pay_site.run_jobs()
    assert pay_site.sql("SELECT count(*) FROM job_runs WHERE trigger = 'admin'")[0][0] > before

    with pay_site.context():  # a job that cannot work: wrong arguments, no retries
        connection = redis_connection()
        broken = Queue("default", connection=connection).enqueue(
            "jobs.tasks.run", "expire-seats", "not-an-argument"
        )
        registry = FailedJobRegistry("default", connection=connection)
    pay_site.run_jobs()
    assert broken.id in registry.get_job_ids()
    page = page_of(admin, "/admin/jobs")
    rows = page.select("#failed-jobs tbody tr")
    assert any(broken.id in row.get_text() and "TypeError" in row.get_text() for row in rows)
    requeue = next(f for f in page.select("#failed-jobs form") if broken.id in f["action"])

    done = admin.browser.post(
        f"{pay_site.url}{requeue['action']}", data={"csrf_token": token}, timeout=10
    )

    assert done.status_code == 200
    assert (
        "Requeued"
        in BeautifulSoup(done.text, "html.parser").find(class_="flash-success").get_text()
    )
    pay_site.run_jobs()  # the requeued job fails again, into the registry
    assert broken.id in registry.get_job_ids()
    registry.remove(broken.id, delete_job=True)


def test_payments_needing_a_look_are_listed_for_admins(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    # A mismatch planted at the gateway and found by reconciliation.
    _, _, paid = paid_booking(pay_site, shopper, trip_id, ["6A"])
    transaction_id = transaction_of(pay_site, paid)
    sandbox.plant(transaction_id, {"amount": "1.00"})
    pay_site.prepare(lambda: run_job("reconcile-payments", trigger="test"))
    # A refund the gateway refuses: more than was paid.
    refund_id = plain_refund(pay_site, paid["paymentId"], paid["amount"] * 2)
    pay_site.prepare(lambda: run_job("process-refunds", refund_id, trigger="test"))
    # A late payment whose seat went to someone else.
    sandbox.faults(webhook="drop")
    late_payer, other = shopper(), shopper()
    late = late_payer.hold(trip_id, ["6B"])
    late_payment = late_payer.pay(late)
    travel(timedelta(minutes=25))
    other.hold(trip_id, ["6B"])
    late_payer.come_back(finish_checkout(late_payment["checkoutUrl"], "successful"))
    admin = admin_of(pay_site, shopper)
    assert shopper().browser.get(f"{pay_site.url}/admin/payments", timeout=5).status_code == 404

    page = page_of(admin, "/admin/payments")

    assert page.select_one(f'#mismatches tr[data-payment-id="{paid["paymentId"]}"]') is not None
    assert page.select_one(f'#late-payments tr[data-payment-id="{late_payment["paymentId"]}"]')
    row = page.select_one(f'#failed-refunds tr[data-refund-id="{refund_id}"]')
    assert "exceeds" in row.get_text()
