"""Logs and errors an operator can follow (README, "Operating").

- Every request has an id: a sane incoming `X-Request-ID` (a load balancer's) or a new one. It is
  on every log line written while the request runs and in the response's `X-Request-ID`; a job's
  lines carry the id of the request that queued it, or `job-<its RQ id>`.
- One access line per request (method, path without the query string, status, milliseconds).
- JSON lines in production (`LOG_FORMAT=json`), plain text on a laptop; both mask secrets on
  the way out: the app's own secrets, bearer and API tokens, Flutterwave keys and card numbers.
- Sentry when `SENTRY_DSN` is set, with its Flask and RQ integrations and no personal data.
"""

import logging
import re
import time
import uuid
from typing import IO, Any

import sentry_sdk
from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from rq import get_current_job
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.rq import RqIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

REQUEST_ID_HEADER = "X-Request-ID"
# A correlation label, never trusted for anything else: bounded, and nothing that could forge a
# log line (no spaces, quotes or control characters).
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id"]

# Settings whose values must never reach a log line or an error report.
SECRET_SETTINGS = (
    "SECRET_KEY",
    "JOBS_SECRET",
    "TICKET_QR_KEY",
    "FLUTTERWAVE_WEBHOOK_HASH",
    "FLUTTERWAVE_SECRET_KEY",
    "MAIL_SMTP_PASSWORD",
)
_known_secrets: set[str] = set()
_PATTERNS = [
    (re.compile(r"(?i)\bbearer\s+[^\s\"',;]+"), "Bearer [redacted]"),
    (re.compile(r"\brp_[A-Za-z0-9_-]{16,}"), "rp_[redacted]"),
    (re.compile(r"\bFLW(?:SECK|PUBK)[A-Za-z0-9_-]*"), "FLW[redacted]"),
    (
        re.compile(r"(?i)\b(password|passwd|secret|verif-hash|api_key|token)=[^\s&\"',;]+"),
        r"\1=[redacted]",
    ),
]
_CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
# Headers and fields Sentry must drop besides its own list (passwords, tokens, cookies...).
SENTRY_DENYLIST = [
    *DEFAULT_DENYLIST,
    "verif-hash",
    "verif_hash",
    "flutterwave-signature",
    "x-jobs-secret",
    "x_jobs_secret",
    "card",
    "cvv",
    "pin",
    *(name.lower() for name in SECRET_SETTINGS),
]

access_log = logging.getLogger("roadpass.access")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group())
    return "[card redacted]" if _luhn_valid(digits) else match.group()


def redact(text: str) -> str:
    """`text` with every known secret, token and card number masked."""
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _CARD_NUMBER.sub(_mask_card, text)


def current_request_id() -> str:
    """The request's id; in a job, the id of the request that queued it (so one id finds a
    request and the work it caused), else `job-<RQ job id>`; elsewhere `-`."""
    if has_request_context():
        return g.get("request_id", "-")
    job = get_current_job()
    if job is None:
        return "-"
    queued_by = job.meta.get("request_id")
    return queued_by if queued_by and queued_by != "-" else f"job-{job.id}"


class _Redacting:
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))  # type: ignore[misc]


class TextFormatter(_Redacting, logging.Formatter):
    pass


class JsonLinesFormatter(_Redacting, JsonFormatter):
    pass


def log_handler(stream: IO[str] | None = None, *, json: bool) -> logging.Handler:
    """A handler writing our format (JSON lines or text, secrets masked) to `stream`."""
    handler = logging.StreamHandler(stream)
    formatter: logging.Formatter
    if json:
        formatter = JsonLinesFormatter(JSON_FIELDS, rename_fields={"levelname": "level"})
    else:
        formatter = TextFormatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    return handler


_previous_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _previous_factory(*args, **kwargs)
    record.request_id = current_request_id()
    return record


def configure_logging(app: Flask) -> None:
    """Stamp every log record with the request id and, unless something (a test runner) already
    handles the root logger, log to stderr in the configured format at the configured level."""
    logging.setLogRecordFactory(_record_with_request_id)
    _known_secrets.update(
        value for name in SECRET_SETTINGS if len(value := app.config.get(name) or "") >= 8
    )
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(log_handler(json=app.config["LOG_FORMAT"] == "json"))
        root.setLevel(app.config["LOG_LEVEL"])


def _start_request() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
    if access_log.isEnabledFor(logging.INFO):
        elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        access_log.info(
            "%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed
        )
    return response


def _redact_all(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_all(item) for item in value]
    return value


def _before_send(event: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    """Tag the report with the request id and mask secrets in every string of it (messages,
    exception values, local variables), which Sentry's scrubber, going by names, cannot see."""
    event = _redact_all(event)
    event.setdefault("tags", {})["request_id"] = current_request_id()
    return event


def init_sentry(app: Flask) -> None:
    """Report errors to Sentry when SENTRY_DSN is set; without it nothing is sent anywhere."""
    if not app.config["SENTRY_DSN"]:
        return
    sentry_sdk.init(
        dsn=app.config["SENTRY_DSN"],
        environment=app.config["SENTRY_ENVIRONMENT"] or app.config["APP_ENV"],
        integrations=[FlaskIntegration(), RqIntegration()],
        send_default_pii=False,
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
        event_scrubber=EventScrubber(denylist=SENTRY_DENYLIST, recursive=True),
        before_send=_before_send,
    )


def init_app(app: Flask) -> None:
    configure_logging(app)
    init_sentry(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)
