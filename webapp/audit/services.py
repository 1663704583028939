"""Writing audit events. Called inside a service's transaction, so the event commits with the
change it describes or not at all."""

from typing import Any

from sqlalchemy import insert

from webapp import clock
from webapp.audit.models import AuditEvent
from webapp.extensions import db

_INSERT = insert(AuditEvent.__table__)  # built once; every audited change runs it


def record(
    action: str,
    subject_type: str,
    subject_id: int,
    *,
    actor_user_id: int | None = None,
    actor: str = "user",
    **data: Any,
) -> None:
    db.session.connection().execute(
        _INSERT,
        {
            "occurred_at": clock.now(),
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "actor_user_id": actor_user_id,
            "actor": actor,
            "data": data,
        },
    )


def record_many(
    action: str, subject_type: str, subject_ids: list[int], *, actor: str, **data: Any
) -> None:
    """The same event for many subjects (a batch of a job), in one round trip."""
    now = clock.now()
    db.session.connection().execute(
        _INSERT,
        [
            {
                "occurred_at": now,
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "actor_user_id": None,
                "actor": actor,
                "data": data,
            }
            for subject_id in subject_ids
        ],
    )


def record_action(
    admin_user_id: int, action: str, subject_type: str, subject_id: int, **data: Any
) -> None:
    """Record something a person did that changes no row of its own (run a job, requeue one),
    in its own transaction."""
    record(action, subject_type, subject_id, actor_user_id=admin_user_id, **data)
    db.session.commit()
