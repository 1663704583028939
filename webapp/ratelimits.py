"""The rate limits of actions that create things (SPEC §11): per IP address and per account,
the same for the browser and the API. Limits are read from settings on each request."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from webapp.accounts.caller import caller_id
from webapp.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def per_ip_and_account(action: str) -> Callable[[F], F]:
    """Limit a view by `<ACTION>_IP_RATE_LIMIT` per address and `<ACTION>_RATE_LIMIT` per
    account. Goes below the decorator that authenticates, so the account is known."""
    per_ip = limiter.limit(lambda: current_app.config[f"{action}_IP_RATE_LIMIT"])
    per_account = limiter.limit(
        lambda: current_app.config[f"{action}_RATE_LIMIT"],
        key_func=lambda: f"{action.lower()}-user:{caller_id()}",
    )

    def decorate(view: F) -> F:
        return per_ip(per_account(view))  # type: ignore[return-value]

    return decorate
