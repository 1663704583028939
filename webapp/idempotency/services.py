"""Claiming, completing and releasing idempotency keys (SPEC §5).

The unique (user, key) index decides which of several concurrent requests runs; the others see
the row and answer 409 while it runs, or replay its stored answer once it has finished.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from webapp.database import begin_write
from webapp.errors import ConflictError, DomainError
from webapp.extensions import db
from webapp.idempotency.models import IdempotencyKey

KEY_LIFETIME = timedelta(hours=24)
STALE_LOCK_AFTER = timedelta(seconds=60)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReusedError(DomainError):
    status_code = 422
    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used for a different request.")


class RequestInProgressError(ConflictError):
    code = "REQUEST_IN_PROGRESS"

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed.")


@dataclass(frozen=True)
class Claim:
    """Either the id of a key row this request now owns, or a finished answer to replay."""

    key_id: int | None = None
    replay: IdempotencyKey | None = None


def fingerprint(method: str, path: str, body: object) -> str:
    """SHA-256 of method, path and a canonical form of the body (sorted keys, no spaces)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # "surrogatepass": a lone surrogate in a body must reach the view's validation (a 422),
    # not fail here as a 500 while the request is fingerprinted.
    text = f"{method}\n{path}\n{canonical}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def claim_key(
    user_id: int, key: str, request_fingerprint: str, method: str, path: str, now: datetime
) -> Claim:
    """Take the key for this request, or say why not (replay, 409 in progress, 422 reuse)."""
    begin_write()
    existing = _find(user_id, key)
    if existing is not None and existing.created_at <= now - KEY_LIFETIME:
        db.session.delete(existing)  # an expired key is as good as absent
        db.session.flush()
        existing = None
    if existing is None:
        row = IdempotencyKey(
            user_id=user_id,
            key=key,
            fingerprint=request_fingerprint,
            method=method,
            path=path[:255],
            locked_at=now,
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            existing = _find(user_id, key)  # a concurrent request inserted it first
        else:
            db.session.commit()
            return Claim(key_id=row.id)
    if existing is None:  # inserted and already deleted by its owner (released): try again
        db.session.rollback()
        raise RequestInProgressError()
    if existing.fingerprint != request_fingerprint:
        db.session.rollback()
        raise IdempotencyKeyReusedError()
    if existing.is_finished:
        db.session.rollback()
        return Claim(replay=existing)
    if existing.locked_at is not None and existing.locked_at > now - STALE_LOCK_AFTER:
        db.session.rollback()
        raise RequestInProgressError()
    taken = db.session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == existing.id,
            IdempotencyKey.completed_at.is_(None),
            IdempotencyKey.locked_at <= now - STALE_LOCK_AFTER,
        )
        .values(locked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:
        raise RequestInProgressError()
    return Claim(key_id=existing.id)


def stored_key(user_id: int, key: str) -> IdempotencyKey | None:
    """The user's key row as it stands (read only): in progress, finished, or None."""
    return _find(user_id, key)


def complete_key(
    key_id: int,
    status: int,
    body: str,
    content_type: str | None,
    location: str | None,
    now: datetime,
) -> None:
    """Store the answer so that a retry with the same key replays it."""
    begin_write()
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == key_id)
        .values(
            response_status=status,
            response_body=body,
            response_content_type=content_type,
            response_location=location,
            completed_at=now,
            locked_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def release_key(key_id: int) -> None:
    """Forget the key (validation failure or unexpected error): the client may retry with it."""
    begin_write()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == key_id))
    db.session.commit()


def delete_expired_keys(now: datetime) -> int:
    """Delete keys older than 24 hours; returns how many went."""
    begin_write()
    gone = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - KEY_LIFETIME)
    ).rowcount
    db.session.commit()
    return gone


def _find(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .with_for_update()
    )
