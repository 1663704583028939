"""Bearer-token authentication for the API. The session cookie is never consulted here."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from webapp.accounts.models import ApiCaller
from webapp.accounts.services import caller_for_api_token
from webapp.errors import AuthenticationError

F = TypeVar("F", bound=Callable[..., Any])


def token_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.api_user = authenticate_request()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def authenticate_request() -> ApiCaller:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "Send your API token as 'Authorization: Bearer <token>'.", code="UNAUTHENTICATED"
        )
    caller = caller_for_api_token(token.strip())
    if caller is None:
        raise AuthenticationError("That API token is unknown or revoked.", code="INVALID_TOKEN")
    return caller


def api_user() -> ApiCaller:
    return g.api_user
