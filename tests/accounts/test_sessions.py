"""Sessions that really end: a copied cookie stops working after logout, a password change or
*Sign out everywhere*; /account/sessions lists the signed-in devices."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, create_token, create_user
from tests.helpers import csrf_from, field_error, log_in, page, post_form
from webapp import clock
from webapp.accounts import sessions
from webapp.accounts.models import User, UserSession
from webapp.accounts.passwords import verify_password
from webapp.accounts.services import set_password
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.jobs.specs import job_specs
from webapp.recovery.services import reset_password, reset_token

NEW_PASSWORD = "a new road to Enugu"

both_databases = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)


def signed_in(app: Flask, email: str, user_agent: str = "Mozilla/5.0 (Linux; Android 13)"):
    """A fresh browser (its own cookie jar) signed in as `email`."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    assert log_in(browser, email, PASSWORD).status_code == 303
    return browser


def copy_of(app: Flask, browser: FlaskClient) -> FlaskClient:
    """Another client holding the same session cookie, as a thief who copied it would."""
    thief = app.test_client()
    thief.environ_base.update(browser.environ_base)
    name = app.config["SESSION_COOKIE_NAME"]
    thief.set_cookie(name, browser.get_cookie(name).value)
    return thief


def opens_bookings(browser: FlaskClient) -> bool:
    response = browser.get("/account/bookings")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def live_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(UserSession.id)).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
        )
    )


@both_databases
def audit_actions(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == user_id)
            .order_by(AuditEvent.id)
        )
    )


@both_databases
def test_a_cookie_copied_before_logout_no_longer_opens_my_bookings(app: Flask) -> None:
    user = create_user()
    browser = signed_in(app, user.email)
    thief = copy_of(app, browser)
    assert opens_bookings(thief)

    assert post_form(browser, "/logout", {}).status_code == 303

    assert not opens_bookings(thief)
    assert not opens_bookings(browser)
    assert live_count(user.id) == 0


@both_databases
def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app: Flask) -> None:
    user = create_user()
    laptop = signed_in(app, user.email, "Mozilla/5.0 (Windows NT 10.0) Firefox/130.0")
    phone = signed_in(app, user.email)
    copied = copy_of(app, phone)

    response = post_form(
        phone,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/account/sessions"
    assert opens_bookings(phone)
    assert opens_bookings(copied)  # the same session as the phone's: the one that changed it
    assert not opens_bookings(laptop)
    assert live_count(user.id) == 1
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, NEW_PASSWORD)
    assert log_in(app.test_client(), user.email, PASSWORD).status_code == 401
    assert audit_actions(user.id) == ["user.password_changed"]


@pytest.mark.parametrize(
    ("fields", "field", "expected"),
    [
        ({"current_password": "not my password"}, "current_password", "not your current"),
        ({"password": "short", "confirm": "short"}, "password", "at least 10"),
        ({"password": PASSWORD, "confirm": PASSWORD}, "password", "different"),
        ({"confirm": "something else entirely"}, "confirm", "do not match"),
    ],
)
def test_a_refused_password_change_changes_nothing(
    app: Flask, fields: dict, field: str, expected: str
) -> None:
    user = create_user()
    other = signed_in(app, user.email)
    browser = signed_in(app, user.email)
    before = db.session.get(User, user.id).password_hash
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}

    response = post_form(browser, "/account/password", {**data, **fields})

    assert response.status_code == 422
    assert expected in field_error(response, field)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before
    assert opens_bookings(other)
    assert live_count(user.id) == 2


