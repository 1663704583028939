"""The browser's checkout: details form, summary, Pay, return page, ticket, my bookings."""

import uuid

from bs4 import BeautifulSoup

from tests.factories import create_user
from tests.paysite import finish_checkout, status_of


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(page: BeautifulSoup) -> str:
    return page.find("meta", attrs={"name": "csrf-token"})["content"]


def fill_details(ada, reference: str, **fields: str):
    url = f"{ada.site.url}/bookings/{reference}/checkout"
    form = soup(ada.browser.get(url, timeout=5))
    data = {"csrf_token": csrf(form), **fields}
    return ada.browser.post(url, data=data, allow_redirects=False, timeout=5)


def test_details_summary_pay_return_ticket(pay_site, sandbox, shopper, trip_id) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["1A", "1B"])
    ref = booking["reference"]

    bad = fill_details(ada, ref, **{"name-1A": "A", "phone-1A": "123", "email": "nope"})
    page = soup(bad)
    assert bad.status_code == 422
    assert page.find(id="name-1A-error") is not None
    assert page.find(id="phone-1A-error") is not None
    assert page.find(id="name-1B-error") is not None
    assert page.find(id="email-error") is not None
    assert page.find(id="phone-1A")["value"] == "123"  # what was typed stays

    good = fill_details(
        ada,
        ref,
        **{
            "name-1A": "Ada Obi",
            "phone-1A": "0803 123 4567",
            "name-1B": "Bola Ade",
            "phone-1B": "+234 805 555 1234",
            "email": ada.email,
        },
    )
    assert good.status_code == 303
    summary = soup(ada.browser.get(f"{pay_site.url}{good.headers['Location']}", timeout=5))
    assert summary.find(id="total-amount").get_text(strip=True) == "₦30,500.00"
    assert summary.find(id="service-fee").get_text(strip=True) == "₦500.00"
    assert "Bola Ade" in summary.find(id="passengers").get_text()
    form = summary.find(id="pay-form")
    data = {i["name"]: i["value"] for i in form.find_all("input")}
    pay_url = f"{pay_site.url}{form['action']}"

    first = ada.browser.post(pay_url, data=data, allow_redirects=False, timeout=10)
    double_click = ada.browser.post(pay_url, data=data, allow_redirects=False, timeout=10)

    assert first.status_code == double_click.status_code == 303
    assert first.headers["Location"] == double_click.headers["Location"]
    assert "/sandbox/flutterwave/checkout/" in first.headers["Location"]
    assert len(status_of(pay_site, booking["bookingId"])[1]) == 1
    hosted = soup(ada.browser.get(first.headers["Location"], timeout=5))
    assert hosted.find(id="amount").get_text(strip=True) == "NGN 30,500.00"

    back = ada.come_back(finish_checkout(first.headers["Location"], "successful"))
    assert soup(back).find(id="ticket-link") is not None

    ticket = soup(ada.browser.get(f"{pay_site.url}/bookings/{ref}", timeout=5))
    assert ticket.find(id="ticket")["data-status"] == "CONFIRMED"
    assert ticket.find(id="ticket-qr").find("svg") is not None
    rows = [
        [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in ticket.select("#passengers tbody tr")
    ]
    assert rows == [["1A", "Ada Obi", "+2348031234567"], ["1B", "Bola Ade", "+2348055551234"]]
    mine = soup(ada.browser.get(f"{pay_site.url}/account/bookings", timeout=5))
    assert mine.find("tr", attrs={"data-reference": ref}) is not None


def test_status_fragment_polls_until_confirmed(pay_site, sandbox, shopper, trip_id) -> None:
    sandbox.faults(webhook="drop")
    ada = shopper()
    booking = ada.hold(trip_id, ["2A"])
    payment = ada.pay(booking)
    status_url = f"{pay_site.url}/payments/{payment['paymentId']}/status"

    pending = soup(ada.browser.get(status_url, headers={"HX-Request": "true"}, timeout=5))
    assert pending.find(id="payment-status")["data-status"] == "PENDING"
    assert pending.find(id="payment-status").has_attr("hx-get")

    finish_checkout(payment["checkoutUrl"], "successful")  # the browser never came back
    done = ada.browser.get(status_url, headers={"HX-Request": "true"}, timeout=5)

    assert soup(done).find(id="payment-status")["data-status"] == "SUCCESSFUL"
    assert not soup(done).find(id="payment-status").has_attr("hx-get")
    assert done.headers["HX-Redirect"] == f"/bookings/{booking['reference']}"


def test_admins_may_see_any_ticket(pay_site, sandbox, shopper, trip_id) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["2B"])
    with pay_site.context():
        create_user(email=f"admin-{uuid.uuid4().hex[:8]}@example.com", role="admin")
        admin_email = pay_site.sql("SELECT email FROM users WHERE role = 'admin' ORDER BY id DESC")[
            0
        ][0]
    admin = shopper()
    admin.email = admin_email
    admin.browser.cookies.clear()
    admin.log_in()

    page = admin.browser.get(f"{pay_site.url}/bookings/{booking['reference']}", timeout=5)

    assert page.status_code == 200
    assert soup(page).find(id="booking-reference").get_text() == booking["reference"]


