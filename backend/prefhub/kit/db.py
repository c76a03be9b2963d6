"""Engine and session factories for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from sqlite3 import Connection as SQLiteConnection
from typing import Any, cast

from sqlalchemy import URL, Connection, CursorResult, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, NullPool
from sqlalchemy.sql import Executable

from prefhub.kit.enqueue import flush_pending_sends
from prefhub.kit.sqlite_writes import BUSY_TIMEOUT_MS, QueuedWriteConnection
from prefhub.settings import get_settings

# Read-only work (exports, dashboards) asks for this execution option so that, on SQLite,
# it does not take the write lock for its whole duration.
READ_ONLY = "prefhub_read_only"


# Whether a pooled PostgreSQL connection is tested with a round trip (``SELECT 1``) before each
# use. Workers and commands keep the test; API processes turn it off (``skip_pre_ping``): a
# request that meets a dropped connection answers 503 with Retry-After (app.py), the web app
# sends it again, and the pool has then replaced every connection older than the drop.
_pre_ping = True


def skip_pre_ping() -> None:
    """This process answers requests: no test statement per connection checkout."""
    global _pre_ping
    _pre_ping = False
    if get_engine.cache_info().currsize:
        # Made already (a test's setup): the pool keeps its connections and skips the test.
        get_engine().pool._pre_ping = False


def make_engine(url: str) -> Engine:
    settings = get_settings()
    pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url, pool)
    return create_engine(url, pool_pre_ping=_pre_ping, **pool)


def _make_sqlite_engine(url: str, pool: dict[str, int]) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # QueuedWriteConnection: writers of this process take SQLite's write lock in turn.
    connect_args = {"timeout": 30, "check_same_thread": False, "factory": QueuedWriteConnection}
    engine = create_engine(url, connect_args=connect_args, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: SQLiteConnection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front: a deferred transaction that reads and then writes
        # fails with "database is locked" when another writer committed in between. Readers
        # (READ_ONLY) need no lock in WAL mode, so they neither queue nor wait.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            cast("QueuedWriteConnection", conn.connection.dbapi_connection).begin_write()

    return engine


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=False)


def _fresh_pool_after_fork() -> None:
    # A forked child (Celery's prefork pool) must not share its parent's connections.
    if get_engine.cache_info().currsize:
        get_engine().dispose(close=False)


os.register_at_fork(after_in_child=_fresh_pool_after_fork)


def reset_engine_cache() -> None:
    """Forget cached engines (tests and CLI commands that switch databases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


@contextmanager
def unit_of_work(*, read_only: bool = False, snapshot: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error, then send queued tasks.

    Services only ``flush()``; the boundary that opened the session commits. ``snapshot``
    makes every statement of the transaction see the database as its first one did (on
    PostgreSQL, REPEATABLE READ; a SQLite read transaction does so anyway), for work that
    reads a consistent state over a long time, such as an export.
    """
    session = open_unit_of_work(read_only=read_only, snapshot=snapshot)
    try:
        yield session
    except BaseException:
        end_unit_of_work(session, failed=True)
        raise
    end_unit_of_work(session, failed=False)


def open_unit_of_work(*, read_only: bool = False, snapshot: bool = False) -> Session:
    """The session of a ``unit_of_work``; without options it does no I/O (it connects on its
    first statement)."""
    session = get_sessionmaker()()
    options: dict[str, Any] = {READ_ONLY: True} if read_only else {}
    if snapshot and session.get_bind().dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    if options:
        session.connection(execution_options=options)
    return session


def end_unit_of_work(session: Session, *, failed: bool) -> None:
    """Commit, or roll back when the work ``failed``; close; after a commit, send the queued
    tasks."""
    try:
        if failed:
            session.rollback()
            return
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    flush_pending_sends(session)


class CoreUnit:
    """One transaction on a pooled ``Connection``, for the task loop's hot path, which runs
    Core statements: an ORM ``Session`` costs ≈ 75 µs of CPU per unit of work in its own
    begin, commit and close (kit/db measured on SQLite and PostgreSQL). The ``session`` of the
    unusual cases is made on first ask and joins the same transaction (it only flushes; the
    unit commits), so one request is still one transaction. Connects on its first statement.
    """

    __slots__ = ("_session", "connection")

    def __init__(self) -> None:
        self.connection = get_engine().connect()
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            # "rollback_only": the session never commits the unit's transaction; it rolls it
            # back when the session's work fails, as the unit would.
            self._session = Session(
                bind=self.connection,
                autoflush=False,
                expire_on_commit=False,
                join_transaction_mode="rollback_only",
            )
        return self._session

    def flush(self) -> None:
        """Write what the session holds (nothing when none was made)."""
        if self._session is not None:
            self._session.flush()

    def end(self, *, failed: bool) -> None:
        """As ``end_unit_of_work``: commit, or roll back when the work ``failed``; give the
        connection back to the pool; after a commit, send the queued tasks."""
        session = self._session
        try:
            if failed:
                self.connection.rollback()
                return
            if session is not None:
                session.flush()
            self.connection.commit()
        except BaseException:
            self.connection.rollback()
            raise
        finally:
            if session is not None:
                session.close()
            self.connection.close()
        if session is not None:
            flush_pending_sends(session)


def is_transient_db_error(exc: BaseException) -> bool:
    """A database error that a later try may not meet: a dropped or refused connection, a
    server restarting, a lock timeout. Constraint violations and bad SQL are not."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, InterfaceError))


def rowcount(session: Session, statement: Executable) -> int:
    """Execute an UPDATE or DELETE and return how many rows it matched.

    Its result is a ``CursorResult``, which has ``rowcount``; ``Session.execute`` is typed as
    returning any ``Result``.
    """
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def end_transaction(session: Session) -> None:
    """Commit what the request did so far and give the connection back to the pool, before
    a long wait on something else (another server). The session stays usable; the request's
    boundary then commits nothing more."""
    session.commit()
    session.close()


@lru_cache
def _unpooled_engine(url: URL) -> Engine:
    return create_engine(url, poolclass=NullPool)


# What pg_export_snapshot() returns, e.g. "00000003-0000001B-1"; checked before it is inlined
# (SET TRANSACTION SNAPSHOT takes no bound parameter).
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


@contextmanager
def snapshot_sessions(session: Session, count: int) -> Iterator[list[Session]]:
    """``count`` read-only sessions on connections of their own that see exactly what
    ``session``'s transaction sees now, so one consistent state can be read by several
    connections at once (PostgreSQL: the transaction's snapshot exported and imported, as
    ``pg_dump --jobs`` does). The snapshot stays valid while ``session``'s transaction lasts.

    The connections are opened for the purpose, outside the process's pool: exports in a
    threaded worker would otherwise take a pool's connections several at a time and could
    wait on each other.
    """
    snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    siblings: list[Session] = []
    try:
        for _ in range(count):
            sibling = Session(bind=_unpooled_engine(session.get_bind().engine.url))
            siblings.append(sibling)
            connection = sibling.connection(
                execution_options={READ_ONLY: True, "isolation_level": "REPEATABLE READ"}
            )
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        yield siblings
    finally:
        for sibling in siblings:
            sibling.rollback()
            sibling.close()
