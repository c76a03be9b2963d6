"""Per-endpoint concurrency limits that hold across worker processes.

With Redis: leases in a sorted set, taken atomically by a Lua script and expiring on their
own if a worker dies holding one. Embedded (one machine, no Redis): one lock file per slot,
``flock``-ed; the kernel releases a dead process's locks.
"""

from __future__ import annotations

import fcntl
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from prefhub.settings import get_settings

_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  return 1
end
return 0
"""


class SlotTimeout(Exception):
    pass


@lru_cache
def _redis():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(get_settings().redis_url, socket_timeout=5)


@contextmanager
def endpoint_slot(
    name: str, limit: int, *, wait: float = 60.0, lease: float = 600.0
) -> Iterator[None]:
    """Hold one of ``limit`` slots for ``name`` while the block runs."""
    if get_settings().redis_url:
        with _redis_slot(name, limit, wait, lease):
            yield
    else:
        with _file_slot(name, limit, wait):
            yield


@contextmanager
def _redis_slot(name: str, limit: int, wait: float, lease: float) -> Iterator[None]:
    client = _redis()
    key = f"{get_settings().celery_queue_prefix}:slots:{name}"
    token = uuid.uuid4().hex
    acquire = client.register_script(_ACQUIRE)
    deadline = time.monotonic() + wait
    while not acquire(keys=[key], args=[time.time(), limit, time.time() + lease, token]):
        if time.monotonic() > deadline:
            raise SlotTimeout(f"no free slot for {name} within {wait}s")
        time.sleep(0.02)
    try:
        yield
    finally:
        client.zrem(key, token)


@contextmanager
def _file_slot(name: str, limit: int, wait: float) -> Iterator[None]:
    folder = Path(get_settings().data_dir) / "slots"
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        for index in range(limit):
            fd = os.open(folder / f"{name}.{index}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        if time.monotonic() > deadline:
            raise SlotTimeout(f"no free slot for {name} within {wait}s")
        time.sleep(0.02)
