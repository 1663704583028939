"""Settings, read from the environment with safe development defaults.

Secrets never live in code: the defaults below only make a development machine work, and
`check_production_settings` refuses to start a production app while any of them is still in use.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent

# Values that are fine on a laptop and fatal in production.
DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105
DEV_JOBS_SECRET = "dev-jobs-secret"  # noqa: S105
DEV_TICKET_QR_KEY = "dev-ticket-qr-key"
DEV_WEBHOOK_HASH = "dev-webhook-hash"
SANDBOX_SECRET_KEY = "FLWSECK_TEST-roadpass-sandbox-X"  # noqa: S105 - the built-in sandbox's key

PLACEHOLDER_SECRETS = {"change-me", "changeme", "secret", "dev", "test"}
MIN_SECRET_LENGTH = 16

HTMX_VERSION = "2.0.8"
HTMX_SRI = "sha384-/TgkGk7p307TH7EXJDuUlgG3Ce1UVolAOFopFekQkkXihi5u/6OCvVKyz1W+idaz"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
# jsQR reads QR codes on the boarding page where the browser has no BarcodeDetector; served
# from static/vendor only (make install fetches it from npm and checks this hash).
JSQR_VERSION = "1.4.0"
JSQR_SRI = "sha384-b5Ya4Bq3qCyz39m2ISh+4DxjAIljdeFwK/BsXLuj9gugaNwAcj/ia15fxNZL9Nlx"


def load_dotenv_file() -> None:
    """Read the project's `.env` into the environment (the environment wins), unless
    FLASK_SKIP_DOTENV is set, which also keeps the `flask` command from reading it."""
    if os.environ.get("FLASK_SKIP_DOTENV", "").strip().lower() in ("1", "true", "yes"):
        return
    load_dotenv(ROOT / ".env", override=False)


class ConfigError(RuntimeError):
    """The app's settings are unsafe or unusable; the message says which."""


N = TypeVar("N", int, float)


def _number(env: Mapping[str, str], name: str, default: N) -> N:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    kind = type(default)
    try:
        return kind(raw)
    except ValueError as exc:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from exc


