"""The JSON API for partner apps, under `/api`, authenticated with personal bearer tokens.

Each feature adds its endpoints to `bp` in its own `api.py`; `create_app` imports those modules
before registering the blueprint, so this package depends on no feature.
"""

from typing import Any

from flask import Blueprint, Response

from webapp.errors import NotFoundError

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_PATH_ID = 2**31 - 1  # ids are PostgreSQL `integer` columns


@bp.url_value_preprocessor
def refuse_ids_no_row_can_have(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """`/api/payments/2147483648` names nothing: a 404 here, not a failed cast in the query."""
    for value in (values or {}).values():
        if isinstance(value, int) and value > MAX_PATH_ID:
            raise NotFoundError("There is nothing with that id.")


@bp.after_request
def challenge_on_401(response: Response) -> Response:
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="roadpass"')
    response.headers.setdefault("Cache-Control", "no-store")
    return response
