"""The input boundary: every request is checked here before any view or service runs.

- body size: `MAX_CONTENT_LENGTH` (413) and `MAX_FORM_MEMORY_SIZE` for form fields;
- headers that views read (`checks.HEADERS`): no control characters (400);
- path values: row ids through `<id:...>` (`converters.py`, 404 above the column's range),
  strings with NUL or control characters are a 404; a malformed `%`-escape in the path is a 400;
- query strings and form bodies: well-formed `%`-escapes decoding to UTF-8 (400); no NUL or lone
  surrogate in a name or a value (422 naming the field);
- JSON bodies: nesting depth counted before parsing, NaN/Infinity/1e309 refused, NUL and lone
  surrogates refused in any string, keys included (422, naming the field): `jsonbody.py`;
- forms: `forms.SafeForm` (every WTForms form's base) refuses the same characters per field.

The JSON API's own schemas (field types and ranges) and the webhook's shape come after this.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask

from webapp.boundary.checks import RAW_BODY, BoundaryRequest, check_request
from webapp.boundary.converters import MAX_ID, IdConverter
from webapp.boundary.jsonbody import JsonRefusedError, StrictJSONProvider, strict_loads

__all__ = ["MAX_ID", "JsonRefusedError", "init_app", "raw_body", "strict_loads"]

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Before any blueprint is registered (rules need the converter) and before any other
    `before_request` hook (CSRF and rate limits read the form and headers too)."""
    app.url_map.converters["id"] = IdConverter
    app.request_class = BoundaryRequest
    app.json = StrictJSONProvider(app)
    app.before_request(check_request)


def raw_body(view: F) -> F:
    """Mark a view that reads its body itself: the boundary skips its JSON check (the size, the
    headers and the query are still checked). The webhook authenticates the bytes first."""
    setattr(view, RAW_BODY, True)
    return view
