"""The admin jobs page: admins only; run now; failed jobs listed with a requeue button."""

from bs4 import BeautifulSoup
from rq import Queue
from rq.registry import FailedJobRegistry

from tests.factories import create_user
from tests.payments.conftest import wait_for
from webapp.jobs.queues import redis_connection


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
        "cleanup-idempotency",
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
    assert wait_for(
        lambda: pay_site.sql("SELECT count(*) FROM job_runs WHERE trigger = 'admin'")[0][0] > before
    )

    with pay_site.context():  # a job that cannot work: wrong arguments, no retries
        connection = redis_connection()
        broken = Queue("default", connection=connection).enqueue(
            "jobs.tasks.run", "expire-seats", "not-an-argument"
        )
        registry = FailedJobRegistry("default", connection=connection)
    assert wait_for(lambda: broken.id in registry.get_job_ids())
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
    registry.remove(broken.id, delete_job=True) if wait_for(
        lambda: broken.id in registry.get_job_ids()
    ) else None
