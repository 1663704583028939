"""Admin pages (SPEC §9). Admins only, or an operator's staff where a page says so: everyone
else gets the same 404 as a missing page."""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint
from flask_login import current_user, login_required

from webapp.errors import NotFoundError
from webapp.presentation import lagos_datetime

bp = Blueprint("admin", __name__, url_prefix="/admin")
F = TypeVar("F", bound=Callable[..., Any])


def admin_required(view: F) -> F:
    @login_required
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            raise NotFoundError("We could not find that page.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def staff_required(view: F) -> F:
    """Admins, and the staff of an operator (their pages are scoped by `operator_scope()`)."""

    @login_required
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not (current_user.is_admin or current_user.is_operator_staff):
            raise NotFoundError("We could not find that page.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.app_template_filter("status_words")
def status_words(code: object) -> str:
    """PENDING_PAYMENT → "Pending payment": words, not codes."""
    text = str(code or "").replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:]


@bp.app_template_filter("action_words")
def action_words(action: str) -> str:
    """booking.pending_payment → "Booking pending payment"."""
    return status_words(action.replace(".", " "))


@bp.app_template_filter("counts_words")
def counts_words(counts: dict[str, Any] | None) -> str:
    """{"expired": 3, "released": 0} → "expired 3, released 0"."""
    return ", ".join(f"{status_words(k).lower()} {v}" for k, v in (counts or {}).items())


@bp.app_template_filter("iso_lagos")
def iso_lagos(moment: str | None) -> str:
    """An ISO timestamp (as the health report gives it) in the one date format of the pages."""
    if not moment:
        return ""
    return lagos_datetime(datetime.fromisoformat(moment))


def operator_scope() -> int | None:
    """The one operator the signed-in staff member may see; None for an admin (every operator)."""
    return None if current_user.is_admin else current_user.operator_id


from webapp.admin import (  # noqa: E402, F401 - routes register on import
    audit,
    boarding,
    bookings,
    cancel_date,
    dashboard,
    jobs,
    ledger,
    payments,
    refunds,
    settlements,
    staff,
    trips,
)
