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
from typing import TYPE_CHECKING, Any, Protocol

from prefhub.settings import get_settings

if TYPE_CHECKING:
    from redis import Redis
    from redis.commands.core import Script

# Grants up to as many slots as tokens given (ARGV[4], ARGV[5], ...): returns how many, the
# first ones taken.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
local n = math.min(free, #ARGV - 3)
for i = 1, n do
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[3 + i])
end
return math.max(n, 0)
"""


POLL_SECONDS = 0.02
# A slot freed while another thread of the process waits for the same name goes straight to
# that thread (no round trips to the store), for at most this long after the store granted
# it; then it goes back to the store, where other processes' waiters may take it.
HANDOFF_SECONDS = 1.0


class SlotTimeout(Exception):
    pass


@lru_cache
def _redis() -> Redis:
    import redis

    url = get_settings().redis_url
    if url is None:  # callers check first: without Redis, slots are files
        raise RuntimeError("PREFHUB_REDIS_URL is not set")
    return redis.Redis.from_url(url, socket_timeout=5)


class _Waiters:
    """This process's threads waiting for one name's slots. They queue on ``turn`` so that
    only one of them polls the shared store; a slot freed in this process is handed to them
    (``spare``) or, once it has been handed on for a while, wakes the poller at once."""

    def __init__(self) -> None:
        self.turn = threading.Lock()
        self.freed = threading.Condition()
        self.released = 0
        self.waiting = 0
        self.spare: list[tuple[Any, float]] = []  # (what the store granted, when)


_waiters: dict[str, _Waiters] = {}
_waiters_lock = threading.Lock()


def _waiters_for(name: str) -> _Waiters:
    with _waiters_lock:
        return _waiters.setdefault(name, _Waiters())


@contextmanager
def endpoint_slot(
    name: str, limit: int, *, wait: float = 60.0, lease: float = 600.0
) -> Iterator[None]:
    """Hold one of ``limit`` slots for ``name`` while the block runs. The lease must exceed
    the longest hold by ``HANDOFF_SECONDS``: a slot handed on keeps the store's first lease."""
    store: _SlotStore = _RedisSlots() if get_settings().redis_url else _FileSlots()
    waiters = _waiters_for(name)
    held = _take(store, waiters, name, limit, lease, wait)
    try:
        yield
    finally:
        _give_back(store, waiters, name, held)


def _take(
    store: _SlotStore, waiters: _Waiters, name: str, limit: int, lease: float, wait: float
) -> tuple[Any, float]:
    deadline = time.monotonic() + wait
    with waiters.freed:
        waiters.waiting += 1
    try:
        if not waiters.turn.acquire(timeout=wait):
            raise SlotTimeout(f"no free slot for {name} within {wait}s")
        try:
            while True:
                with waiters.freed:
                    if waiters.spare:
                        return waiters.spare.pop()
                    seen = waiters.released
                    # One trip to the store for every thread of the process waiting now.
                    wanted = waiters.waiting
                granted_at = time.monotonic()
                granted = store.acquire(name, limit, lease, wanted)
                if granted:
                    with waiters.freed:
                        waiters.spare.extend((held, granted_at) for held in granted[1:])
                    return granted[0], granted_at
                if time.monotonic() > deadline:
                    raise SlotTimeout(f"no free slot for {name} within {wait}s")
                with waiters.freed:
                    if waiters.released == seen and not waiters.spare:
                        # Another process may free one: look again soon even without a wake-up.
                        waiters.freed.wait(POLL_SECONDS)
        finally:
            waiters.turn.release()
    finally:
        with waiters.freed:
            waiters.waiting -= 1
            # Slots handed to threads that gave up meanwhile go back to the store.
            surplus = waiters.spare[waiters.waiting :]
            del waiters.spare[waiters.waiting :]
        for held, _ in surplus:
            store.release(name, held)


def _give_back(store: _SlotStore, waiters: _Waiters, name: str, slot: tuple[Any, float]) -> None:
    held, granted_at = slot
    with waiters.freed:
        if waiters.waiting > len(waiters.spare) and (
            time.monotonic() - granted_at < HANDOFF_SECONDS
        ):
            waiters.spare.append(slot)
            waiters.freed.notify()
            return
    store.release(name, held)
    with waiters.freed:
        waiters.released += 1
        waiters.freed.notify()


def warm_up_slots() -> None:
    """Connect to the shared store and load its script before the first slot is wanted."""
    if get_settings().redis_url:
        _redis().script_load(_ACQUIRE)


class _SlotStore(Protocol):
    def acquire(self, name: str, limit: int, lease: float, wanted: int) -> list[Any]:
        """Up to ``wanted`` slots, none if all ``limit`` are taken."""
        ...

    def release(self, name: str, held: Any) -> None: ...


class _RedisSlots(_SlotStore):
    def acquire(self, name: str, limit: int, lease: float, wanted: int) -> list[Any]:
        tokens = [uuid.uuid4().hex for _ in range(wanted)]
        now = time.time()
        granted = _acquire_script()(keys=[_key(name)], args=[now, limit, now + lease, *tokens])
        return tokens[: int(granted)]

    def release(self, name: str, held: Any) -> None:
        _redis().zrem(_key(name), held)


def _key(name: str) -> str:
    return f"{get_settings().celery_queue_prefix}:slots:{name}"


@lru_cache
def _acquire_script() -> Script:
    return _redis().register_script(_ACQUIRE)


class _FileSlots(_SlotStore):
    def acquire(self, name: str, limit: int, lease: float, wanted: int) -> list[Any]:
        folder = Path(get_settings().data_dir) / "slots"
        folder.mkdir(parents=True, exist_ok=True)
        held: list[Any] = []
        for index in range(limit):
            if len(held) == wanted:
                break
            fd = os.open(folder / f"{name}.{index}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            held.append(fd)
        return held

    def release(self, name: str, held: Any) -> None:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)
