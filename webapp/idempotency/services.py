"""Claiming, completing and releasing idempotency keys (SPEC §5).

The unique (user, key) index decides which of several concurrent requests runs; the others see
the row and answer 409 while it runs, or replay its stored answer once it has finished.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, insert, select, update
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
class PendingKey:
    """A key claimed inside the caller's open transaction: its answer is written by
    `store_answer` in that same transaction, so key and work commit together or not at all."""

    user_id: int
    key: str
    fingerprint: str
    method: str
    path: str
    claimed_at: datetime
    row_id: int | None  # a stale row taken over, or None: the row is inserted with the answer


@dataclass(frozen=True)
class Claim:
    """The id of a key row this request now owns, a key claimed in the open transaction, or a
    finished answer to replay."""

    key_id: int | None = None
    replay: IdempotencyKey | None = None
    pending: PendingKey | None = None


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
    if (refusal := _refusal(existing, request_fingerprint, now)) is not None:
        return refusal
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


# Held until the claiming transaction ends: a concurrent request with the same key is told
# 409 at once instead of waiting on the row its twin has not committed yet (PostgreSQL; on
# SQLite the claim's write transaction already keeps everyone else out).
_TRY_LOCK_KEY = select(func.pg_try_advisory_xact_lock(bindparam("user_id"), bindparam("key_hash")))
_KEYS = IdempotencyKey.__table__
_INSERT_ANSWERED = insert(_KEYS)
_UPDATE_ANSWERED = update(_KEYS).where(_KEYS.c.id == bindparam("row_id"))


def claim_key_in_transaction(
    user_id: int, key: str, request_fingerprint: str, method: str, path: str, now: datetime
) -> Claim:
    """Take the key for this request inside a write transaction left open for the work itself,
    or say why not exactly as `claim_key` does (replay, 409 in progress, 422 reuse). Nothing is
    written yet: `store_answer` writes the finished row just before the work commits."""
    begin_write()
    if db.session.get_bind().dialect.name == "postgresql":
        locked = (
            db.session.connection()
            .execute(_TRY_LOCK_KEY, {"user_id": user_id, "key_hash": _lock_number(key)})
            .scalar()
        )
        if not locked:
            db.session.rollback()
            raise RequestInProgressError()
    existing = _find(user_id, key)
    if existing is not None and existing.created_at <= now - KEY_LIFETIME:
        db.session.delete(existing)  # an expired key is as good as absent
        db.session.flush()
        existing = None
    if existing is None:
        return Claim(pending=PendingKey(user_id, key, request_fingerprint, method, path, now, None))
    if (refusal := _refusal(existing, request_fingerprint, now)) is not None:
        return refusal
    # A stale claim of a request that died: the row is ours now (locked FOR UPDATE by _find).
    pending = PendingKey(user_id, key, request_fingerprint, method, path, now, existing.id)
    return Claim(pending=pending)


def store_answer(
    pending: PendingKey,
    status: int,
    body: str,
    content_type: str | None,
    location: str | None,
    now: datetime,
) -> None:
    """Write the finished answer of a key claimed in this transaction; the caller commits."""
    answer = {
        "response_status": status,
        "response_body": body,
        "response_content_type": content_type,
        "response_location": location,
        "completed_at": now,
        "locked_at": None,
    }
    connection = db.session.connection()
    if pending.row_id is not None:
        connection.execute(_UPDATE_ANSWERED, {**answer, "row_id": pending.row_id})
        return
    connection.execute(
        _INSERT_ANSWERED,
        {
            **answer,
            "user_id": pending.user_id,
            "key": pending.key,
            "fingerprint": pending.fingerprint,
            "method": pending.method,
            "path": pending.path[:255],
            "created_at": pending.claimed_at,
        },
    )


def _lock_number(key: str) -> int:
    """The key as a signed 32-bit number for the advisory lock (with the user id: a collision
    between two of one user's keys in flight at once only answers one of them 409)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


def _refusal(existing: IdempotencyKey, request_fingerprint: str, now: datetime) -> Claim | None:
    """What a request finds when its key is already there: a replay, or an error (the
    transaction is rolled back); None when the row's claim is stale and may be taken over."""
    if existing.fingerprint != request_fingerprint:
        db.session.rollback()
        raise IdempotencyKeyReusedError()
    if existing.is_finished:
        db.session.rollback()
        return Claim(replay=existing)
    if existing.locked_at is not None and existing.locked_at > now - STALE_LOCK_AFTER:
        db.session.rollback()
        raise RequestInProgressError()
    return None


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
