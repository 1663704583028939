"""`/admin/audit`: the audit trail, newest first, by actor, subject, action and date."""

from flask import Response, render_template
from sqlalchemy import Select, select

from webapp.accounts.models import User
from webapp.admin import admin_required, bp
from webapp.admin.listing import (
    arg_date,
    arg_int,
    arg_text,
    args_without,
    csv_response,
    in_days,
    keyset_page,
)
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.presentation import lagos_datetime


def filtered_events() -> tuple[Select, dict[str, object]]:
    actor = arg_text("actor", 254).lower()
    subject = arg_text("subject", 30).lower()
    subject_id = arg_int("subject_id")
    action = arg_text("action", 60).lower()
    first, last = arg_date("from"), arg_date("to")
    stmt = select(AuditEvent)
    if actor:
        stmt = stmt.where(
            AuditEvent.actor_user_id.in_(select(User.id).where(User.email == actor))
            | (AuditEvent.actor == actor)
        )
    if subject:
        stmt = stmt.where(AuditEvent.subject_type == subject)
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    stmt = in_days(stmt, AuditEvent.occurred_at, first, last)
    shown = {"actor": actor, "subject": subject, "subject_id": subject_id, "action": action}
    return stmt, shown | {"from": first, "to": last}


def actor_emails(events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.actor_user_id for e in events if e.actor_user_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


@bp.get("/audit")
@admin_required
def audit() -> str:
    stmt, shown = filtered_events()
    page = keyset_page(stmt, AuditEvent.id, lambda e: e.id)
    return render_template(
        "admin/audit.html",
        page=page,
        shown=shown,
        actors=actor_emails(page.rows),
        filters=args_without("after"),
    )


@bp.get("/audit.csv")
@admin_required
def audit_csv() -> Response:
    stmt, _ = filtered_events()
    return csv_response(
        "audit.csv",
        ["event", "when", "action", "subject", "subject_id", "actor", "actor_user_id"],
        stmt,
        AuditEvent.id,
        lambda e: [
            e.id,
            lagos_datetime(e.occurred_at),
            e.action,
            e.subject_type,
            e.subject_id,
            e.actor,
            e.actor_user_id,
        ],
    )
