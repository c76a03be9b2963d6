"""Per-endpoint concurrency limits that hold across worker processes.

With Redis: leases in a sorted set, taken atomically by a Lua script and expiring on their
own if a worker dies holding one. Embedded (one machine, no Redis): one lock file per slot,
``flock``-ed; the kernel releases a dead process's locks.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from prefhub.settings import get_settings

_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  return 1
end
return 0
"""


POLL_SECONDS = 0.02


class SlotTimeout(Exception):
    pass


@lru_cache
def _redis():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(get_settings().redis_url, socket_timeout=5)


class _Waiters:
    """This process's threads waiting for one name's slots. They queue on ``turn`` so that
    only one of them polls the shared store; a slot freed in this process wakes it at once."""

    def __init__(self) -> None:
        self.turn = threading.Lock()
        self.freed = threading.Condition()
        self.released = 0


_waiters: dict[str, _Waiters] = {}
_waiters_lock = threading.Lock()


def _waiters_for(name: str) -> _Waiters:
    with _waiters_lock:
        return _waiters.setdefault(name, _Waiters())


@contextmanager
def endpoint_slot(
    name: str, limit: int, *, wait: float = 60.0, lease: float = 600.0
) -> Iterator[None]:
    """Hold one of ``limit`` slots for ``name`` while the block runs."""
    store: _SlotStore = _RedisSlots() if get_settings().redis_url else _FileSlots()
    waiters = _waiters_for(name)
    deadline = time.monotonic() + wait
    if not waiters.turn.acquire(timeout=wait):
        raise SlotTimeout(f"no free slot for {name} within {wait}s")
    try:
        while True:
            with waiters.freed:
                seen = waiters.released
            held = store.acquire(name, limit, lease)
            if held is not None:
                break
            if time.monotonic() > deadline:
                raise SlotTimeout(f"no free slot for {name} within {wait}s")
            with waiters.freed:
                if waiters.released == seen:
                    # Another process may free one: look again soon even without a wake-up.
                    waiters.freed.wait(POLL_SECONDS)
    finally:
        waiters.turn.release()
    try:
        yield
    finally:
        store.release(name, held)
        with waiters.freed:
            waiters.released += 1
            waiters.freed.notify()


class _SlotStore(Protocol):
    def acquire(self, name: str, limit: int, lease: float) -> Any: ...

    def release(self, name: str, held: Any) -> None: ...


class _RedisSlots(_SlotStore):
    def acquire(self, name: str, limit: int, lease: float) -> Any:
        token = uuid.uuid4().hex
        now = time.time()
        if _acquire_script()(keys=[_key(name)], args=[now, limit, now + lease, token]):
            return token
        return None

    def release(self, name: str, held: Any) -> None:
        _redis().zrem(_key(name), held)


def _key(name: str) -> str:
    return f"{get_settings().celery_queue_prefix}:slots:{name}"


@lru_cache
def _acquire_script():  # type: ignore[no-untyped-def]
    return _redis().register_script(_ACQUIRE)


class _FileSlots(_SlotStore):
    def acquire(self, name: str, limit: int, lease: float) -> Any:
        folder = Path(get_settings().data_dir) / "slots"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(limit):
            fd = os.open(folder / f"{name}.{index}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    def release(self, name: str, held: Any) -> None:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)
