"""What every template can use: money and Lagos-time filters, and the pinned htmx script tag."""

from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_request_context, url_for

from webapp.clock import to_lagos
from webapp.config import HTMX_CDN_URL, HTMX_SRI, HTMX_VERSION
from webapp.money import format_money


def lagos_time(moment: datetime | None, fmt: str = "%H:%M") -> str:
    return to_lagos(moment).strftime(fmt) if moment else ""


def lagos_datetime(moment: datetime | None) -> str:
    return lagos_time(moment, "%a %d %b %Y, %H:%M") if moment else ""


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def masked(account_number: str | None) -> str:
    """Payout details are never shown whole: "0123456789" → "••••••6789"."""
    digits = (account_number or "").strip()
    return "•" * max(0, len(digits) - 4) + digits[-4:] if digits else "(none)"


def htmx_script() -> dict[str, str]:
    """The src and SRI hash of htmx: the pinned CDN URL, or our verified local copy."""
    if current_app.config["HTMX_SOURCE"] == "local":
        src = url_for("static", filename=f"vendor/htmx-{HTMX_VERSION}.min.js")
    else:
        src = HTMX_CDN_URL
    return {"src": src, "integrity": HTMX_SRI}


def init_app(app: Flask) -> None:
    app.add_template_filter(format_money, "money")
    app.add_template_filter(lagos_time, "lagos_time")
    app.add_template_filter(lagos_datetime, "lagos_datetime")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(masked, "masked")

    @app.context_processor
    def inject() -> dict[str, Any]:
        # Jobs render e-mails with no request at hand: pages need htmx, e-mails do not.
        return {"htmx": htmx_script()} if has_request_context() else {}
