"""Who sent the current request, for code that serves both the browser and the API."""

from flask import g, request
from flask_login import current_user


def caller_id() -> int:
    """The token's owner under /api (set by `token_required`), else the signed-in user."""
    return g.api_user.id if request.blueprint == "api" else current_user.id
