"""The JSON API for partner apps, under `/api`, authenticated with personal bearer tokens.

Each feature adds its endpoints to `bp` in its own `api.py`; `create_app` imports those modules
before registering the blueprint, so this package depends on no feature.
"""

from flask import Blueprint, Response

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.after_request
def challenge_on_401(response: Response) -> Response:
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="roadpass"')
    response.headers.setdefault("Cache-Control", "no-store")
    return response
