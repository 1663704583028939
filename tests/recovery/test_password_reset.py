"""Forgot password: a signed, expiring, single-use link by e-mail, one answer whether or not
the address has an account, rate limited; the new password is set through set_password."""

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, create_user
from tests.helpers import field_error, log_in, page, post_form
from webapp.accounts.models import User
from webapp.accounts.passwords import verify_password
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.recovery import services as recovery

NEW_PASSWORD = "a new bus ride home"


def outbox() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def ask_for_link(client: FlaskClient, email: str):
    return post_form(client, "/forgot-password", {"email": email})


def link_path(message: Notification) -> str:
    match = re.search(r"https?://[^/\s]+(/reset-password/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def reset(client: FlaskClient, path: str, password: str = NEW_PASSWORD, confirm: str = ""):
    return post_form(client, path, {"password": password, "confirm": confirm or password})


def test_a_known_and_an_unknown_address_get_the_same_answer_and_one_email_each(
    client: FlaskClient,
) -> None:
    create_user(email="ada@example.com")

    known = ask_for_link(client, "Ada@Example.com")
    after_known = outbox()
    unknown = ask_for_link(client, "nobody@example.com")
    after_unknown = outbox()

    assert known.status_code == unknown.status_code == 200
    known_text = page(known).find(id="reset-sent").get_text(" ", strip=True)
    unknown_text = page(unknown).find(id="reset-sent").get_text(" ", strip=True)
    assert known_text.replace("Ada@Example.com", "X") == unknown_text.replace(
        "nobody@example.com", "X"
    )
    [to_ada] = after_known
    [_, to_nobody] = after_unknown
    assert (to_ada.kind, to_ada.to_email) == ("password-reset", "ada@example.com")
    assert (to_nobody.kind, to_nobody.to_email) == ("password-reset-unknown", "nobody@example.com")
    assert to_ada.subject == to_nobody.subject
    assert "/reset-password/" in to_ada.body
    assert "/reset-password/" not in to_nobody.body
    assert "No Roadpass account uses this address" in to_nobody.body


def test_the_link_sets_a_new_password_through_set_password_once(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = create_user(email="ada@example.com")
    calls = []
    original = recovery.set_password

    def spy(who: User, new_password: str) -> None:
        calls.append((who.id, new_password))
        original(who, new_password)

    monkeypatch.setattr(recovery, "set_password", spy)
    ask_for_link(client, "ada@example.com")
    path = link_path(outbox()[-1])

    form = client.get(path)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"
    done = reset(client, path)

    assert done.status_code == 303
    assert done.headers["Location"] == "/login"
    assert calls == [(user.id, NEW_PASSWORD)]
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert log_in(client, "ada@example.com", PASSWORD).status_code == 401
    assert log_in(client, "ada@example.com", NEW_PASSWORD).status_code == 303

    again = client.get(path)
    assert again.status_code == 400
    assert "already been used" in page(again).find(id="reset-error").get_text()


def test_using_one_link_kills_the_links_sent_before_it(client: FlaskClient) -> None:
    create_user(email="ada@example.com")
    ask_for_link(client, "ada@example.com")
    ask_for_link(client, "ada@example.com")
    first, second = (link_path(m) for m in outbox())

    assert reset(client, second).status_code == 303
    assert reset(client, first, "yet another bus ride").status_code == 400


def test_a_link_expires(client: FlaskClient, app: Flask, travel) -> None:
    create_user(email="ada@example.com")
    ask_for_link(client, "ada@example.com")
    path = link_path(outbox()[-1])

    travel(timedelta(minutes=app.config["PASSWORD_RESET_MINUTES"] + 1))

    assert client.get(path).status_code == 400
    assert reset(client, path).status_code == 400


@pytest.mark.parametrize("token", ["forged", "WzEsImFiYyJd.Zz5cYQ.bad-signature", "x" * 400])
def test_a_forged_link_is_refused(client: FlaskClient, token: str) -> None:
    response = client.get(f"/reset-password/{token}")

    assert response.status_code == 400
    assert page(response).find(id="reset-error") is not None


def test_a_weak_new_password_is_refused_and_the_link_still_works(client: FlaskClient) -> None:
    user = create_user(email="ada@example.com")
    old_hash = user.password_hash
    ask_for_link(client, "ada@example.com")
    path = link_path(outbox()[-1])

    weak = reset(client, path, "password123")
    mismatch = reset(client, path, NEW_PASSWORD, "something else entirely")

    assert weak.status_code == mismatch.status_code == 422
    assert "too easy" in field_error(weak, "password")
    db.session.refresh(user)
    assert user.password_hash == old_hash
    assert reset(client, path).status_code == 303


def test_a_bad_address_is_a_form_error_and_sends_nothing(client: FlaskClient) -> None:
    response = ask_for_link(client, "not-an-address")

    assert response.status_code == 422
    assert field_error(response, "email")
    assert outbox() == []


def test_reset_requests_are_rate_limited_per_address(client: FlaskClient, app: Flask) -> None:
    allowed = int(app.config["PASSWORD_RESET_RATE_LIMIT"].split()[0])
    statuses = [ask_for_link(client, "nobody@example.com").status_code for _ in range(allowed)]

    assert statuses == [200] * allowed
    assert ask_for_link(client, "nobody@example.com").status_code == 429
    assert db.session.scalar(select(func.count(Notification.id))) == allowed


def test_the_login_page_links_to_the_reset(client: FlaskClient) -> None:
    link = page(client.get("/login")).find(id="forgot-link")

    assert link["href"] == "/forgot-password"
