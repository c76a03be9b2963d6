"""How a job's requests reach the workers, and how one process shares an endpoint's slots."""

from __future__ import annotations

import contextlib
import threading
import time
from types import SimpleNamespace

import pytest

from generation.test_recovery import _job
from support.fake_openai import FakeOpenAI


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    with FakeOpenAI() as server:
        yield server


def test_a_new_job_sends_its_first_two_waves_itself_and_the_dispatch_only_the_rest(
    monkeypatch,
):  # type: ignore[no-untyped-def]
    from prefhub.generation import dispatch
    from prefhub.kit.enqueue import flush_pending_sends

    # What goes to the broker, by task name (the tasks module is never imported to send).
    sent: list[tuple[str, list, dict]] = []
    monkeypatch.setattr(
        dispatch.celery_app,
        "send_task",
        lambda name, args, kwargs=None, **_: sent.append((name, args, kwargs or {})),
    )
    monkeypatch.setattr(
        dispatch.celery_app, "producer_or_acquire", lambda: contextlib.nullcontext(None)
    )
    session = SimpleNamespace(info={})
    dispatch.send_new_job(session, 7, list(range(100, 0, -1)), slots=32)  # type: ignore[arg-type]
    assert sent == []  # nothing before commit
    flush_pending_sends(session)  # type: ignore[arg-type]

    chunks = [args[1] for name, args, _ in sent if name == dispatch.RUN_REQUESTS]
    # The first wave in small chunks (every process starts at once), the second in big ones.
    assert [len(c) for c in chunks] == [4] * 8 + [16] * 2
    assert [i for c in chunks for i in c] == list(range(1, 65))
    assert sent[-1] == (dispatch.DISPATCH_JOB, [7], {"sent_through": 64})


def test_the_dispatch_skips_the_requests_the_job_sent_itself(as_user, fake, unique, db):  # type: ignore[no-untyped-def]
    from prefhub.generation import service

    job_id = _job(as_user("researcher"), fake, unique, n=3)["id"]
    with db() as session:
        ids = service.queued_request_ids(session, job_id)
        assert service.requests_to_dispatch(session, job_id, None, include_running=False) == ids
        rest = service.requests_to_dispatch(
            session, job_id, None, include_running=False, after=ids[0]
        )
    assert len(ids) == 3 and rest == ids[1:]


def test_one_process_never_holds_more_slots_than_the_limit_and_gives_them_all_back(unique):
    from prefhub.kit import slots

    name, limit = f"test-{unique}", 3
    held, peak, lock = 0, 0, threading.Lock()

    def run() -> None:
        nonlocal held, peak
        with slots.endpoint_slot(name, limit, lease=30):
            with lock:
                held += 1
                peak = max(peak, held)
            time.sleep(0.01)
            with lock:
                held -= 1

    threads = [threading.Thread(target=run) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert peak == limit
    # Slots handed from thread to thread went back to the store once nobody waited.
    store = slots._FileSlots()
    free = store.acquire(name, limit, 30, limit)
    assert len(free) == limit
    for fd in free:
        store.release(name, fd)