def test_checkout_of_an_expired_hold_says_so(pay_site, sandbox, shopper, trip_id, travel) -> None:
    from datetime import timedelta

    ada = shopper()
    booking = ada.hold(trip_id, ["2C"])
    travel(timedelta(minutes=16))

    page = ada.browser.get(f"{pay_site.url}/bookings/{booking['reference']}/checkout", timeout=5)

    assert page.status_code == 409
    assert soup(page).find(id="hold-gone") is not None


def ready_to_pay(shopper, trip_id: int, seat: str):
    """A passenger on the summary page of a held seat: (them, the booking, Pay's form, its data)."""
    ada = shopper()
    booking = ada.hold(trip_id, [seat])
    ref = booking["reference"]
    fill_details(
        ada,
        ref,
        **{f"name-{seat}": "Ada Obi", f"phone-{seat}": "0803 123 4567", "email": ada.email},
    )
    summary = soup(ada.browser.get(f"{ada.site.url}/bookings/{ref}/summary", timeout=5))
    form = summary.find(id="pay-form")
    return ada, booking, form, {i["name"]: i["value"] for i in form.find_all("input")}


def test_the_sandbox_page_opens_on_the_address_the_browser_used(
    pay_site, sandbox, shopper, trip_id
) -> None:
    """Defect 13: served as localhost or on a LAN address, Pay must not send a phone to
    127.0.0.1 (the address our gateway client uses to reach the sandbox)."""
    ada, _, form, data = ready_to_pay(shopper, trip_id, "2A")
    port = pay_site.url.rsplit(":", 1)[1]
    phone_sees = f"192.168.1.20:{port}"
    jar = list(ada.browser.cookies)

    paid = ada.browser.post(
        f"{pay_site.url}{form['action']}",
        data=data,
        # requests files its cookies under the Host header's name; send them as the phone would
        headers={"Host": phone_sees, "Cookie": "; ".join(f"{c.name}={c.value}" for c in jar)},
        allow_redirects=False,
        timeout=10,
    )

    assert paid.status_code == 303, paid.text
    assert paid.headers["Location"].startswith(f"http://{phone_sees}/sandbox/flutterwave/")
    hosted = paid.headers["Location"].replace(f"http://{phone_sees}", pay_site.url)
    assert soup(ada.browser.get(hosted, timeout=5)).find(id="amount") is not None


def test_the_return_page_answers_before_the_gateway_does(
    pay_site, sandbox, shopper, trip_id
) -> None:
    """Defect 5: with a slow verify the return page was blank until the gateway answered. It
    now answers at once, saying it is confirming, and its first status request asks."""
    sandbox.faults(webhook="drop")
    ada = shopper()
    booking = ada.hold(trip_id, ["3A"])
    payment = ada.pay(booking)
    location = finish_checkout(payment["checkoutUrl"], "successful")

    first = ada.browser.get(location, timeout=15)

    page = soup(first)
    assert page.find(id="payment-pending") is not None
    assert "Confirming your payment" in page.find(id="payment-pending").get_text()
    status = page.find(id="payment-status")
    assert status["hx-trigger"] == "load"
    assert status_of(pay_site, booking["bookingId"]) == ("PENDING_PAYMENT", [("PENDING", None)])
    check = ada.browser.get(
        f"{pay_site.url}{status['hx-get']}", headers={"HX-Request": "true"}, timeout=15
    )
    assert check.headers["HX-Redirect"] == f"/bookings/{booking['reference']}"
    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"
    no_script = soup(ada.browser.get(location, timeout=15))
    assert no_script.find(id="payment-confirmed") is not None


def test_a_second_pay_while_the_first_is_running_lands_on_the_same_payment(
    pay_site, sandbox, shopper, trip_id
) -> None:
    """Defect 11: two overlapping Pay submissions gave a 409 page. The second now waits for the
    first (a page that refreshes itself) and then goes where the first went."""
    from webapp import clock
    from webapp.idempotency import services

    ada, booking, form, data = ready_to_pay(shopper, trip_id, "4A")
    key = data["idempotency_key"]
    path = form["action"]
    # The first press is still running: its key is claimed and not finished.
    claim = pay_site.prepare(
        lambda: services.claim_key(
            ada.user_id, key, services.fingerprint("POST", path, {}), "POST", path, clock.now()
        )
    )

    second = ada.browser.post(f"{pay_site.url}{path}", data=data, allow_redirects=False, timeout=10)

    assert second.status_code == 303, second.text
    waiting_url = f"{pay_site.url}{second.headers['Location']}"
    waiting = ada.browser.get(waiting_url, allow_redirects=False, timeout=5)
    assert waiting.status_code == 200
    assert soup(waiting).find(id="payment-starting") is not None
    assert soup(waiting).find("meta", attrs={"http-equiv": "refresh"}) is not None
    hosted = f"{pay_site.url}/sandbox/flutterwave/checkout/first-one"
    pay_site.prepare(
        lambda: services.complete_key(claim.key_id, 303, "", "text/html", hosted, clock.now())
    )
    done = ada.browser.get(waiting_url, allow_redirects=False, timeout=5)
    assert done.status_code == 303
    assert done.headers["Location"] == hosted
    assert len(status_of(pay_site, booking["bookingId"])[1]) == 0  # no second payment started
