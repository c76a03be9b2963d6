"""SQLite's one write lock, taken in turn: a FIFO queue per process, a short poll across processes.

Every write transaction on SQLite begins with ``BEGIN IMMEDIATE`` (kit/db.py). Left to SQLite,
a writer that finds the lock taken sleeps in its busy handler in growing steps (1, 2, 5, 10 …
100 ms), so a request that just missed a lock held for 5 ms sleeps far longer than that, and
the threads of one API process compete by polling: a few unlucky requests wait hundreds of
milliseconds (bench/RESULTS.md, bench-import). Here the threads of one process queue in
arrival order instead, and only the head of the queue asks SQLite for the lock, every
millisecond, without SQLite's sleeps: it gets the lock soon after another process (a worker's
import) lets it go, and hands it on at once to the next thread of its own process.

Python's sqlite3 offers no way to install a busy handler of our own (``sqlite3_busy_handler``
is not exposed), hence the poll in Python with the busy timeout off for that one statement.
A worker process (the embedded one of ``prefhub serve`` is a child process too) cannot join
the API's queue; its import steps aside after each batch instead (``SQLITE_PAUSE_S`` in
items/jobs.py), long enough for the queued requests to get the lock within a millisecond.

Lock order: a thread takes a pooled connection first, then its place in the queue (at BEGIN),
and gives the place up before it returns the connection, so the queue never waits on the
pool. Readers (``READ_ONLY``, a plain deferred BEGIN) never queue: WAL lets them read beside
the writer. What the queue adds to a waiter is what SQLite's lock cost it already: a thread
that opened a second write transaction inside its first would wait the timeout out either way.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import deque
from typing import Any

from sqlalchemy.exc import OperationalError

# How long a writer waits for the lock in all, as the busy timeout did before.
WRITE_TIMEOUT_S = 30.0
# The busy timeout of every other statement (a read transaction's, a checkpoint's).
BUSY_TIMEOUT_MS = 30000
# How often the head of the queue asks SQLite for the lock while another process holds it:
# a held lock costs the waiter about as long as it is held, plus up to this.
POLL_S = 0.001


class FifoLock:
    """A lock that waiting threads get in the order they asked for it. Any thread may release
    it (a connection may be committed by another thread than the one that began it)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        # release() hands the lock over by releasing ``turn``: it stays held meanwhile.
        try:
            got = turn.acquire(timeout=timeout)
        except BaseException:  # interrupted while waiting: give up the place, or the lock
            with self._mutex:
                handed_over = turn not in self._waiters
                if not handed_over:
                    self._waiters.remove(turn)
            if handed_over:
                self.release()
            raise
        if not got:
            with self._mutex:
                if turn in self._waiters:
                    self._waiters.remove(turn)
                    return False
            # Handed over just as the wait timed out: ours after all.
        return True

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False

    @property
    def waiting(self) -> int:
        return len(self._waiters)


_registry = threading.Lock()
_locks: dict[str, FifoLock] = {}


def _lock_for(database: str) -> FifoLock | None:
    if database in ("", ":memory:") or "mode=memory" in database:
        return None  # every connection is a database of its own: nothing to share
    key = os.path.realpath(database.removeprefix("file:").split("?", 1)[0])
    with _registry:
        return _locks.setdefault(key, FifoLock())


def _forget_locks_after_fork() -> None:
    # A forked child has none of its parent's threads: a lock they held would stay held.
    global _registry
    _registry = threading.Lock()
    _locks.clear()


os.register_at_fork(after_in_child=_forget_locks_after_fork)


class QueuedWriteConnection(sqlite3.Connection):
    """pysqlite's connection, with write transactions begun in turn (``begin_write``) and the
    process's place in the queue given up when the transaction ends, however it ends: commit,
    rollback (a session closed without commit, the pool's reset on return), or close (a
    connection invalidated or discarded)."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._queue = _lock_for(os.fspath(database))
        self._holds_queue = False

    def begin_write(self, timeout: float = WRITE_TIMEOUT_S) -> None:
        """``BEGIN IMMEDIATE``, after this process's earlier writers; raises SQLAlchemy's
        OperationalError (``database is locked``, transient) if that takes over ``timeout``."""
        deadline = time.monotonic() + timeout
        queue = self._queue
        if queue is not None:
            if not queue.acquire(timeout):
                raise _locked(f"waited {timeout:.0f} s behind this process's other writers")
            self._holds_queue = True
        try:
            self.execute("PRAGMA busy_timeout=0")
            try:
                while True:
                    try:
                        self.execute("BEGIN IMMEDIATE")
                        return
                    except sqlite3.OperationalError as exc:
                        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                            raise
                        if time.monotonic() >= deadline:
                            raise _locked("another process held the write lock", exc) from exc
                    time.sleep(POLL_S)
            finally:
                self.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except BaseException:
            self._leave_queue()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:  # a failed COMMIT leaves it to the rollback
                self._leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_queue()

    def _leave_queue(self) -> None:
        if self._holds_queue and self._queue is not None:
            self._holds_queue = False
            self._queue.release()


def _locked(why: str, orig: BaseException | None = None) -> OperationalError:
    error = orig or sqlite3.OperationalError(f"database is locked ({why})")
    return OperationalError("BEGIN IMMEDIATE", None, error)
