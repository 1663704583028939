import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, create_user
from tests.helpers import csrf_from, field_error, log_in, page, post_form
from webapp.accounts.models import ApiToken, User
from webapp.extensions import db


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def register(client: FlaskClient, **overrides: str):
    data = {
        "name": "Chiamaka Eze",
        "email": "chiamaka@example.com",
        "phone": "0803 123 4567",
        "password": "a long bus ride home",
        "confirm": "a long bus ride home",
    }
    data.update(overrides)
    return post_form(client, "/register", data)


def logged_in_user_id(client: FlaskClient) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def test_register_creates_account_with_argon2id_and_logs_in(client: FlaskClient) -> None:
    response = register(client, email="Chiamaka@Example.com")

    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "chiamaka@example.com"))
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert user.role == "passenger"
    assert logged_in_user_id(client) == str(user.id)


def test_register_with_taken_email_is_refused_whatever_the_case(client: FlaskClient) -> None:
    create_user(email="taken@example.com")
    before = user_count()

    response = register(client, email="TAKEN@example.com")

    assert response.status_code == 422
    assert "already exists" in field_error(response, "email")
    assert user_count() == before
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short", "at least 10"),
        ("password123", "too easy"),
        ("aaaaaaaaaaaa", "too easy"),
        ("chiamaka@example.com", "must not be your e-mail"),
    ],
)
def test_register_refuses_weak_passwords(client: FlaskClient, password: str, expected: str) -> None:
    before = user_count()

    response = register(client, password=password, confirm=password)

    assert response.status_code == 422
    assert expected in field_error(response, "password")
    assert user_count() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"confirm": "something different"}, "confirm"),
        ({"name": ""}, "name"),
    ],
)
def test_register_refuses_bad_fields(client: FlaskClient, overrides: dict, field: str) -> None:
    before = user_count()

    response = register(client, **overrides)

    assert response.status_code == 422
    assert page(response).select_one(f".has-error #{field}") is not None
    assert user_count() == before


def test_login_renews_the_session_and_redirects(client: FlaskClient) -> None:
    user = create_user(email="ada@example.com")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before login"

    response = log_in(client, "ADA@example.com ", PASSWORD)

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session.get("_user_id") == str(user.id)
        assert "planted" not in session


@pytest.mark.parametrize("email", ["ada@example.com", "nobody@example.com"])
def test_wrong_credentials_get_one_vague_answer(client: FlaskClient, email: str) -> None:
    create_user(email="ada@example.com")

    response = log_in(client, email, "not the password")

    assert response.status_code == 401
    message = page(response).find(id="login-error").get_text(strip=True)
    assert message == "The e-mail address or password is incorrect."
    assert logged_in_user_id(client) is None


def test_inactive_user_cannot_log_in(client: FlaskClient) -> None:
    create_user(email="gone@example.com", is_active=False)

    assert log_in(client, "gone@example.com", PASSWORD).status_code == 401


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account/tokens", "/account/tokens"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
    ],
)
def test_login_only_redirects_within_the_site(
    client: FlaskClient, next_url: str, expected: str
) -> None:
    create_user(email="ada@example.com")
    data = {"email": "ada@example.com", "password": PASSWORD, "next": next_url}

    response = post_form(client, "/login", data)

    assert response.headers["Location"] == expected


def test_form_without_csrf_token_is_refused_and_changes_nothing(client: FlaskClient) -> None:
    before = user_count()
    data = {
        "name": "X Y",
        "email": "x@example.com",
        "password": "long enough pw",
        "confirm": "long enough pw",
    }

    response = client.post("/register", data=data)

    assert response.status_code == 400
    assert "security token" in page(response).find(id="error-message").get_text()
    assert user_count() == before


def test_logout_needs_post_with_csrf(client: FlaskClient) -> None:
    create_user(email="ada@example.com")
    log_in(client, "ada@example.com", PASSWORD)

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert logged_in_user_id(client) is not None

    response = post_form(client, "/logout", {})

    assert response.status_code == 303
    assert logged_in_user_id(client) is None


def test_tampered_session_cookie_is_treated_as_logged_out(app: Flask, client: FlaskClient) -> None:
    user = create_user(email="ada@example.com")
    log_in(client, "ada@example.com", PASSWORD)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    forged = cookie.value.replace(str(user.id), str(user.id + 1)) + "x"
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], forged)

    response = client.get("/account/tokens")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_session_cookie_flags(client: FlaskClient) -> None:
    create_user(email="ada@example.com")

    response = log_in(client, "ada@example.com", PASSWORD)

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_token_is_shown_once_and_stored_hashed(client: FlaskClient) -> None:
    user = create_user(email="ada@example.com")
    log_in(client, "ada@example.com", PASSWORD)

    response = post_form(client, "/account/tokens", {"name": "Kiosk at Jibowu"})

    assert response.status_code == 201
    plain = page(response).find(id="new-token").get_text(strip=True)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in {token.token_hash, token.prefix}
    listing = page(client.get("/account/tokens"))
    assert listing.find(id="new-token") is None
    assert listing.select_one(f'tr[data-token-id="{token.id}"]') is not None


