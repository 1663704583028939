"""The JSON API for partner apps, under `/api`, authenticated with personal bearer tokens.

Each feature adds its endpoints to `bp` in its own `api.py`; they are imported at the bottom so
the blueprint exists first.
"""

from flask import Blueprint, Response

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.after_request
def challenge_on_401(response: Response) -> Response:
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="roadpass"')
    response.headers.setdefault("Cache-Control", "no-store")
    return response


from webapp.booking import api as _booking_api  # noqa: E402, F401
from webapp.jobs import api as _jobs_api  # noqa: E402, F401
from webapp.payments import api as _payments_api  # noqa: E402, F401
from webapp.trips import api as _trips_api  # noqa: E402, F401
