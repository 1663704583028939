"""`@idempotent`: the HTTP side of idempotency keys, for API POSTs and browser forms.

API clients send an `Idempotency-Key` header; browser forms that create things carry a hidden
`idempotency_key` field generated when the page was rendered. Either way the scope is the user.
Answers below 400 and 409 conflicts are stored and replayed; validation failures (400, 404,
422, ...) and unexpected errors release the key so the client can correct and retry with it.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Response, g, make_response, request

from webapp import clock
from webapp.accounts.caller import caller_id
from webapp.errors import DomainError, error_response
from webapp.extensions import db
from webapp.idempotency import services
from webapp.idempotency.models import IdempotencyKey

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
REPLAY_HEADER = "Idempotent-Replayed"
IGNORED_FORM_FIELDS = {"csrf_token", FORM_FIELD}


class IdempotencyKeyRequiredError(DomainError):
    status_code = 400
    code = "IDEMPOTENCY_KEY_REQUIRED"


def new_form_key() -> str:
    """A fresh key for a form about to be rendered."""
    return uuid.uuid4().hex


def idempotent(
    *,
    required: bool = False,
    while_busy: Callable[[str], Any] | None = None,
    answered_before_commit: bool = False,
) -> Callable[[F], F]:
    """`while_busy(key)`: what a browser form gets instead of a 409 when the same form is still
    being processed (a double click that overlaps the first): usually a page that waits for it.

    `answered_before_commit`: the view answers through `answer_before_commit`, so an API key is
    claimed in the work's own transaction and its answer stored there just before the commit:
    one transaction instead of three, and no moment at which the work is done but its answer
    not yet kept. Conflicts (409), answered after the rollback, are stored as before."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from_api = request.blueprint == "api"
            key = (request.headers.get(HEADER) if from_api else request.form.get(FORM_FIELD)) or ""
            key = key.strip()
            if not key:
                if required:
                    raise IdempotencyKeyRequiredError(
                        f"Send an {HEADER} header (a unique value per operation, e.g. a UUID)."
                    )
                return view(*args, **kwargs)
            if len(key) > services.MAX_KEY_LENGTH or not key.isprintable():
                raise IdempotencyKeyRequiredError(
                    f"The {HEADER} must be 1 to {services.MAX_KEY_LENGTH} printable characters."
                )
            user_id = caller_id()
            if answered_before_commit and from_api:
                return _in_the_work_transaction(user_id, key, view, args, kwargs)
            try:
                claim = services.claim_key(
                    user_id,
                    key,
                    _request_fingerprint(from_api),
                    request.method,
                    request.path,
                    clock.now(),
                )
            except services.RequestInProgressError:
                if while_busy is None or from_api:
                    raise
                return while_busy(key)
            if claim.replay is not None:
                return replay(claim.replay)
            assert claim.key_id is not None
            try:
                response = make_response(view(*args, **kwargs))
            except DomainError as error:
                db.session.rollback()
                response = make_response(
                    error_response(error.status_code, error.message, error.code, error.details)
                )
            except Exception:
                db.session.rollback()
                services.release_key(claim.key_id)
                raise
            if response.status_code < 400 or response.status_code == 409:
                services.complete_key(claim.key_id, *_answer_of(response))
            else:
                services.release_key(claim.key_id)
            return response

        return wrapper  # type: ignore[return-value]

    return decorate


def _in_the_work_transaction(
    user_id: int, key: str, view: Callable[..., Any], args: Any, kwargs: Any
) -> Response:
    claim = services.claim_key_in_transaction(
        user_id, key, _request_fingerprint(True), request.method, request.path, clock.now()
    )
    if claim.replay is not None:
        return replay(claim.replay)
    g.idempotency_pending = claim.pending
    try:
        response = make_response(view(*args, **kwargs))
    except DomainError as error:
        db.session.rollback()  # whatever was claimed goes with it
        response = make_response(
            error_response(error.status_code, error.message, error.code, error.details)
        )
    except Exception:
        db.session.rollback()
        raise
    finally:
        unanswered = g.pop("idempotency_pending", None) is not None
    if unanswered and (response.status_code < 400 or response.status_code == 409):
        _store_in_own_transactions(user_id, key, response)
    return response


def _store_in_own_transactions(user_id: int, key: str, response: Response) -> None:
    """An answer that was not stored with the work (a conflict): claim and complete the key."""
    try:
        claim = services.claim_key(
            user_id, key, _request_fingerprint(True), request.method, request.path, clock.now()
        )
    except (services.RequestInProgressError, services.IdempotencyKeyReusedError):
        return  # a twin request took the key meanwhile; its answer is the one kept
    if claim.key_id is not None:
        services.complete_key(claim.key_id, *_answer_of(response))


def answer_before_commit(
    run: Callable[[Callable[[T], None] | None], T],
    respond: Callable[[T], Any],
) -> Response:
    """Run a service that hands its result to `before_commit` just before it commits; the
    answer `respond(result)` is built there, stored with the request's idempotency key (if the
    view is `@idempotent(answered_before_commit=True)` and the request sent one) in the same
    transaction, serialised once, and returned as it was stored."""
    pending = g.get("idempotency_pending")
    if pending is None:
        return make_response(respond(run(None)))
    answered: list[Response] = []

    def before_commit(result: T) -> None:
        response = make_response(respond(result))
        services.store_answer(pending, *_answer_of(response))
        answered.append(response)

    run(before_commit)
    g.pop("idempotency_pending", None)
    return answered[-1]


def _answer_of(response: Response) -> tuple[int, str, str | None, str | None, datetime]:
    """What is stored of an answer: status, body, content type, location, and when."""
    return (
        response.status_code,
        response.get_data(as_text=True),
        response.content_type,
        response.headers.get("Location"),
        clock.now(),
    )


def replay(stored: IdempotencyKey) -> Response:
    response = Response(
        stored.response_body or "",
        status=stored.response_status,
        content_type=stored.response_content_type,
    )
    if stored.response_location:
        response.headers["Location"] = stored.response_location
    response.headers[REPLAY_HEADER] = "true"
    return response


def _request_fingerprint(from_api: bool) -> str:
    if from_api:
        body = request.get_json(silent=True)
        if body is None:
            body = request.get_data(as_text=True)
    else:
        body = {
            name: request.form.getlist(name)
            for name in sorted(request.form)
            if name not in IGNORED_FORM_FIELDS
        }
    return services.fingerprint(request.method, request.path, body)
