"""Signed-in browsers (`UserSession`): opened at log-in, checked on every request, ended by
logging out, a password change, or *Sign out everywhere* (all devices, or one).

The Flask session cookie is signed, so nobody can forge one, but a signed cookie alone stays
valid for as long as the key does: a copy taken before logging out would still work. The
cookie therefore also carries the id of a `user_sessions` row, and a request counts as signed
in only while that row is live. The check is one look-up by primary key, joined to the user
Flask-Login loads anyway; the last-seen time is written at most once a minute.
"""

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, select, update
from ua_parser import parse as parse_user_agent

from webapp import clock
from webapp.accounts.models import ApiToken, User, UserSession
from webapp.audit import services as audit
from webapp.database import begin_write, note_in_passing
from webapp.errors import NotFoundError
from webapp.extensions import db

COOKIE_KEY = "sid"  # where the Flask session keeps the row's id
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
KEPT_AFTER_ENDING = timedelta(days=30)  # ended sessions stay this long, then the job deletes them
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
_MAX_USER_AGENT = 512  # parsed only this far: a long header costs nothing more

# Every signed-in request runs this, so it is built once.
_LIVE_SESSION_AND_USER = (
    select(User, UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        UserSession.id == bindparam("session_id"),
        UserSession.user_id == bindparam("user_id"),
        UserSession.revoked_at.is_(None),
        UserSession.last_seen_at > bindparam("idle_since"),
        User.is_active.is_(True),
    )
)


def is_session_id(value: object) -> bool:
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def describe_user_agent(raw: str) -> str:
    """'Chrome Mobile on Android', from the User-Agent header, for the list of devices."""
    printable = "".join(char for char in raw[:_MAX_USER_AGENT] if char.isprintable())
    result = parse_user_agent(printable)
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    if browser and system and system != "Other":
        return f"{browser} on {system}"[:120]
    return (browser or "Unknown browser")[:120]


def open_session(user_id: int, user_agent: str, ip_address: str) -> str:
    """Record a new signed-in browser; returns the id its cookie will carry."""
    begin_write()
    row = UserSession(
        id=secrets.token_hex(16),
        user_id=user_id,
        user_agent=describe_user_agent(user_agent),
        ip_address=ip_address[:45],
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def user_for_session(session_id: object, user_id: int, idle: timedelta) -> User | None:
    """The active user signed in by this live session, or None (revoked, unused for longer
    than `idle`, unknown, or a cookie from before sessions were recorded). Notes the last use
    at most once a minute."""
    if not is_session_id(session_id):
        return None
    now = clock.now()
    row = db.session.execute(
        _LIVE_SESSION_AND_USER,
        {"session_id": session_id, "user_id": user_id, "idle_since": now - idle},
    ).first()
    if row is None:
        return None
    user, last_seen_at = row
    if now - last_seen_at >= LAST_SEEN_RESOLUTION:
        note_in_passing(lambda: _write_last_seen(str(session_id), now), "session: last use")
    return user


def _write_last_seen(session_id: str, now: datetime) -> None:
    db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.last_seen_at < now - LAST_SEEN_RESOLUTION,
        )
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def live_sessions(user_id: int, idle: timedelta) -> list[UserSession]:
    """The user's signed-in browsers, most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.last_seen_at > clock.now() - idle,
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
        )
    )


def revoke_sessions(user_id: int, *, keep: str | None = None) -> int:
    """Flush the end of every live session of the user but `keep`; the caller commits.
    How many were ended."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    return db.session.execute(statement).rowcount


def end_session(session_id: object) -> None:
    """Logging out: this browser's session ends for every copy of its cookie."""
    if not is_session_id(session_id):
        return
    begin_write()
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def sign_out_device(user_id: int, session_id: str) -> None:
    """End one of the user's own sessions; anyone else's is simply not found."""
    if not is_session_id(session_id):
        raise NotFoundError("No such signed-in device.")
    revoke_owned(UserSession, user_id, session_id, "No such signed-in device.")


def revoke_owned(
    model: type[UserSession | ApiToken], user_id: int, row_id: str | int, missing: str
) -> None:
    """Revoke one of the user's own sessions or tokens (once: a second time changes nothing);
    another user's is NotFoundError(`missing`), as one that does not exist. Commits."""
    begin_write()
    row = db.session.get(model, row_id)
    if row is None or row.user_id != user_id:
        raise NotFoundError(missing)
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    db.session.commit()


def sign_out_everywhere(user_id: int) -> int:
    """End every session of the user, this browser's too. How many were ended."""
    begin_write()
    ended = revoke_sessions(user_id)
    audit.record(
        "user.signed_out_everywhere", "user", user_id, actor_user_id=user_id, sessions=ended
    )
    db.session.commit()
    return ended


def delete_ended_sessions(now: datetime, idle: timedelta) -> int:
    """Delete sessions that ended (revoked, or idle for longer than `idle`) more than 30 days
    ago; returns how many went. The job `cleanup-sessions` runs it daily."""
    begin_write()
    gone = db.session.execute(
        delete(UserSession).where(
            or_(
                UserSession.revoked_at < now - KEPT_AFTER_ENDING,
                UserSession.last_seen_at < now - idle - KEPT_AFTER_ENDING,
            )
        )
    ).rowcount
    db.session.commit()
    return gone
