"""Write transactions through the app's engine: many threads all succeed; on SQLite they take the
write lock in arrival order (kit/sqlite_writes.py), and give it up however a transaction ends."""

from __future__ import annotations

import os
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from support.api import make_user

ON_SQLITE = os.environ.get("PREFHUB_TEST_DB", "sqlite") == "sqlite"
sqlite_only = pytest.mark.skipif(
    not ON_SQLITE, reason="SQLite's write lock and its in-process queue; PostgreSQL has neither"
)


def _in_threads(count: int, target: Callable[[int], None]) -> list[str]:
    errors: list[str] = []

    def run(i: int) -> None:
        try:
            target(i)
        except Exception as exc:  # surfaced by the caller's assertion
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return errors


def _write_queue():  # type: ignore[no-untyped-def]
    from prefhub.kit.db import get_engine
    from prefhub.kit.sqlite_writes import _lock_for

    queue = _lock_for(str(get_engine().url.database))
    assert queue is not None
    return queue


def _queue_is_free() -> bool:
    queue = _write_queue()
    if not queue.acquire(timeout=0.5):
        return False
    queue.release()
    return True


def test_many_threads_writing_through_the_apps_engine_all_succeed(db, unique):
    """More threads than the pool has connections, each reading a counter and writing it back:
    none fails (no ``database is locked``), no increment is lost."""
    from prefhub.models import User
    from prefhub.settings import get_settings

    user_id = make_user(db, f"counter-{unique}@example.org")
    with db() as session:
        session.get_one(User, user_id).display_name = "0"
    settings = get_settings()
    threads = settings.db_pool_size + settings.db_max_overflow + 9
    rounds = 8

    def increment(_: int) -> None:
        for _ in range(rounds):
            with db() as session:
                user = session.scalars(
                    select(User).where(User.id == user_id).with_for_update()
                ).one()
                user.display_name = str(int(user.display_name) + 1)

    assert _in_threads(threads, increment) == []
    with db() as session:
        assert session.get_one(User, user_id).display_name == str(threads * rounds)


@sqlite_only
def test_an_exception_inside_a_transaction_lets_the_next_writer_in(db, unique):
    from prefhub.models import User

    user_id = make_user(db, f"raises-{unique}@example.org")
    with pytest.raises(RuntimeError), db() as session:
        session.get_one(User, user_id).display_name = "lost"
        session.flush()
        raise RuntimeError("the request failed half-way")
    assert _queue_is_free()
    started = time.monotonic()
    assert _in_threads(1, lambda _: _rename(db, user_id, "next")) == []
    assert time.monotonic() - started < 5
    with db() as session:
        assert session.get_one(User, user_id).display_name == "next"


@sqlite_only
def test_a_session_closed_or_invalidated_mid_transaction_gives_the_lock_up(db, unique):
    from prefhub.kit.db import get_engine, get_sessionmaker
    from prefhub.models import User

    user_id = make_user(db, f"closed-{unique}@example.org")
    session = get_sessionmaker()()
    session.get_one(User, user_id).display_name = "never committed"
    session.flush()
    assert not _queue_is_free()
    session.close()  # without a commit
    assert _queue_is_free()

    connection = get_engine().connect()
    connection.execute(text("UPDATE users SET display_name = 'x' WHERE id = :id"), {"id": user_id})
    assert not _queue_is_free()
    connection.invalidate()  # as after a lost connection: the DBAPI connection is closed
    connection.close()
    assert _queue_is_free()
    _rename(db, user_id, "after")
    with db() as session:
        assert session.get_one(User, user_id).display_name == "after"


@sqlite_only
def test_waiting_writers_get_the_lock_in_the_order_they_asked(db, unique):
    user_id = make_user(db, f"order-{unique}@example.org")
    queue = _write_queue()
    order: list[int] = []
    with db() as holder:
        holder.execute(
            text("UPDATE users SET display_name = 'held' WHERE id = :id"), {"id": user_id}
        )
        threads = []
        for i in range(5):
            thread = threading.Thread(target=lambda i=i: _rename(db, user_id, str(i), order))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 5
            while queue.waiting < i + 1 and time.monotonic() < deadline:
                time.sleep(0.005)
            assert queue.waiting == i + 1
    for thread in threads:
        thread.join(timeout=30)
    assert order == [0, 1, 2, 3, 4]


@sqlite_only
def test_readers_do_not_wait_for_a_writer(db, unique):
    from prefhub.kit.db import unit_of_work
    from prefhub.models import User

    user_id = make_user(db, f"reader-{unique}@example.org")
    seen: list[str] = []
    with db() as holder:
        holder.execute(
            text("UPDATE users SET display_name = 'held' WHERE id = :id"), {"id": user_id}
        )

        def read(_: int) -> None:
            with unit_of_work(read_only=True) as session:
                seen.append(str(session.get_one(User, user_id).email))

        started = time.monotonic()
        assert _in_threads(3, read) == []
        assert time.monotonic() - started < 5
    assert seen == [f"reader-{unique}@example.org"] * 3


@sqlite_only
def test_a_writer_gets_the_lock_soon_after_another_process_lets_it_go(db, unique):
    """Another process's writer (a raw connection here, outside the queue) holds the lock for
    235 ms. SQLite's own busy handler would have slept until 328 ms (its steps 1, 2, 5 … 100 ms
    add up so): ~90 ms late. Polling every millisecond, the writer is in within a few."""
    from prefhub.kit.db import get_engine

    user_id = make_user(db, f"poll-{unique}@example.org")
    path = str(get_engine().url.database)
    late: list[float] = []
    for _ in range(3):
        other = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        released: list[float] = []

        def let_go(other: sqlite3.Connection = other, released: list[float] = released) -> None:
            time.sleep(0.235)
            other.execute("ROLLBACK")
            released.append(time.monotonic())

        releaser = threading.Thread(target=let_go)
        releaser.start()
        with db() as session:
            session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE has returned
            got_in = time.monotonic()
            session.execute(
                text("UPDATE users SET display_name = 'polled' WHERE id = :id"), {"id": user_id}
            )
        releaser.join()
        other.close()
        late.append(got_in - released[0])
    assert statistics.median(late) < 0.05, late


def _rename(db, user_id: int, name: str, order: list[int] | None = None) -> None:  # type: ignore[no-untyped-def]
    from prefhub.models import User

    with db() as session:
        session.get_one(User, user_id).display_name = name
        session.flush()
        if order is not None:
            order.append(int(name))


def test_a_writer_that_gives_up_waiting_leaves_the_queue_to_the_next():
    from prefhub.kit.sqlite_writes import FifoLock

    queue = FifoLock()
    assert queue.acquire(timeout=1)
    assert not queue.acquire(timeout=0.05)  # gave up: its place must not be handed the lock
    assert queue.waiting == 0
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(queue.acquire(timeout=5)))
    waiter.start()
    while queue.waiting < 1:
        time.sleep(0.001)
    queue.release()
    waiter.join(timeout=5)
    assert got == [True]
    assert not queue.acquire(timeout=0.05)  # the waiter holds it now
    queue.release()
    assert queue.acquire(timeout=0.05)
