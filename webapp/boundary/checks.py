"""The checks `before_request` runs on every request, before any view or service sees it."""

from collections.abc import Iterable
from urllib.parse import unquote_to_bytes

from flask import Request, current_app, request
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from webapp.boundary.jsonbody import JsonRefusedError
from webapp.boundary.text import MALFORMED_PERCENT, unsafe_header, unsafe_text
from webapp.errors import DomainError, ValidationError

# The headers a view or the authentication reads; their values must be plain text.
HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-None-Match",
    "verif-hash",
    "flutterwave-signature",
    "X-Jobs-Secret",
)
RAW_BODY = "_boundary_raw_body"


class MalformedRequestError(DomainError):
    status_code = 400
    code = "BAD_REQUEST"


class BoundaryRequest(Request):
    """Lets the boundary's own JSON errors (400/422 naming the field) through `get_json`."""

    def on_json_loading_failed(self, e: ValueError | None) -> object:
        if isinstance(e, JsonRefusedError):
            raise e
        return super().on_json_loading_failed(e)


def check_request() -> None:
    _check_size()
    _check_headers()
    _check_path()
    _check_encoded(request.query_string, "query string")
    _check_fields(request.args.items(multi=True))
    if request.mimetype == "application/x-www-form-urlencoded":
        _check_encoded(request.get_data(cache=True), "form")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_fields(request.form.items(multi=True))
    if request.is_json and not _takes_raw_body() and request.get_data(cache=True).strip():
        request.get_json()  # strict: see jsonbody.StrictJSONProvider; cached for the view


def _check_size() -> None:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def _check_headers() -> None:
    for name in HEADERS:
        value = request.headers.get(name)
        if value is None:
            continue
        problem = unsafe_header(value)
        if problem:
            message = f"The {name} header {problem}."
            raise MalformedRequestError(message, details={name: message})


def _check_path() -> None:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    path = raw.partition("?")[0].encode("latin-1", "replace")
    if MALFORMED_PERCENT.search(path):
        raise MalformedRequestError("The address has a malformed %-escape.")
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and (unsafe_text(value) or unsafe_header(value)):
            raise NotFound()  # no row has such a key


def _check_encoded(raw: bytes, where: str) -> None:
    """Percent-escapes that are well formed and decode to UTF-8 (Werkzeug would silently put
    U+FFFD in place of the bytes)."""
    if MALFORMED_PERCENT.search(raw):
        raise MalformedRequestError(f"The {where} has a malformed %-escape.")
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedRequestError(f"The {where} is not valid UTF-8.") from error


def _check_fields(items: Iterable[tuple[str, str]]) -> None:
    for name, value in items:
        problem = unsafe_text(name) or unsafe_text(value)
        if problem:
            field = name if not unsafe_text(name) else "field name"
            message = f"{field[:100]} {problem}."
            raise ValidationError(message, details={field[:100]: message})


def _takes_raw_body() -> bool:
    """Views marked `@raw_body` read and check their body themselves (the webhook, which must
    authenticate the bytes before judging them)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, RAW_BODY, False))