def test_token_name_is_required(client: FlaskClient) -> None:
    create_user(email="ada@example.com")
    log_in(client, "ada@example.com", PASSWORD)

    response = post_form(client, "/account/tokens", {"name": "   "})

    assert response.status_code == 422
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_revoke_own_token_but_not_someone_elses(client: FlaskClient) -> None:
    from tests.factories import create_token

    owner = create_user(email="ada@example.com")
    other = create_user(email="bola@example.com")
    mine, _ = create_token(owner)
    theirs, _ = create_token(other)
    log_in(client, "ada@example.com", PASSWORD)
    token = csrf_from(client, "/account/tokens")

    refused = client.post(f"/account/tokens/{theirs.id}/revoke", data={"csrf_token": token})
    accepted = client.post(f"/account/tokens/{mine.id}/revoke", data={"csrf_token": token})

    assert refused.status_code == 404
    assert accepted.status_code == 303
    assert db.session.get(ApiToken, theirs.id).revoked_at is None
    assert db.session.get(ApiToken, mine.id).revoked_at is not None


def test_token_pages_need_login(client: FlaskClient) -> None:
    response = client.get("/account/tokens")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_is_rate_limited_per_account(app: Flask, client: FlaskClient) -> None:
    create_user(email="ada@example.com")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    statuses = []
    for n in range(limit + 1):
        # A different client address each time: the per-account limit must still apply.
        environ = {"REMOTE_ADDR": f"10.0.0.{n + 1}"}
        token = csrf_from(client, "/login")
        response = client.post(
            "/login",
            data={"csrf_token": token, "email": "ada@example.com", "password": "wrong password"},
            environ_base=environ,
        )
        statuses.append(response.status_code)

    assert statuses[:limit] == [401] * limit
    assert statuses[limit] == 429
    assert "Too many attempts" in page(response).find(id="error-message").get_text()


@pytest.mark.parametrize("url", ["/login", "/register"])
def test_fields_are_not_announced_invalid_before_anything_is_wrong(
    client: FlaskClient, url: str
) -> None:
    inputs = page(client.get(url)).select("form input:not([type=hidden])")

    assert inputs
    for field in inputs:
        assert "aria-invalid" not in field.attrs, field
        for described_by in field.get("aria-describedby", "").split():
            assert page(client.get(url)).find(id=described_by) is not None, described_by


def test_an_invalid_field_points_at_its_one_error_message(client: FlaskClient) -> None:
    form = page(register(client, email="not-an-email"))

    email = form.find("input", id="email")
    assert email["aria-invalid"] == "true"
    message = form.find(id=email["aria-describedby"].split()[-1])
    assert message is not None
    assert message.get_text(strip=True)
    assert len(form.select("#email-error")) == 1
    assert "aria-invalid" not in form.find("input", id="name").attrs


@pytest.mark.parametrize("typed", ["0805 555 0101", "+234 805 555 0101", "234-805-555-0101"])
def test_register_keeps_the_phone_in_e164(client: FlaskClient, typed: str) -> None:
    response = register(client, phone=typed)

    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "chiamaka@example.com"))
    assert user.phone == "+2348055550101"


@pytest.mark.parametrize("typed", ["", "12345", "0803 123"])
def test_register_refuses_a_phone_that_is_not_a_number(client: FlaskClient, typed: str) -> None:
    before = user_count()

    response = register(client, phone=typed)

    assert response.status_code == 422
    assert page(response).select_one(".has-error #phone") is not None
    assert user_count() == before


def test_the_account_page_shows_and_changes_the_phone(client: FlaskClient) -> None:
    user = create_user(email="ada@example.com", phone="+2348031234567")
    log_in(client, "ada@example.com", PASSWORD)

    shown = page(client.get("/account"))
    assert shown.find(id="account-phone").get_text(strip=True) == "+2348031234567"
    assert shown.find(id="phone")["value"] == "+2348031234567"

    response = post_form(client, "/account", {"name": "Ada Obi", "phone": "0705 555 0199"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.name, user.phone) == ("Ada Obi", "+2347055550199")


def test_the_account_page_refuses_a_bad_phone_and_changes_nothing(client: FlaskClient) -> None:
    user = create_user(email="ada@example.com", phone="+2348031234567")
    log_in(client, "ada@example.com", PASSWORD)

    response = post_form(client, "/account", {"name": "Ada Obi", "phone": "call me"})

    assert response.status_code == 422
    assert "0803 123 4567" in field_error(response, "phone")
    db.session.refresh(user)
    assert user.phone == "+2348031234567"


def test_the_account_page_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/account")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
