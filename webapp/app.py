"""`create_app` builds the Roadpass Flask application.

This module is the composition root: the one place that knows every feature, binds the
extensions, registers each feature's blueprint, CLI and API routes, and hands the job
definitions to the job machinery. Features never import it.
"""

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import webapp.models  # noqa: F401 - every table must be known to Alembic and create_all
from jobs.registry import JOBS
from webapp import boundary, gateways, observability, presentation, security
from webapp import config as config_module
from webapp.accounts import token_cache
from webapp.accounts.cli import users_cli
from webapp.accounts.views import bp as accounts_bp
from webapp.admin import bp as admin_bp
from webapp.api import bp as api_bp
from webapp.api import openapi as _openapi  # noqa: F401 - serves /api/openapi.json
from webapp.booking import api as _booking_api  # noqa: F401 - each adds its routes to api_bp
from webapp.booking import seats
from webapp.booking.views import bp as booking_bp
from webapp.cancellations import api as _cancellations_api  # noqa: F401
from webapp.config import ROOT
from webapp.database import configure_engine
from webapp.demo.cli import seed_demo_command
from webapp.errors import register_error_handlers
from webapp.extensions import compress, csrf, db, limiter, login_manager, migrate
from webapp.health.checks import redis_is_up
from webapp.health.views import bp as health_bp
from webapp.jobs import api as _jobs_api  # noqa: F401
from webapp.jobs import dispatch, specs
from webapp.jobs.cli import jobs_cli
from webapp.ledger.cli import ledger_cli
from webapp.notifications.attachments import DRAWERS, TICKET_PDF
from webapp.payments import api as _payments_api  # noqa: F401
from webapp.payments.ledger_backfill import backfill_command
from webapp.payments.views import bp as payments_bp
from webapp.payments.webhooks import EVENT_HANDLERS
from webapp.recovery.views import bp as recovery_bp
from webapp.settlements.cli import settlements_cli
from webapp.settlements.payouts import process_transfer_event
from webapp.tickets.pdf import ticket_attachment
from webapp.tickets.views import bp as tickets_bp
from webapp.trips import api as _trips_api  # noqa: F401
from webapp.trips.views import bp as trips_bp


def create_app(
    overrides: dict[str, Any] | None = None, *, environ: Mapping[str, str] | None = None
) -> Flask:
    """Build the app from the environment (`environ`, by default the process's), then
    `overrides`. Tests pass both, so nothing outside the suite decides what a test sees."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(config_module.from_environment(environ))
    app.config.update(overrides or {})
    config_module.check_settings(app.config)
    observability.init_app(app)  # first: the request id must exist before any other hook runs
    boundary.init_app(app)  # then its converter and checks, before every other hook
    _prepare_sqlite_folder(app)
    _choose_rate_limit_storage(app)

    # First bound, so its after_request runs last: it compresses the finished response.
    compress.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["DB_LOCK_TIMEOUT_MS"])

    _register_blueprints(app)
    specs.install(app, JOBS.values())
    dispatch.init_app(app)
    seats.install_hooks()
    token_cache.init_app(app)
    gateways.init_app(app)
    EVENT_HANDLERS["transfer.completed"] = process_transfer_event  # a payout's transfer
    DRAWERS[TICKET_PDF] = ticket_attachment  # the confirmation e-mail's ticket PDF
    ledger_cli.add_command(backfill_command)
    for command in (jobs_cli, users_cli, seed_demo_command, ledger_cli, settlements_cli):
        app.cli.add_command(command)
    security.init_app(app)
    _trust_proxies(app)
    presentation.init_app(app)
    register_error_handlers(app)
    return app


def _prepare_sqlite_folder(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _choose_rate_limit_storage(app: Flask) -> None:
    """Redis when it answers, memory otherwise (SPEC §1); the choice is logged, not hidden."""
    if app.config.get("RATELIMIT_STORAGE_URI"):
        return
    if redis_is_up(app.config["REDIS_URL"]):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    else:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        logging.getLogger(__name__).warning("Redis unreachable: rate limits kept in memory")


def _trust_proxies(app: Flask) -> None:
    """Behind N load balancers, take the client's address and scheme from X-Forwarded-*;
    otherwise every passenger would share the balancer's IP and its rate limits."""
    hops = app.config["PROXY_HOPS"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _register_blueprints(app: Flask) -> None:
    for blueprint in (
        accounts_bp,
        recovery_bp,
        trips_bp,
        booking_bp,
        payments_bp,
        tickets_bp,
        health_bp,
        admin_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # bearer tokens only; the API never reads the session cookie
