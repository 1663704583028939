"""JSON that is safe to hand to any view or service: checked before and after parsing.

Before: the nesting depth is counted over the raw bytes (brackets outside strings), so a body of
a few thousand `[` never reaches the recursive parser. While parsing: NaN, Infinity and numbers
too large for a float (1e309) are refused, as are integers of more digits than Python parses.
After: every string, keys included and wherever it sits, is refused when it holds a NUL or a lone
surrogate, naming the field (`passengers[0].name`).
"""

import json
import math
import re
from collections.abc import Callable
from typing import Any

from flask.json.provider import DefaultJSONProvider

from webapp.boundary.text import unsafe_text
from webapp.errors import DomainError

# A JSON string: a quote, then any characters but quote and backslash, or backslash escapes.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_OPENERS = frozenset(b"[{")


class JsonRefusedError(DomainError, ValueError):
    """A JSON body the boundary will not pass on: a 422, as the API answers any body it cannot
    take (`details.body` says why). A ValueError too, so that Werkzeug's `get_json` treats it
    as a parse failure."""

    status_code = 422
    code = "VALIDATION_ERROR"


class JsonFieldRefusedError(JsonRefusedError):
    """A string in the body that cannot be stored; `details` names the field."""


def nesting_depth_exceeds(data: bytes, limit: int) -> bool:
    """True when arrays and objects nest deeper than `limit`; stops at the first bracket over."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if match.group()[0] in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _refuse_constant(name: str) -> Any:
    message = f"{name} is not a number JSON allows."
    raise JsonRefusedError(message, details={"body": message})


def _finite_float(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse_float(text: str) -> Any:
        if not math.isfinite(float(text)):
            message = f"The number {text[:20]} is too large."
            raise JsonRefusedError(message, details={"body": message})
        return parse(text)

    return parse_float


def _walk(value: Any, path: str) -> None:
    if isinstance(value, str):
        problem = unsafe_text(value)
        if problem:
            name = path or "body"
            message = f"{name} {problem}."
            raise JsonFieldRefusedError(message, details={name: message})
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if unsafe_text(key):
                message = f"A field name {unsafe_text(key)}."
                raise JsonFieldRefusedError(message, details={"body": message})
            _walk(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]")


def strict_loads(
    data: str | bytes, *, max_depth: int, parse_float: Callable[[str], Any] = float
) -> Any:
    """Parse `data` or raise JsonRefusedError (JsonFieldRefusedError when a field is to blame)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if nesting_depth_exceeds(raw, max_depth):
        message = f"The JSON is nested more than {max_depth} levels deep."
        raise JsonRefusedError(message, details={"body": message})
    try:
        value = json.loads(
            raw, parse_constant=_refuse_constant, parse_float=_finite_float(parse_float)
        )
    except JsonRefusedError:
        raise
    except (ValueError, RecursionError) as error:  # syntax, bad encoding, a 5,000-digit integer
        message = f"The body is not valid JSON: {str(error)[:200]}"
        raise JsonRefusedError(message, details={"body": message}) from error
    _walk(value, "")
    return value


class StrictJSONProvider(DefaultJSONProvider):
    """`request.get_json()` everywhere parses with `strict_loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_loads(s, max_depth=self._app.config["JSON_MAX_DEPTH"])
