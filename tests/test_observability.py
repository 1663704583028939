"""Request ids, the log format, masking, and Sentry's settings (webapp/observability.py)."""

import io
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
import sentry_sdk
from flask import Flask
from flask.testing import FlaskClient

from tests.apps import TEST_DATABASE_URL, TEST_REDIS_URL
from webapp import observability
from webapp.config import DEV_JOBS_SECRET, ConfigError, check_settings, from_environment


@contextmanager
def captured_logs(level: int = logging.DEBUG, *, json_lines: bool = True) -> Iterator[io.StringIO]:
    """What the process's log would hold: every logger, through the production formatter."""
    stream = io.StringIO()
    handler = observability.log_handler(stream, json=json_lines)
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def services_env() -> dict[str, str]:
    return {"TEST_DATABASE_URL": TEST_DATABASE_URL, "TEST_REDIS_URL": TEST_REDIS_URL}


def lines_of(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_response_has_a_new_request_id(client: FlaskClient) -> None:
    first = client.get("/livez").headers["X-Request-ID"]
    second = client.get("/no-such-page").headers["X-Request-ID"]

    assert len(first) == 32
    assert int(first, 16) >= 0
    assert second != first


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("lb-7f3a9c2e-0001", True),
        ("Root=1-67891233-abcdef012345678912345678", False),  # '=' is not in the charset
        ("short", False),
        ("x" * 129, False),
        ("two words here", False),
        ("id\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(
    client: FlaskClient, incoming: str, kept: bool
) -> None:
    answered = client.get("/livez", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]

    assert (answered == incoming) is kept
    if not kept:
        assert len(answered) == 32


def test_log_lines_written_during_a_request_carry_its_id(client: FlaskClient) -> None:
    with captured_logs() as stream:
        response = client.post(
            "/api/payments/webhook/flutterwave?secret=dont-log-me",
            json={"event": "charge.completed"},
            headers={"X-Request-ID": "abcdef-123"},
        )

    assert response.status_code == 401
    lines = [line for line in lines_of(stream) if line["request_id"] == "abcdef-123"]
    assert {line["name"] for line in lines} >= {"webapp.payments.api", "roadpass.access"}
    access = next(line for line in lines if line["name"] == "roadpass.access")
    assert access["message"].startswith("POST /api/payments/webhook/flutterwave 401 ")
    assert access["level"] == "INFO"
    assert "dont-log-me" not in stream.getvalue()  # the query string is never logged
    assert set(access) >= {"asctime", "level", "name", "message", "request_id"}


def test_text_lines_carry_the_request_id_too(client: FlaskClient) -> None:
    with captured_logs(json_lines=False) as stream:
        client.get("/livez", headers={"X-Request-ID": "text-format-1"})

    assert "[text-format-1] roadpass.access GET /livez 200" in stream.getvalue()


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [
        ("Authorization: Bearer rp_abcdefghijklmnopqrstuvwxyz0123", "rp_abcdefghij"),
        ("token rp_ZZZZZZZZZZZZZZZZZZZZZZ in a message", "rp_ZZZZ"),
        ("key FLWSECK_TEST-0123456789abcdef-X used", "FLWSECK_TEST-0123"),
        ("paid with 5531 8866 5214 2950", "5531 8866"),
        ("paid with 5531886652142950.", "5531886652142950"),
        ("POST /x?password=hunter2hunter2&a=1", "hunter2"),
    ],
)
def test_secrets_tokens_and_card_numbers_are_masked(raw: str, hidden: str) -> None:
    assert hidden not in observability.redact(raw)


@pytest.mark.parametrize(
    "harmless",
    [
        "call 0803 123 4567 about booking RP-7K2M9Q",
        "payment 1234567890123 of 1500000 kobo",  # 13 digits, not a card (Luhn)
        "2026-12-01 23:45:01,123 INFO",
    ],
)
def test_phone_numbers_ids_and_times_are_left_alone(harmless: str) -> None:
    assert observability.redact(harmless) == harmless


def test_the_apps_own_secrets_are_masked(app: Flask) -> None:
    assert app.config["SECRET_KEY"] not in observability.redact(f"x {app.config['SECRET_KEY']} y")


def test_production_logs_json_and_bad_log_settings_are_refused() -> None:
    assert from_environment({"APP_ENV": "production"})["LOG_FORMAT"] == "json"
    assert from_environment({})["LOG_FORMAT"] == "text"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        check_settings({"LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        check_settings({"LOG_LEVEL": "LOUD"})


def test_no_sentry_without_a_dsn(app: Flask) -> None:
    assert not app.config["SENTRY_DSN"]
    assert not sentry_sdk.get_client().is_active()


SENTRY_PROBE = textwrap.dedent(
    """
    import json, logging, sys
    import sentry_sdk
    from sentry_sdk.transport import Transport
    from tests.apps import make_app

    sent = []

    class Keep(Transport):
        def capture_envelope(self, envelope):
            sent.extend(item.payload.json for item in envelope.items if item.payload.json)

    app = make_app("sqlite://", SENTRY_DSN="https://key@sentry.invalid/1")
    client = sentry_sdk.get_client()
    client.transport = Keep(client.options)

    @app.get("/_boom")
    def boom():
        raise RuntimeError("boom with " + app.config["SECRET_KEY"])

    response = app.test_client().get(
        "/_boom",
        headers={
            "X-Request-ID": "probe-request-1",
            "Authorization": "Bearer rp_xyzxyzxyzxyzxyzxyzxyz",
            "verif-hash": "hash-value-hash-value",
            "Cookie": "session=abc",
        },
    )
    client.flush()
    print(json.dumps({
        "status": response.status_code,
        "integrations": sorted(client.integrations),
        "pii": client.options["send_default_pii"],
        "events": sent,
    }))
    """
)


def test_sentry_reports_an_error_with_its_request_id_and_no_secrets(project_root) -> None:
    """In a separate process: Sentry's SDK patches Flask and logging globally once it is on."""
    done = subprocess.run(
        [sys.executable, "-c", SENTRY_PROBE],
        cwd=project_root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project_root), **services_env()},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])

    assert report["status"] == 500
    assert {"flask", "rq", "logging"} <= set(report["integrations"])
    assert report["pii"] is False
    errors = [event for event in report["events"] if event.get("level") == "error"]
    assert errors, report["events"]
    event = errors[0]
    assert event["tags"]["request_id"] == "probe-request-1"
    text = json.dumps(report["events"])
    for secret in ("test-secret-key", "rp_xyzxyz", "hash-value-hash-value", "session=abc"):
        assert secret not in text


def test_a_jobs_log_lines_carry_the_id_of_the_request_that_queued_it(pay_site, sandbox) -> None:
    with captured_logs() as stream:
        queued = requests.post(
            f"{pay_site.url}/api/jobs/cleanup-idempotency",
            headers={"X-Jobs-Secret": DEV_JOBS_SECRET, "X-Request-ID": "queued-by-me-1"},
            timeout=15,
        )
        assert queued.status_code == 202
        assert pay_site.run_jobs() == 1

    done = [line for line in lines_of(stream) if line["name"] == "webapp.jobs.runner"]
    assert [line["request_id"] for line in done] == ["queued-by-me-1"]
    assert done[0]["message"].startswith("job cleanup-idempotency done")
