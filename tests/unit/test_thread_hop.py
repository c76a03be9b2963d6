"""kit/thread_hop: the task loop's hop to a worker thread gives back the function's result or
its exception, and a cancelled caller still waits for the function to end (a unit of work
always commits or rolls back before its request ends)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from prefhub.kit import thread_hop


def test_the_hop_returns_the_result_from_another_thread():
    async def main() -> tuple[int, int]:
        return await thread_hop.run_sync(threading.get_ident), threading.get_ident()

    worker, loop = asyncio.run(main())
    assert worker != loop


def test_the_hop_raises_the_functions_exception():
    def fail() -> None:
        raise LookupError("from the worker")

    with pytest.raises(LookupError, match="from the worker"):
        asyncio.run(thread_hop.run_sync(fail))


def test_a_cancelled_caller_waits_for_the_function_to_end():
    started = threading.Event()
    release = threading.Event()
    ended: list[str] = []

    def work() -> None:
        started.set()
        release.wait(10)
        ended.append("ended")

    async def main() -> list[str]:
        task = asyncio.create_task(thread_hop.run_sync(work))
        await asyncio.to_thread(started.wait, 10)
        task.cancel()
        await asyncio.sleep(0.05)
        assert not task.done(), "the caller gave up before the function ended"
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return list(ended)

    assert asyncio.run(main()) == ["ended"]


def test_concurrent_hops_run_at_once():
    barrier = threading.Barrier(4, timeout=10)

    async def main() -> list[int]:
        return await asyncio.gather(*(thread_hop.run_sync(barrier.wait) for _ in range(4)))

    assert sorted(asyncio.run(main())) == [0, 1, 2, 3]
