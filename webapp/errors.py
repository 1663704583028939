"""Domain errors and the one place that turns any error into a page or an API error body.

Services raise these without knowing about HTTP; `register_error_handlers` maps them to an HTML
page for the browser and to `{"error", "code", "statusCode", "details"}` under `/api`.
"""

import logging
import math
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from webapp import carried_forms
from webapp.extensions import limiter, login_manager

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A request that cannot be done as asked; the message is safe to show to the user."""

    status_code = 400
    code = "BAD_REQUEST"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationError(DomainError):
    status_code = 422
    code = "VALIDATION_ERROR"


class NotFoundError(DomainError):
    status_code = 404
    code = "NOT_FOUND"


class ConflictError(DomainError):
    status_code = 409
    code = "CONFLICT"


class AuthenticationError(DomainError):
    status_code = 401
    code = "UNAUTHENTICATED"


class PermissionDeniedError(DomainError):
    status_code = 403
    code = "FORBIDDEN"


class RateLimitedError(DomainError):
    status_code = 429
    code = "RATE_LIMITED"


class BusyError(DomainError):
    """The rows this request needs are locked by another one right now; retrying will work."""

    status_code = 503
    code = "BUSY_RETRY"

    def __init__(self) -> None:
        super().__init__("Many people are booking this bus right now. Please try again.")


class GatewayError(DomainError):
    status_code = 502
    code = "GATEWAY_ERROR"


class DatabaseUnavailableError(DomainError):
    """The database cannot be reached (restarting, failed over, refusing connections)."""

    status_code = 503
    code = "SERVICE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__(
            "We cannot reach our database for a moment, so this request changed nothing. "
            "Please try again shortly: a payment you have made is not lost."
        )


LOCK_CONTENTION_SQLSTATES = {"55P03", "40P01", "40001"}  # lock timeout, deadlock, serialization


def is_lock_contention(error: Exception) -> bool:
    """True when the database gave up waiting for a lock: worth a polite "busy, retry"."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in LOCK_CONTENTION_SQLSTATES:
        return True
    message = str(original or error).lower()
    return "database is locked" in message or "database table is locked" in message


# Connection exceptions, and the server shutting down or still starting up.
UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03"}


def is_database_unavailable(error: Exception) -> bool:
    """True when the error says the database could not be reached, not that a statement was
    wrong: worth a 503 "try again shortly", and never a partial change (the transaction died)."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if not isinstance(error, OperationalError) or not hasattr(original, "sqlstate"):
        return False  # SQLite's operational errors are about the file, not a connection
    state = original.sqlstate
    return state is None or state.startswith("08") or state in UNAVAILABLE_SQLSTATES


HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
}

FRIENDLY_MESSAGES = {
    400: "The request could not be understood.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    413: "That request is too large.",
    429: "Too many attempts. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing was charged; please try again.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def error_response(
    status: int, message: str, code: str, details: dict[str, Any] | None = None
) -> Any:
    if wants_json():
        body = {"error": message, "code": code, "statusCode": status, "details": details or {}}
        return jsonify(body), status
    page = render_template("errors/error.html", status=status, message=message, code=code)
    return page, status


def _seconds_until_limit_resets() -> int:
    """For Retry-After on a 429. Only a refused request asks: rate-limit headers are not sent on
    every answer, which would cost every limited request another round trip to Redis."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    window = breached.limit.get_expiry()
    return min(window, max(1, math.ceil(breached.reset_at - time.time())))


def _carry_on_after_csrf_failure() -> Any:
    """A browser form whose session ended (logged out in another tab, token expired): keep what
    was typed and send the passenger to log in, or back to the page, to send it again."""
    page = request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        page = referrer.path  # the form's own page (a POST-only URL cannot be shown again)
    kept = carried_forms.keep(request, page)
    what = " What you typed is kept." if kept else ""
    if current_user.is_authenticated:
        flash(
            f"This page had expired, so nothing was sent.{what} Check it and send it again.",
            "error",
        )
        return redirect(page, 303)
    flash(f"You were logged out, so nothing was sent. Log in to carry on.{what}", "error")
    return redirect(url_for("accounts.login", next=page), 303)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Any:
        return error_response(error.status_code, error.message, error.code, error.details)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError) -> Any:
        # A token that no longer matches (the session ended) rather than none at all (forged).
        stale = request.method == "POST" and bool(request.form.get("csrf_token"))
        if stale and request.blueprint != "api":
            return _carry_on_after_csrf_failure()
        message = (
            "This form is missing its security token or the token has expired. "
            "Reload the page and try again."
        )
        return error_response(400, message, "CSRF_FAILED")

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if status == 429:
            message = FRIENDLY_MESSAGES[429]
        else:
            message = FRIENDLY_MESSAGES.get(status) or error.description or error.name
        response = error_response(status, message, HTTP_CODES.get(status, "HTTP_ERROR"))
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            body, code = response
            return body, code, {"Allow": ", ".join(error.valid_methods)}  # type: ignore[attr-defined]
        if status == 429:
            body, code = response
            retry_after = getattr(error, "retry_after", None)  # set by webapp.ratelimits
            if not isinstance(retry_after, int):
                retry_after = _seconds_until_limit_resets()
            return body, code, {"Retry-After": str(retry_after)}
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Any:
        if is_database_unavailable(error):
            log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
            # The error page must not ask the database who is signed in.
            g._login_user = login_manager.anonymous_user()
            unavailable = DatabaseUnavailableError()
            body, status = error_response(503, unavailable.message, unavailable.code)
            return body, status, {"Retry-After": "5"}
        if is_lock_contention(error):
            log.warning("database busy on %s %s: %s", request.method, request.path, error)
            message = "Many people are booking right now. Please try again in a moment."
            return error_response(503, message, "BUSY_RETRY")
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, FRIENDLY_MESSAGES[500], "INTERNAL_ERROR")
