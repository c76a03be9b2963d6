"""Run a blocking function on a worker thread from the event loop, for the task loop's one hop
per request (``auth/dependencies.AnnotatorUnit``).

``anyio.to_thread.run_sync`` does the same with a capacity limiter, a cancel scope and several
``get_running_loop()`` calls (each a ``getpid`` system call on Python 3.11): ≈ 130 µs of CPU per
hop against ≈ 70 µs here (uvloop, one process). The hop is shielded as anyio's is by default:
a cancelled caller still waits for the function to end, so a unit of work always commits or
rolls back and returns its connection before its request ends. Threads are started when none
is idle and then kept: the requests that hop are capped by ``kit/limits.ConcurrencyLimit``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, Generic, TypeVar

_Result = TypeVar("_Result")


class _Job(Generic[_Result]):
    __slots__ = ("error", "finished", "fn", "loop", "result", "waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop, fn: Callable[[], _Result]) -> None:
        self.loop = loop
        self.fn = fn
        self.waiter: asyncio.Future[None] = loop.create_future()
        self.finished = False
        self.result: _Result | None = None
        self.error: BaseException | None = None

    def deliver(self) -> None:
        """On the loop's thread, once ``fn`` has ended."""
        self.finished = True
        if not self.waiter.done():
            self.waiter.set_result(None)


class _Workers:
    def __init__(self) -> None:
        self._jobs: SimpleQueue[_Job[Any]] = SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def submit(self, job: _Job[Any]) -> None:
        with self._lock:
            spawn = self._idle == 0
            if not spawn:
                self._idle -= 1
        self._jobs.put(job)
        if spawn:
            threading.Thread(target=self._work, name="prefhub-hop", daemon=True).start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job.result = job.fn()
            except BaseException as exc:  # handed to the awaiting request, raised there
                job.error = exc
            job.fn = _done  # the work's closure is not kept alive by an idle thread
            job.loop.call_soon_threadsafe(job.deliver)
            del job
            with self._lock:
                self._idle += 1


def _done() -> None:
    return None


_workers = _Workers()


async def run_sync(fn: Callable[[], _Result]) -> _Result:
    """``fn()`` on a worker thread; its result or its exception."""
    job: _Job[_Result] = _Job(asyncio.get_running_loop(), fn)
    _workers.submit(job)
    cancelled = False
    while not job.finished:
        try:
            await job.waiter
        except asyncio.CancelledError:
            # Shielded: wait for the work to end, then let the cancellation through.
            cancelled = True
            if not job.finished:
                job.waiter = job.loop.create_future()
    if cancelled:
        raise asyncio.CancelledError
    if job.error is not None:
        error, job.error = job.error, None
        raise error
    return job.result  # type: ignore[return-value]
