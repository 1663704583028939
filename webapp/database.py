"""Database plumbing shared by every feature: column types and per-dialect connection set-up.

SQLite needs care to be correct under concurrent writers: WAL mode, a busy timeout, and write
transactions that take the write lock up front (`BEGIN IMMEDIATE`). Without the last one two
requests can both read a seat as free inside deferred transactions and one of them fails late,
or worse. We therefore take transaction control away from the sqlite3 driver and emit BEGIN
ourselves; a service that writes calls `begin_write()` before its first statement.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, DateTime, Engine, Integer, any_, bindparam, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator

from webapp.errors import BusyError, is_lock_contention
from webapp.extensions import db

T = TypeVar("T")
log = logging.getLogger(__name__)

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


def configure_engine(engine: Engine, lock_timeout_ms: int) -> None:
    """Install the per-dialect hooks on a freshly created engine."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    elif engine.dialect.name == "postgresql":

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            # A bounded wait for row locks: under a rush, a polite "busy, retry" beats a pile-up.
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET TIME ZONE 'UTC'")
                cursor.execute(f"SET lock_timeout = '{int(lock_timeout_ms)}ms'")
            dbapi_connection.commit()

        event.listen(engine, "connect", on_connect)


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


def busy_is_polite(work: Callable[[], T]) -> T:
    """Run a service's transaction; a lock wait that timed out becomes a friendly BusyError
    ("busy, try again"), never a raw error. Any failure rolls the session back."""
    try:
        return work()
    except OperationalError as error:
        db.session.rollback()
        if is_lock_contention(error):
            raise BusyError() from error
        raise
    except Exception:
        db.session.rollback()
        raise


def relax_durability() -> None:
    """Let this transaction's commit return before its WAL reaches disk (PostgreSQL).

    Only for writes whose loss in a crash is harmless, such as a token's last-use time."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit = off"))


def note_in_passing(write: Callable[[], object], what: str) -> None:
    """Run `write()`, a small bookkeeping transaction (a token's or a session's last use) that
    commits with relaxed durability. Best effort: when the database is busy the request goes on
    and the note waits for next time; it is never worth failing a booking for."""
    try:
        begin_write()
        relax_durability()
        write()
        db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        if not is_lock_contention(error):
            raise
        log.info("%s not recorded: database busy", what)


def one_of_ids(column: ColumnElement[int], name: str) -> tuple[ColumnElement[bool], ...]:
    """`column IN (ids)` for a batch of ids bound as `name`, as (PostgreSQL, other databases):
    on PostgreSQL one array parameter (`= ANY(:ids)`), so a statement's text is the same for
    every batch and the driver parses it once; elsewhere an expanding IN. Build both variants of
    a statement with them and run the one for the connection's dialect (`for_dialect`)."""
    return (
        column == any_(bindparam(name, type_=postgresql.ARRAY(Integer))),
        column.in_(bindparam(name, expanding=True, type_=Integer())),
    )


def for_dialect(connection: Connection, statements: tuple[T, T]) -> T:
    """The PostgreSQL variant of a (PostgreSQL, other) pair of statements, or the other one."""
    return statements[0] if connection.dialect.name == "postgresql" else statements[1]
