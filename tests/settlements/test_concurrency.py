"""Races on a live site with real commits: two calculations at once, two send clicks at once."""

import threading

import requests
from bs4 import BeautifulSoup

from tests.factories import PASSWORD
from tests.settlements.conftest import calculated_month
from webapp import clock
from webapp.jobs.runner import run_job
from webapp.settlements.months import month_of
from webapp.settlements.payouts import approve


def at_once(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def go(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def logged_in(site, email: str) -> requests.Session:
    browser = requests.Session()
    login = BeautifulSoup(browser.get(f"{site.url}/login", timeout=10).text, "html.parser")
    token = login.find("meta", attrs={"name": "csrf-token"})["content"]
    answer = browser.post(
        f"{site.url}/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        timeout=10,
    )
    assert answer.status_code == 200
    return browser


def test_calculate_settlements_twice_at_once_makes_one_settlement(money_site, transfers) -> None:
    month = calculated_month(money_site)
    this_month = month_of(clock.now())

    at_once(
        2,
        lambda _: money_site.prepare(
            lambda: run_job("calculate-settlements", this_month, trigger="test")
        ),
    )

    rows = money_site.sql(
        "SELECT status, closing_balance FROM settlements WHERE operator_id = :o",
        o=month.operator_id,
    )
    assert rows == [("CALCULATED", month.owed)]
    covered = money_site.sql(
        "SELECT count(*) FROM settlement_entries WHERE settlement_id = :s", s=month.settlement_id
    )[0][0]
    entries = money_site.sql(
        "SELECT count(*) FROM ledger_entries WHERE operator_id = :o", o=month.operator_id
    )[0][0]
    assert covered == entries == 2


def test_send_payout_clicked_twice_at_once_sends_one_transfer(money_site, transfers) -> None:
    month = calculated_month(money_site)
    money_site.prepare(lambda: approve(month.settlement_id, month.approver_id).id)
    sender = logged_in(money_site, month.sender_email)
    url = f"{money_site.url}/admin/settlements/{month.settlement_id}"
    detail = BeautifulSoup(sender.get(url, timeout=10).text, "html.parser")
    token = detail.select_one("#send-form input[name=csrf_token]")["value"]

    answers = at_once(
        2,
        lambda _: (
            sender.post(
                f"{url}/send", data={"csrf_token": token}, allow_redirects=False, timeout=30
            ).status_code
        ),
    )

    assert sorted(answers) == [303, 303]
    transfers.complete_all()
    paid = "SELECT status FROM settlements WHERE id = :s"
    assert money_site.sql(paid, s=month.settlement_id) == [("PAID",)]
    sent = transfers.log()["transfers"]
    assert [t["reference"] for t in sent] == [f"RP-STL-{month.settlement_id}-1"]
    assert money_site.sql(
        "SELECT count(*) FROM payouts WHERE settlement_id = :s", s=month.settlement_id
    ) == [(1,)]
    journals = money_site.sql(
        "SELECT kind, count(*) FROM ledger_journals WHERE kind LIKE 'payout%' "
        "AND payout_id IN (SELECT id FROM payouts WHERE settlement_id = :s) GROUP BY kind",
        s=month.settlement_id,
    )
    assert journals == [("payout_sent", 1)]