def test_set_password_without_a_session_to_keep_ends_every_session(app: Flask) -> None:
    """The password-reset flow's way in: nobody is signed in there, so everybody is signed out.
    API tokens are left alone (they have their own revoke)."""
    user = create_user()
    _, token = create_token(user)
    browsers = [signed_in(app, user.email) for _ in range(2)]

    set_password(db.session.get(User, user.id), NEW_PASSWORD)

    assert not any(opens_bookings(browser) for browser in browsers)
    api = app.test_client().get("/api/trips/1/seats", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404  # authenticated, and no such trip


@both_databases
def test_sign_out_everywhere_ends_every_session_this_one_too(app: Flask) -> None:
    user = create_user()
    others = [signed_in(app, user.email) for _ in range(2)]
    browser = signed_in(app, user.email)
    someone_else = signed_in(app, create_user().email)

    response = post_form(browser, "/account/sessions", {}, follow_redirects=False)
    assert response.status_code == 405  # the list is read-only; the button posts elsewhere
    response = browser.post(
        "/account/sessions/revoke-all",
        data={"csrf_token": csrf_from(browser, "/account/sessions")},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert not opens_bookings(browser)
    assert not any(opens_bookings(other) for other in others)
    assert opens_bookings(someone_else)
    assert live_count(user.id) == 0
    assert audit_actions(user.id) == ["user.signed_out_everywhere"]


def test_the_devices_page_lists_live_sessions_and_marks_this_one(app: Flask) -> None:
    user = create_user()
    signed_in(app, user.email, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Firefox/130.0")
    gone = signed_in(app, user.email)
    post_form(gone, "/logout", {})
    phone = signed_in(
        app,
        user.email,
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
    )

    rows = page(phone.get("/account/sessions")).select("#sessions tbody tr")

    assert len(rows) == 2
    devices = {row.find("td").get_text(" ", strip=True): row for row in rows}
    assert set(devices) == {"Firefox on Windows", "Chrome Mobile on Android (this device)"}
    assert devices["Chrome Mobile on Android (this device)"]["data-this-device"] == "true"


def test_signing_out_one_device_leaves_the_others(app: Flask) -> None:
    user = create_user()
    laptop = signed_in(app, user.email)
    phone = signed_in(app, user.email)
    laptop_id = page(laptop.get("/account/sessions")).find(attrs={"data-this-device": "true"})[
        "data-session-id"
    ]

    response = post_form(phone, f"/account/sessions/{laptop_id}/revoke", {})

    assert response.status_code == 303
    assert not opens_bookings(laptop)
    assert opens_bookings(phone)


@pytest.mark.parametrize("session_id", ["someone-elses", "0" * 31 + "\x00", "f" * 33])
def test_another_users_or_a_malformed_device_is_not_found(app: Flask, session_id: str) -> None:
    victim = signed_in(app, create_user().email)
    victims = page(victim.get("/account/sessions")).find(attrs={"data-this-device": "true"})
    session_id = victims["data-session-id"] if session_id == "someone-elses" else session_id
    attacker = signed_in(app, create_user().email)

    response = post_form(attacker, f"/account/sessions/{session_id}/revoke", {})

    assert response.status_code == 404
    assert opens_bookings(victim)


def test_logging_in_as_someone_else_ends_the_session_before(app: Flask) -> None:
    first, second = create_user(), create_user()
    browser = signed_in(app, first.email)
    copied = copy_of(app, browser)

    assert log_in(browser, second.email, PASSWORD).status_code == 303

    assert not opens_bookings(copied)
    assert live_count(first.id) == 0


@both_databases
def test_last_seen_is_written_at_most_once_a_minute(app: Flask, travel) -> None:
    user = create_user()
    browser = signed_in(app, user.email)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    first_seen = row.last_seen_at

    travel(timedelta(seconds=50))
    assert opens_bookings(browser)
    db.session.refresh(row)
    assert row.last_seen_at == first_seen

    travel(timedelta(seconds=70))
    assert opens_bookings(browser)
    db.session.refresh(row)
    assert row.last_seen_at > first_seen


def test_a_session_from_before_sessions_were_recorded_is_logged_out(
    app: Flask, client: FlaskClient
) -> None:
    user = create_user()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(user.id)  # signed, as before, but carrying no session id
        cookie["_fresh"] = True

    assert not opens_bookings(client)


def test_admin_pages_work_with_a_session_and_end_with_it(app: Flask) -> None:
    admin = create_user(role="admin")
    browser = signed_in(app, admin.email)
    copied = copy_of(app, browser)
    assert copied.get("/admin").status_code == 200

    post_form(browser, "/logout", {})

    assert copied.get("/admin").status_code == 302


def test_user_agent_summaries() -> None:
    assert sessions.describe_user_agent("") == "Unknown browser"
    assert sessions.describe_user_agent("python-requests/2.34") == "Python Requests"
    assert len(sessions.describe_user_agent("Mozilla/5.0 " + "x" * 100_000)) <= 120
    assert "\x00" not in sessions.describe_user_agent("Nul\x00Browser/1.0")


def test_a_session_unused_for_longer_than_the_idle_limit_has_ended(app: Flask, travel) -> None:
    user = create_user()
    browser = signed_in(app, user.email)
    idle = app.config["SESSION_IDLE_DAYS"]

    travel(timedelta(days=idle - 1))
    assert opens_bookings(browser)  # and this use counts as activity
    travel(timedelta(days=2 * idle - 2))
    assert opens_bookings(browser)
    travel(timedelta(days=3 * idle))

    assert not opens_bookings(browser)


def test_sessions_ended_a_month_ago_are_deleted(app: Flask, travel) -> None:
    user = create_user()
    signed_in(app, user.email)
    logged_out = signed_in(app, user.email)
    post_form(logged_out, "/logout", {})
    idle = timedelta(days=app.config["SESSION_IDLE_DAYS"])
    now = clock.now()

    assert sessions.delete_ended_sessions(now + timedelta(days=29), idle) == 0
    assert sessions.delete_ended_sessions(now + timedelta(days=31), idle) == 1  # logged out
    assert sessions.delete_ended_sessions(now + idle + timedelta(days=29), idle) == 0
    assert sessions.delete_ended_sessions(now + idle + timedelta(days=31), idle) == 1  # idle
    assert db.session.scalar(select(func.count(UserSession.id))) == 0
    assert "cleanup-sessions" in job_specs()


def test_a_password_reset_by_e_mail_ends_every_session(app: Flask) -> None:
    user = create_user()
    browser = signed_in(app, user.email)

    reset_password(reset_token(db.session.get(User, user.id)), NEW_PASSWORD)

    assert not opens_bookings(browser)
    assert live_count(user.id) == 0
