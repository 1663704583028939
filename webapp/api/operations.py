"""What each `/api` view promises, attached to the view itself: `@api_operation(...)`.

The OpenAPI document (webapp/api/openapi.py) is built from these and from the URL map, so a
route without one cannot be served without the document saying so (its test fails), and the
models named here are the very ones the view parses its input with.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel

from webapp.api.schemas import ApiModel

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "api_operation"


class Auth(StrEnum):
    BEARER = "bearer"  # a personal API token: Authorization: Bearer rp_...
    JOBS = "jobs"  # the shared X-Jobs-Secret
    WEBHOOK = "webhook"  # Flutterwave's verif-hash
    NONE = "none"


class Idempotency(StrEnum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Answer:
    model: type[ApiModel] | None
    description: str
    example: dict[str, Any] | None = None


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    responses: dict[int, Answer]
    description: str = ""
    auth: Auth = Auth.BEARER
    body: type[BaseModel] | None = None
    body_required: bool = True
    body_example: dict[str, Any] | None = None
    query: type[ApiModel] | None = None
    # Refusals besides the ones every operation of its kind can give (401, 422, 429, 503).
    errors: dict[int, str] = field(default_factory=dict)
    idempotency: Idempotency = Idempotency.NONE
    etag: bool = False
    rate_limited: bool = False
    path_examples: dict[str, Any] = field(default_factory=dict)
    # OpenAPI links from a success answer to the operations it enables, by status code.
    links: dict[int, dict[str, Any]] = field(default_factory=dict)


def link(operation_id: str, description: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link: `parameters` name the next operation's path parameters (or
    `requestBody`) and the runtime expressions that fill them."""
    body = parameters.pop("requestBody", None)
    spec: dict[str, Any] = {"operationId": operation_id, "description": description}
    if parameters:
        spec["parameters"] = parameters
    if body is not None:
        spec["requestBody"] = body
    return spec


def api_operation(**promises: Any) -> Callable[[F], F]:
    """Declare what the view takes and answers. Put it right under the route decorator."""
    operation = Operation(**promises)

    def attach(view: F) -> F:
        setattr(view, ATTRIBUTE, operation)
        return view

    return attach


def operation_of(view: Callable[..., Any]) -> Operation | None:
    return getattr(view, ATTRIBUTE, None)
