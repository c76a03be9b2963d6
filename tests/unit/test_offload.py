"""kit.offload: CPU work in worker processes of the API process, errors intact across the
boundary, and a dead worker answered with a 503 once, not forever."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal

import pytest

from prefhub.insitu.exceptions import BatchTooLarge, IngestRateLimited
from prefhub.kit import offload


def _pid() -> int:
    return os.getpid()


def _refuse(limit: int) -> None:
    raise BatchTooLarge("too big", details={"limit": limit})


def test_errors_cross_processes_with_their_details_and_headers() -> None:
    error = pickle.loads(pickle.dumps(IngestRateLimited("wait", headers={"Retry-After": "7"})))
    assert (type(error), error.message, error.headers) == (
        IngestRateLimited,
        "wait",
        {"Retry-After": "7"},
    )


def test_work_runs_in_another_process_and_its_refusals_come_back() -> None:
    async def scenario() -> None:
        assert await offload.run(_pid) != os.getpid()
        with pytest.raises(BatchTooLarge) as refused:
            await offload.run(_refuse, 5)
        assert refused.value.details == {"limit": 5}

    asyncio.run(scenario())


def test_a_dead_worker_costs_one_503_and_the_next_call_gets_a_new_pool() -> None:
    async def scenario() -> None:
        worker = await offload.run(_pid)
        os.kill(worker, signal.SIGKILL)
        with pytest.raises(offload.WorkersBusy) as busy:
            for _ in range(20):  # until the pool notices its worker is gone
                await offload.run(_pid)
                await asyncio.sleep(0.1)
        assert busy.value.status_code == 503 and busy.value.headers == {"Retry-After": "1"}
        assert await offload.run(_pid) not in (worker, os.getpid())

    asyncio.run(scenario())


def _niceness() -> int:
    return os.nice(0)


def test_workers_run_below_the_api_process() -> None:
    async def scenario() -> int:
        return await offload.run(_niceness)

    assert asyncio.run(scenario()) == os.nice(0) + offload.WORKER_NICENESS
