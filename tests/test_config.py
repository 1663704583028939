import pytest

from webapp.app import create_app
from webapp.config import (
    DEV_SECRET_KEY,
    SANDBOX_SECRET_KEY,
    ConfigError,
    check_production_settings,
    from_environment,
    normalise_database_url,
)

STRONG = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 64,
    "JOBS_SECRET": "j" * 40,
    "TICKET_QR_KEY": "q" * 40,
    "FLUTTERWAVE_WEBHOOK_HASH": "h" * 40,
    "FLUTTERWAVE_SECRET_KEY": "FLWSECK-" + "k" * 32 + "-X",
    "FLUTTERWAVE_BASE_URL": "https://api.flutterwave.com/v3",
    "HTMX_SOURCE": "cdn",
}


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "JOBS_SECRET", "TICKET_QR_KEY", "FLUTTERWAVE_WEBHOOK_HASH"]
)
@pytest.mark.parametrize("value", ["", "change-me", "short-secret"])
def test_production_refuses_missing_placeholder_or_short_secrets(name: str, value: str) -> None:
    config = {**STRONG, name: value}

    with pytest.raises(ConfigError, match=name):
        check_production_settings(config)


def test_production_refuses_development_defaults() -> None:
    with pytest.raises(
        ConfigError, match="SECRET_KEY, JOBS_SECRET, TICKET_QR_KEY, FLUTTERWAVE_WEBHOOK_HASH"
    ):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, environ={"APP_ENV": "production"})


def test_production_with_real_secrets_starts_with_secure_cookies() -> None:
    environ = {**STRONG, "DATABASE_URL": "sqlite://"}

    app = create_app({"RATELIMIT_STORAGE_URI": "memory://"}, environ=environ)

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] != DEV_SECRET_KEY
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert not any(rule.startswith("/sandbox") for rule in rules)  # the simulator is not served


@pytest.mark.parametrize(
    "change",
    [
        {"FLUTTERWAVE_SECRET_KEY": ""},
        {"FLUTTERWAVE_SECRET_KEY": SANDBOX_SECRET_KEY},
        {"FLUTTERWAVE_BASE_URL": "http://127.0.0.1:5000/sandbox/flutterwave/v3"},
    ],
)
def test_production_refuses_the_sandbox_gateway(change: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="sandbox gateway"):
        check_production_settings({**STRONG, **change})


def test_environment_overrides_defaults() -> None:
    environ = {"SALES_CUTOFF_MINUTES": "45", "DATABASE_URL": "postgres://u@db:5432/rp"}

    config = from_environment(environ)

    assert config["SALES_CUTOFF_MINUTES"] == 45
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/rp"
    assert config["SESSION_COOKIE_SECURE"] is False  # development


def test_bad_number_in_environment_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="SALES_CUTOFF_MINUTES must be a whole number"):
        from_environment({"SALES_CUTOFF_MINUTES": "thirty"})


def test_the_process_environment_is_read_when_no_mapping_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SALES_CUTOFF_MINUTES", "44")

    assert from_environment()["SALES_CUTOFF_MINUTES"] == 44


def test_database_url_normalisation() -> None:
    assert normalise_database_url("postgresql://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"
