"""CPU-heavy work of a request (parsing and redacting an in-situ batch) in worker processes of
the API process, so it never holds the API process's GIL: the annotators' requests that the
same process serves meanwhile wait for a core, not for the batch.

One pool per API process, made on first use, of ``cpu_offload_processes`` spawned workers at
a lower scheduling priority (0: the work runs in a thread of the API process instead). A worker
that dies (killed, out of memory) breaks the pool: that request answers 503 with Retry-After,
and the next one gets a new pool. Functions and their arguments cross by pickle: they must be
importable and plain.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import anyio.to_thread

from prefhub.kit.errors import PrefhubError
from prefhub.settings import get_settings

_Result = TypeVar("_Result")
WORKER_NICENESS = 10
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


class WorkersBusy(PrefhubError):
    status_code = 503
    code = "workers_unavailable"


def _executor() -> ProcessPoolExecutor | None:
    global _pool
    workers = get_settings().cpu_offload_processes
    if workers <= 0:
        return None
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_yield_to_requests,
            )
        return _pool


def _yield_to_requests() -> None:
    # Batches can wait; requests cannot: when cores are short, the kernel runs the API
    # processes (the annotators' loop) first.
    os.nice(WORKER_NICENESS)


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


async def run(function: Callable[..., _Result], *args: Any) -> _Result:
    """``function(*args)`` in a worker process (or a thread, with no workers configured);
    its ``PrefhubError`` comes back as raised."""
    pool = _executor()
    if pool is None:
        return await anyio.to_thread.run_sync(function, *args)
    try:
        return await asyncio.wrap_future(pool.submit(function, *args))
    except BrokenProcessPool:
        _discard(pool)
        raise WorkersBusy(
            "A worker process stopped; send the batch again", headers={"Retry-After": "1"}
        ) from None
