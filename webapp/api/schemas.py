"""The JSON API's input boundary: pydantic models for bodies, query strings and answers.

Every `/api` view reads its input through `parse_body` or `parse_query` with a model, so a bad
request is refused here, with the API's error body, before any service or query runs; and the
same models describe the API in `/api/openapi.json` (webapp/api/openapi.py), so the document and
the checks cannot drift apart. Each feature keeps its own models in its `schemas.py`; this module
holds what they share.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from flask import Response, current_app, jsonify, request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic import (
    ValidationError as PydanticValidationError,
)
from pydantic_core import core_schema

from webapp.api import MAX_PATH_ID
from webapp.errors import ValidationError

M = TypeVar("M", bound="ApiModel")

# Ids are PostgreSQL `integer` columns: anything outside is refused here, not by a failed cast.
MAX_ROW_ID = MAX_PATH_ID
MAX_KOBO = 2**63 - 1  # amounts are `bigint` kobo
# A schema key the document replaces with `maxItems` read from the app's configuration.
CONFIGURED_MAX_ITEMS = "x-configured-max-items"


class ApiModel(BaseModel):
    """A request or answer of the API: JSON types exactly (no "12" for 12, no true for 1),
    unknown keys ignored, camelCase names as on the wire."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


def _refuse_unsafe_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


def _digits_only(value: Any) -> Any:
    """A query-string id: plain decimal digits only (no sign, spaces, `_`, or `1.0`)."""
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit():
            raise ValueError("must be a positive whole number")
        if len(value) > len(str(MAX_ROW_ID)):
            raise ValueError(f"must be at most {MAX_ROW_ID}")
        return int(value)
    return value


RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID, examples=[42])]
"""A row id in a JSON body: a JSON integer from 1 to 2³¹−1."""

QueryRowId = Annotated[int, BeforeValidator(_digits_only), Field(ge=1, le=MAX_ROW_ID)]
"""A row id in a query string: decimal digits naming 1 to 2³¹−1."""

Kobo = Annotated[int, Field(ge=0, le=MAX_KOBO, description="an amount in kobo (₦1 = 100 kobo)")]


def text(**constraints: Any) -> Any:
    """Text with pydantic's `Field` constraints (max_length, pattern, ...), refusing NUL
    characters and lone surrogates, which no database column can store."""
    return Annotated[str, Field(**constraints), AfterValidator(_refuse_unsafe_text)]


@dataclass(frozen=True)
class AtMostSetting:
    """A list refused when longer than the app's setting before any of its items is looked at
    (a 60,000-item list costs one `len`); the document gives the setting as its maxItems."""

    setting: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        json_schema = handler(schema)
        json_schema[CONFIGURED_MAX_ITEMS] = self.setting
        return json_schema

    def _check(self, value: Any) -> Any:
        most = current_app.config[self.setting]
        if isinstance(value, list) and len(value) > most:
            raise ValueError(f"at most {most} items, not {len(value)}")
        return value


def enum_names(enum: type[StrEnum]) -> Any:
    """A `Literal` of the enum's values: plain strings on the wire, listed in the document."""
    return Literal[tuple(member.value for member in enum)]


class ErrorBody(ApiModel):
    """Every refusal under `/api`, whatever its status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "Sorry, seat 3B was just taken. Please choose again.",
                    "code": "SEATS_UNAVAILABLE",
                    "statusCode": 409,
                    "details": {"seatNumbers": ["3B"]},
                }
            ]
        }
    )

    error: str = Field(description="a sentence safe to show to the passenger")
    code: str = Field(description="stable, for programs: VALIDATION_ERROR, NOT_FOUND, ...")
    statusCode: int = Field(description="the HTTP status again")
    details: dict[str, Any] = Field(
        description="per field (`tripId`, `passengers[0].phone`) what is wrong, or facts such "
        "as the seats that were taken"
    )


def _field_name(location: tuple[int | str, ...]) -> str:
    """`("passengers", 0, "phone")` as `passengers[0].phone`."""
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else part
    return name or "body"


def refusal_from(error: PydanticValidationError, what: str) -> ValidationError:
    """The API's 422 for a failed model: each field named in `details` with what is wrong."""
    details: dict[str, str] = {}
    for problem in error.errors(include_url=False, include_input=False):
        field = _field_name(problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        details.setdefault(field, message)
    fields = ", ".join(details)
    return ValidationError(f"Please check the {what}: {fields}.", details=details)


def parse_body(model: type[M], example: str, *, empty_is: dict[str, Any] | None = None) -> M:
    """The request's JSON object as `model`, or a 422 naming each bad field. `example` is the
    shape shown when the body is not a JSON object at all. `empty_is` stands in for no body."""
    if empty_is is not None and not request.get_data(cache=True):
        body: Any = empty_is
    else:
        body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(f"Send a JSON object like {example}.", details={"body": example})
    try:
        return model.model_validate(body)
    except PydanticValidationError as error:
        raise refusal_from(error, "request") from None


def parse_query(model: type[M]) -> M:
    """The query string as `model` (the first value of each parameter), or a 422."""
    try:
        return model.model_validate(request.args.to_dict())
    except PydanticValidationError as error:
        raise refusal_from(error, "query") from None


def respond(answer: ApiModel, status: int = 200) -> tuple[Response, int]:
    """An answer model as the JSON response: camelCase keys, amounts as integer kobo."""
    return jsonify(answer.model_dump(mode="json")), status
