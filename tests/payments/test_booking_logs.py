"""A whole booking's logs (register → token → hold → pay on the hosted page → webhook → ticket)
hold no secret: not the password, the API token, the session cookie, the webhook hash, the
gateway's key, the app's keys or the card number."""

import json
import logging
import uuid

import pytest
import requests
from bs4 import BeautifulSoup

from tests.paysite import Shopper, settle_all, status_of
from tests.test_observability import captured_logs

CARD = "5531 8866 5214 2950"  # the sandbox's card that succeeds
PASSWORD = "a long bus ride to Kano"


class RawRecords(logging.Handler):
    """Every record as its message and traceback, before any masking."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.texts.append(text)


def csrf(page: requests.Response) -> str:
    return BeautifulSoup(page.text, "html.parser").find("meta", attrs={"name": "csrf-token"})[
        "content"
    ]


@pytest.mark.parametrize("pay_site", ["postgresql"], indirect=True)
def test_a_whole_booking_logs_no_secret(pay_site, sandbox, trip_id) -> None:
    site = pay_site.url
    browser = requests.Session()
    email = f"logs-{uuid.uuid4().hex[:8]}@example.com"
    raw = RawRecords()
    logging.getLogger().addHandler(raw)
    try:
        with captured_logs() as stream:
            register = browser.get(f"{site}/register", timeout=10)
            answer = browser.post(
                f"{site}/register",
                data={
                    "csrf_token": csrf(register),
                    "name": "Amina Bello",
                    "email": email,
                    "phone": "0803 123 4567",
                    "password": PASSWORD,
                    "confirm": PASSWORD,
                },
                timeout=10,
            )
            assert answer.status_code == 200, answer.status_code
            tokens = browser.get(f"{site}/account/tokens", timeout=10)
            made = browser.post(
                f"{site}/account/tokens",
                data={"csrf_token": csrf(tokens), "name": "travel app"},
                timeout=10,
            )
            token = BeautifulSoup(made.text, "html.parser").find(id="new-token").get_text()
            user_id = pay_site.sql("SELECT id FROM users WHERE email = :e", e=email)[0][0]
            amina = Shopper(pay_site, user_id, email, {"Authorization": f"Bearer {token}"}, browser)

            booking = amina.hold(trip_id, ["2A"])
            payment = amina.pay(booking)
            paid = requests.post(
                payment["checkoutUrl"], data={"card": CARD}, allow_redirects=False, timeout=10
            )
            assert paid.status_code == 303, paid.text
            settle_all(pay_site, sandbox)  # the webhook, with its verif-hash, and the jobs
            amina.come_back(paid.headers["Location"])
            ticket = browser.get(f"{site}/bookings/{booking['reference']}", timeout=10)
            assert ticket.status_code == 200
    finally:
        logging.getLogger().removeHandler(raw)

    assert status_of(pay_site, booking["bookingId"])[0] == "CONFIRMED"
    config = pay_site.app.config
    secrets = {
        "password": PASSWORD,
        "API token": token,
        "session cookie": browser.cookies.get(config["SESSION_COOKIE_NAME"]),
        "webhook hash": config["FLUTTERWAVE_WEBHOOK_HASH"],
        "gateway key": config["FLUTTERWAVE_SECRET_KEY"],
        "secret key": config["SECRET_KEY"],
        "jobs secret": config["JOBS_SECRET"],
        "QR key": config["TICKET_QR_KEY"],
        "card number": CARD,
        "card digits": CARD.replace(" ", ""),
    }
    written = stream.getvalue()
    lines = [json.loads(line) for line in written.splitlines()]
    assert len(lines) > 20  # the flow was logged: one access line per request at least
    requests_logged = [line for line in lines if line["name"] == "roadpass.access"]
    assert requests_logged
    assert all(len(line["request_id"]) >= 8 for line in requests_logged)
    for what, secret in secrets.items():
        assert secret, what
        assert secret not in written, f"the {what} is in the log"
        assert not any(secret in text for text in raw.texts), f"the {what} was logged, masked"
