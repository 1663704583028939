"""Database plumbing shared by every feature: column types and per-dialect connection set-up.

SQLite needs care to be correct under concurrent writers: WAL mode, a busy timeout, and write
transactions that take the write lock up front (`BEGIN IMMEDIATE`). Without the last one two
requests can both read a seat as free inside deferred transactions and one of them fails late,
or worse. We therefore take transaction control away from the sqlite3 driver and emit BEGIN
ourselves; a service that writes calls `begin_write()` before its first statement.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, event, text
from sqlalchemy.types import TypeDecorator

from webapp.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 5000
WRITE_OPTION = "roadpass_write"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; naive values are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def configure_engine(engine: Engine) -> None:
    """Install the per-dialect hooks on a freshly created engine."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_on_connect)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" hook below issues BEGIN itself,
    # which also makes SAVEPOINT work as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _postgres_on_connect(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def begin_write() -> None:
    """Start the session's transaction as a write transaction.

    On SQLite this takes the database write lock now (BEGIN IMMEDIATE) so that concurrent writers
    queue on the busy timeout instead of failing halfway; a read-only transaction already open
    (for example the one that loaded the current user) is ended first. PostgreSQL needs nothing:
    there row locks and conditional updates do the work.
    """
    session = db.session()  # the scoped proxy does not expose transaction state
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        connection = session.connection()
        if connection.get_execution_options().get(WRITE_OPTION):
            return
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() must run before the service changes anything")
        if connection.in_nested_transaction():
            # Tests wrap each test in an outer transaction; the savepoint is our transaction.
            return
        session.rollback()
    session.connection(execution_options={WRITE_OPTION: True})


LOCK_CONTENTION_SQLSTATES = {"55P03", "40P01", "40001"}  # lock timeout, deadlock, serialization


def is_lock_contention(error: Exception) -> bool:
    """True when the database gave up waiting for a lock: worth a polite "busy, retry"."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in LOCK_CONTENTION_SQLSTATES:
        return True
    message = str(original or error).lower()
    return "database is locked" in message or "database table is locked" in message


def set_lock_timeout(milliseconds: int) -> None:
    """Bound how long this transaction waits for a row lock (PostgreSQL; SQLite: busy_timeout)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL lock_timeout = '{int(milliseconds)}ms'"))
