"""Bearer-token authentication for the API. The session cookie is never consulted here."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from webapp.accounts.models import User
from webapp.accounts.services import user_for_api_token
from webapp.errors import AuthenticationError

F = TypeVar("F", bound=Callable[..., Any])


def token_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.api_user = authenticate_request()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def authenticate_request() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "Send your API token as 'Authorization: Bearer <token>'.", code="UNAUTHENTICATED"
        )
    user = user_for_api_token(token.strip())
    if user is None:
        raise AuthenticationError("That API token is unknown or revoked.", code="INVALID_TOKEN")
    return user


def api_user() -> User:
    return g.api_user
