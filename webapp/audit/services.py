"""Writing audit events. Called inside a service's transaction, so the event commits with the
change it describes or not at all."""

from typing import Any

from sqlalchemy import Integer, String, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql

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


_events = AuditEvent.__table__
# A whole batch in one statement on PostgreSQL: the subjects' ids as one array, unnested.
_INSERT_FOR_EACH_ID = insert(_events).from_select(
    ("occurred_at", "action", "subject_type", "subject_id", "actor", "data"),
    select(
        bindparam("occurred_at", type_=_events.c.occurred_at.type),
        bindparam("action", type_=String()),
        bindparam("subject_type", type_=String()),
        func.unnest(bindparam("ids", type_=postgresql.ARRAY(Integer))),
        bindparam("actor", type_=String()),
        bindparam("data", type_=_events.c.data.type),
    ),
)


def record_many(
    action: str, subject_type: str, subject_ids: list[int], *, actor: str, **data: Any
) -> None:
    """The same event for many subjects (a batch of a job): one statement on PostgreSQL, one
    executemany elsewhere."""
    connection = db.session.connection()
    event = {"occurred_at": clock.now(), "action": action, "subject_type": subject_type}
    event |= {"actor": actor, "data": data}
    if connection.dialect.name == "postgresql":
        connection.execute(_INSERT_FOR_EACH_ID, {**event, "ids": subject_ids})
    else:
        many = [{**event, "subject_id": i, "actor_user_id": None} for i in subject_ids]
        connection.execute(_INSERT, many)


def record_action(
    admin_user_id: int, action: str, subject_type: str, subject_id: int, **data: Any
) -> None:
    """Record something a person did that changes no row of its own (run a job, requeue one),
    in its own transaction."""
    record(action, subject_type, subject_id, actor_user_id=admin_user_id, **data)
    db.session.commit()