def _str(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables (`environ`, by default the
    process's own; the test suite passes an empty one so that no shell can change a test)."""
    env = os.environ if environ is None else environ
    app_env = _str(env, "APP_ENV", "development")
    production = app_env == "production"
    database_url = _str(env, "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'roadpass.db'}")
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": _str(env, "SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "REDIS_URL": _str(env, "REDIS_URL", "redis://127.0.0.1:6379/0"),
        "JOBS_SECRET": _str(env, "JOBS_SECRET", DEV_JOBS_SECRET),
        "TICKET_QR_KEY": _str(env, "TICKET_QR_KEY", DEV_TICKET_QR_KEY),
        "FLUTTERWAVE_WEBHOOK_HASH": _str(env, "FLUTTERWAVE_WEBHOOK_HASH", DEV_WEBHOOK_HASH),
        "FLUTTERWAVE_SECRET_KEY": _str(env, "FLUTTERWAVE_SECRET_KEY", SANDBOX_SECRET_KEY),
        "FLUTTERWAVE_BASE_URL": _str(
            env,
            "FLUTTERWAVE_BASE_URL",
            f"http://127.0.0.1:{_number(env, 'PORT', 5000)}/sandbox/flutterwave/v3",
        ),
        "FLUTTERWAVE_CONNECT_TIMEOUT": _number(env, "FLUTTERWAVE_CONNECT_TIMEOUT", 5.0),
        "FLUTTERWAVE_READ_TIMEOUT": _number(env, "FLUTTERWAVE_READ_TIMEOUT", 30.0),
        "SANDBOX_WEBHOOK_URL": _str(env, "SANDBOX_WEBHOOK_URL", ""),
        # background: webhooks go out from a thread after their delay, as from the real gateway;
        # manual: they wait until POST /sandbox/flutterwave/control/deliver sends them (tests).
        "SANDBOX_WEBHOOK_DELIVERY": _str(env, "SANDBOX_WEBHOOK_DELIVERY", "background"),
        # Flutterwave, with retries on, tries 3 times, 30 minutes apart, 60 s timeout each;
        # the sandbox keeps the count and the timeout but waits 30 s by default.
        "SANDBOX_WEBHOOK_ATTEMPTS": _number(env, "SANDBOX_WEBHOOK_ATTEMPTS", 3),
        "SANDBOX_WEBHOOK_RETRY_SECONDS": _number(env, "SANDBOX_WEBHOOK_RETRY_SECONDS", 30),
        "SANDBOX_WEBHOOK_TIMEOUT_SECONDS": _number(env, "SANDBOX_WEBHOOK_TIMEOUT_SECONDS", 60),
        "SANDBOX_STATE_FILE": env.get(
            "SANDBOX_STATE_FILE", str(ROOT / "instance" / "flutterwave-sandbox.json")
        ).strip(),
        "MAIL_FROM": _str(env, "MAIL_FROM", "Roadpass <tickets@roadpass.example.com>"),
        "MAIL_SMTP_HOST": _str(env, "MAIL_SMTP_HOST", ""),
        "MAIL_SMTP_PORT": _number(env, "MAIL_SMTP_PORT", 587),
        "MAIL_SMTP_STARTTLS": _flag(env, "MAIL_SMTP_STARTTLS", True),
        "MAIL_SMTP_USER": _str(env, "MAIL_SMTP_USER", ""),
        "MAIL_SMTP_PASSWORD": _str(env, "MAIL_SMTP_PASSWORD", ""),
        "PUBLIC_BASE_URL": _str(
            env, "PUBLIC_BASE_URL", f"http://localhost:{_number(env, 'PORT', 5000)}"
        ),
        "HTMX_SOURCE": _str(env, "HTMX_SOURCE", "cdn"),
        "SALES_CUTOFF_MINUTES": _number(env, "SALES_CUTOFF_MINUTES", 30),
        "SEAT_HOLD_MINUTES": _number(env, "SEAT_HOLD_MINUTES", 15),
        "PAYMENT_WINDOW_MINUTES": _number(env, "PAYMENT_WINDOW_MINUTES", 20),
        "MAX_HOLD_MINUTES": _number(env, "MAX_HOLD_MINUTES", 60),
        "MAX_SEATS_PER_BOOKING": _number(env, "MAX_SEATS_PER_BOOKING", 6),
        "MAX_ACTIVE_HOLDS_PER_USER": _number(env, "MAX_ACTIVE_HOLDS_PER_USER", 2),
        "SERVICE_FEE_PER_SEAT": _number(env, "SERVICE_FEE_PER_SEAT", 25000),
        "DB_LOCK_TIMEOUT_MS": _number(env, "DB_LOCK_TIMEOUT_MS", 3000),
        "HOLD_RATE_LIMIT": _str(env, "HOLD_RATE_LIMIT", "20 per minute"),
        "HOLD_IP_RATE_LIMIT": _str(env, "HOLD_IP_RATE_LIMIT", "300 per minute"),
        "SEAT_POLL_SECONDS": _number(env, "SEAT_POLL_SECONDS", 4),
        "PAYMENT_POLL_SECONDS": _number(env, "PAYMENT_POLL_SECONDS", 2),
        "PAYMENT_VERIFY_INTERVAL_SECONDS": _number(env, "PAYMENT_VERIFY_INTERVAL_SECONDS", 10),
        "CHECKOUT_RATE_LIMIT": _str(env, "CHECKOUT_RATE_LIMIT", "10 per minute"),
        "CHECKOUT_IP_RATE_LIMIT": _str(env, "CHECKOUT_IP_RATE_LIMIT", "120 per minute"),
        "SEAT_STATE_CACHE_SECONDS": _number(env, "SEAT_STATE_CACHE_SECONDS", 1.0),
        "API_TOKEN_CACHE_SECONDS": _number(env, "API_TOKEN_CACHE_SECONDS", 10.0),
        "PROXY_HOPS": _number(env, "PROXY_HOPS", 0),
        "SEARCH_MAX_DAYS_AHEAD": _number(env, "SEARCH_MAX_DAYS_AHEAD", 180),
        "LOGIN_RATE_LIMIT": _str(env, "LOGIN_RATE_LIMIT", "10 per minute"),
        "SESSION_IDLE_DAYS": _number(env, "SESSION_IDLE_DAYS", 30),
        "LOG_FORMAT": _str(env, "LOG_FORMAT", "json" if production else "text").lower(),
        "LOG_LEVEL": _str(env, "LOG_LEVEL", "INFO").upper(),
        "SENTRY_DSN": _str(env, "SENTRY_DSN", ""),
        "SENTRY_ENVIRONMENT": _str(env, "SENTRY_ENVIRONMENT", ""),
        "SENTRY_TRACES_SAMPLE_RATE": _number(env, "SENTRY_TRACES_SAMPLE_RATE", 0.0),
        "PASSWORD_RESET_MINUTES": _number(env, "PASSWORD_RESET_MINUTES", 60),
        "PASSWORD_RESET_RATE_LIMIT": _str(env, "PASSWORD_RESET_RATE_LIMIT", "5 per hour"),
        "FIND_BOOKING_MINUTES": _number(env, "FIND_BOOKING_MINUTES", 60),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": app_env not in ("development", "test"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": app_env not in ("development", "test"),
        "WTF_CSRF_TIME_LIMIT": None if not production else 8 * 3600,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        # The input boundary (webapp/boundary): bodies larger than this are refused with 413
        # before any view reads them; JSON deeper than JSON_MAX_DEPTH is refused before parsing.
        "MAX_CONTENT_LENGTH": _number(env, "MAX_CONTENT_LENGTH", 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _number(env, "MAX_FORM_MEMORY_SIZE", 256 * 1024),
        "JSON_MAX_DEPTH": _number(env, "JSON_MAX_DEPTH", 32),
    }


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def check_settings(config: dict[str, Any]) -> None:
    """Refuse settings no environment can run with, then the production checks."""
    if config.get("LOG_FORMAT", "text") not in ("json", "text"):
        raise ConfigError("LOG_FORMAT must be 'json' or 'text'.")
    if config.get("LOG_LEVEL", "INFO") not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL must be one of " + ", ".join(LOG_LEVELS) + ".")
    if not 0 <= config.get("SENTRY_TRACES_SAMPLE_RATE", 0) <= 1:
        raise ConfigError("SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1.")
    check_production_settings(config)


def check_production_settings(config: dict[str, Any]) -> None:
    """Refuse to run in production with a missing or development secret."""
    if config.get("APP_ENV") != "production":
        return
    unsafe = {
        "SECRET_KEY": DEV_SECRET_KEY,
        "JOBS_SECRET": DEV_JOBS_SECRET,
        "TICKET_QR_KEY": DEV_TICKET_QR_KEY,
        "FLUTTERWAVE_WEBHOOK_HASH": DEV_WEBHOOK_HASH,
    }
    bad = [
        name
        for name, dev in unsafe.items()
        if not config.get(name)
        or config[name] == dev
        or config[name].lower() in PLACEHOLDER_SECRETS
        or len(config[name]) < MIN_SECRET_LENGTH
    ]
    if bad:
        raise ConfigError(
            "Refusing to start in production: set "
            + ", ".join(bad)
            + f" in the environment to random values of at least {MIN_SECRET_LENGTH} characters."
        )
    key = config.get("FLUTTERWAVE_SECRET_KEY") or ""
    if not key or key == SANDBOX_SECRET_KEY or "/sandbox/" in config["FLUTTERWAVE_BASE_URL"]:
        raise ConfigError(
            "Refusing to start in production with the sandbox gateway: set "
            "FLUTTERWAVE_SECRET_KEY and FLUTTERWAVE_BASE_URL (https://api.flutterwave.com/v3)."
        )
    if config.get("HTMX_SOURCE") not in ("cdn", "local"):
        raise ConfigError("HTMX_SOURCE must be 'cdn' or 'local'.")
