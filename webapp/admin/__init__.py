"""Admin pages (SPEC §9). Admins only: everyone else gets the same 404 as a missing page."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint
from flask_login import current_user, login_required

from webapp.errors import NotFoundError

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


from webapp.admin import jobs, payments, settlements, trips  # noqa: E402, F401 - routes register on import
