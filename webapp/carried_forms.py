"""What a passenger typed into a form that could not be accepted because their session ended
(logged out in another tab, or the security token expired): kept in the session, offered
back on the same page once they are logged in again. Never acted on, only shown to be sent
again; secrets (passwords, tokens) are never kept."""

from typing import Any

from flask import Request, session

SESSION_KEY = "carried_form"
MAX_FIELDS = 40
MAX_LENGTH = 254
NEVER_KEPT = ("csrf_token", "idempotency_key", "password", "confirm", "token", "secret")


def keep(request: Request, path: str) -> bool:
    """Remember the request's form fields for the page at `path`. True if there was any."""
    fields = {
        name: value[:MAX_LENGTH]
        for name, value in list(request.form.items())[:MAX_FIELDS]
        if not any(word in name.lower() for word in NEVER_KEPT)
    }
    if not fields:
        return False
    session[SESSION_KEY] = {"path": path, "fields": fields}
    return True


def take(path: str) -> dict[str, Any]:
    """The fields kept for the page at `path`, once (an empty mapping when there are none)."""
    carried = session.get(SESSION_KEY)
    if not isinstance(carried, dict) or carried.get("path") != path:
        return {}
    session.pop(SESSION_KEY, None)
    fields = carried.get("fields")
    return fields if isinstance(fields, dict) else {}


def survive_login() -> Any:
    """The kept form, to put back after the session is renewed at login."""
    return session.get(SESSION_KEY)
