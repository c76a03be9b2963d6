"""Celery tasks for generation: take ids, open short transactions, call the model between them.

A new job sends its first requests itself after commit and ``dispatch_job`` the rest, in
chunks (``generation.dispatch``); ``run_requests`` runs a chunk's requests at once, each on
its endpoint's thread pool in this process, and the process's storer commits completions as
they arrive. Late acks: a worker killed mid-chunk leaves the message unacknowledged and
another worker runs it again; the guards in ``execution`` make that second run harmless. The
jobs sweeper re-sends ``dispatch_job`` for a job nothing moves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

import httpx
from celery import Task
from celery.signals import worker_process_init, worker_ready
from sqlalchemy import select
from sqlalchemy.orm import configure_mappers

from prefhub.generation import dispatch, execution, service
from prefhub.generation.exceptions import PermanentModelError, RetryableModelError
from prefhub.generation.execution import RequestPlan
from prefhub.generation.providers import Completion, generate
from prefhub.jobs.runner import retrying
from prefhub.kit import egress
from prefhub.kit.db import unit_of_work
from prefhub.kit.slots import SlotTimeout, endpoint_slot, warm_up_slots
from prefhub.models import ModelEndpoint
from prefhub.settings import get_settings
from prefhub.worker import GENERATION_QUEUE, celery_app, queue_name

log = logging.getLogger(__name__)
_shared_client: tuple[int, httpx.Client] | None = None
_client_lock = threading.Lock()
_rng = random.SystemRandom()


def _client() -> httpx.Client:
    """One connection pool per process, shared by its threads (httpx clients are thread-safe):
    one TLS context to build instead of one per thread, and connections reused by any."""
    global _shared_client
    with _client_lock:
        pid, client = _shared_client or (None, None)
        if client is None or pid != os.getpid():
            client = egress.client(
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=256)
            )
            _shared_client = (os.getpid(), client)
        return client


# ---------------------------------------------------------------- dispatch


@celery_app.task(name=dispatch.DISPATCH_JOB, acks_late=True)
def dispatch_job(
    job_id: int,
    claim: str | None = None,
    recovering: bool = False,
    sent_through: int | None = None,
) -> int:
    """Send the job's queued requests in chunks over one broker connection. ``claim`` is the
    job's ``dispatched_at`` this dispatch was sent with; a newer one makes it a no-op. A
    ``recovering`` dispatch (the sweeper's, a resume's) also sends the running requests once
    the job has been idle longer than the broker's visibility timeout: their worker and its
    message are gone. ``sent_through``: the job's creation sent the requests up to this id."""
    claimed = datetime.fromisoformat(claim) if claim else None

    def to_dispatch() -> list[int]:
        with unit_of_work() as session:
            if recovering:
                execution.finish_job_if_done(session, job_id)  # only its closing was lost
            include_running = (
                recovering
                and service.idle_seconds(session, job_id) > get_settings().redis_visibility_timeout
            )
            return service.requests_to_dispatch(
                session, job_id, claimed, include_running=include_running, after=sent_through
            )

    # Every transaction here is tried again after a transient database error, as the jobs
    # runner does: a task that failed would leave its requests queued until the sweeper
    # judged them lost (the broker's visibility timeout, an hour by default).
    request_ids = retrying(to_dispatch)
    if not request_ids and sent_through is None:
        return 0
    with celery_app.producer_or_acquire() as producer:
        dispatch.send_chunks(job_id, dispatch.chunks(request_ids, dispatch.CHUNK_SIZE), producer)

    def mark() -> None:
        with unit_of_work() as session:
            service.mark_dispatched(session, job_id, claimed)

    retrying(mark)
    return len(request_ids)


# ---------------------------------------------------------------- running requests


@celery_app.task(name=dispatch.RUN_REQUESTS, acks_late=True)
def run_requests(job_id: int, request_ids: list[int]) -> int:
    """Run a chunk of the job's requests; those that fail and may be retried come back as
    ``run_request`` tasks after their backoff."""
    retry = _run_batch(request_ids, retries=0, max_retries=execution.MAX_ATTEMPTS)
    queue = queue_name(get_settings(), GENERATION_QUEUE)
    for request_id, delay in retry.items():
        # retries: celery's option for the first run's request.retries, absent from celery-types
        run_request.apply_async(  # type: ignore[call-arg]
            args=(request_id,),
            queue=queue,
            countdown=delay,
            retries=1,
            expires=dispatch.REQUEST_EXPIRES,
        )
    retrying(lambda: _finish_job(job_id))
    return len(request_ids) - len(retry)


def _finish_job(job_id: int) -> None:
    with unit_of_work() as session:
        execution.finish_job_if_done(session, job_id)


@celery_app.task(
    name=dispatch.RUN_REQUEST,
    bind=True,
    acks_late=True,
    max_retries=execution.MAX_ATTEMPTS,
)
def run_request(self: Task[Any, Any], request_id: int) -> None:
    delay = execute_request(request_id, self.request.retries, execution.MAX_ATTEMPTS)
    if delay is not None:
        raise self.retry(countdown=delay)


def execute_request(request_id: int, retries: int, max_retries: int) -> float | None:
    """Run one generation request once. Returns the delay before the next try, or None when
    the request is finished (stored, failed for good, cancelled, or already done)."""
    delay = _run_batch([request_id], retries, max_retries).get(request_id)
    if delay is None:

        def finish() -> None:
            with unit_of_work() as session:
                for job_id in execution.jobs_of_requests(session, [request_id]):
                    execution.finish_job_if_done(session, job_id)

        retrying(finish)
    return delay


def run_locally(
    request_ids: list[int], concurrency: int, on_done: Callable[[], None] | None = None
) -> None:
    """Run requests in this process (``prefhub generate --wait`` without Redis): the same
    request code as the worker, with its retries and backoff, on a thread pool."""

    def run(request_id: int) -> None:
        retries = 0
        while (delay := execute_request(request_id, retries, execution.MAX_ATTEMPTS)) is not None:
            retries += 1
            time.sleep(delay)
        if on_done:
            on_done()

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(run, request_ids))


def _run_batch(request_ids: list[int], retries: int, max_retries: int) -> dict[int, float]:
    """Start the requests, call their models concurrently and hand each completion to this
    process's storer as it arrives. Returns, once every completion is committed, the
    requests to try again, with their delays."""
    plans = retrying(lambda: _start(request_ids))
    running: dict[Future[Completion], RequestPlan] = {
        _pool(plan.endpoint).submit(_call, plan): plan for plan in plans
    }
    stored: list[Future[None]] = []
    retry: dict[int, float] = {}
    unexpected: BaseException | None = None
    while running:
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        completed = []
        for future in finished:
            plan = running.pop(future)
            try:
                completed.append((plan, future.result()))
            except (RetryableModelError, SlotTimeout) as exc:
                final = retries >= max_retries
                _record_failure(plan.request_id, str(exc), final=final)
                if final:
                    log.warning("generation request %s failed for good: %s", plan.request_id, exc)
                else:
                    retry_after = getattr(exc, "retry_after", None)
                    retry[plan.request_id] = execution.backoff_seconds(
                        retries + 1, retry_after, _rng
                    )
            except PermanentModelError as exc:
                _record_failure(plan.request_id, str(exc), final=True)
            except Exception as exc:  # a bug: store the others, then fail the task with it
                unexpected = unexpected or exc
        if completed:
            stored.append(_storer.store(completed))
    for store in stored:
        try:
            store.result()
        except Exception as exc:  # a bug: the other stores still commit
            unexpected = unexpected or exc
    if unexpected is not None:
        raise unexpected
    return retry


def _start(request_ids: list[int]) -> list[RequestPlan]:
    with unit_of_work() as session:
        return execution.start_requests(session, request_ids)


def _record_failure(request_id: int, error: str, *, final: bool) -> None:
    def record() -> None:
        with unit_of_work() as session:
            execution.record_failure(session, request_id, error, final=final)

    retrying(record)


class _Storer:
    """One thread per process stores the completions of every chunk running in it: those that
    arrive while a transaction commits go together in the next one, so the items' locks and
    the round trips are shared by many requests instead of paid by each chunk."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._pending: list[tuple[list[tuple[RequestPlan, Completion]], Future[None]]] = []
        self._pid: int | None = None

    def store(self, completed: list[tuple[RequestPlan, Completion]]) -> Future[None]:
        """Returns a future that is done once ``completed`` is committed."""
        done: Future[None] = Future()
        with self._wake:
            if self._pid != os.getpid():  # first use, or a forked child (prefork pool)
                self._pid = os.getpid()
                self._pending = []
                threading.Thread(target=self._run, name="generation-storer", daemon=True).start()
            self._pending.append((completed, done))
            self._wake.notify()
        return done

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending:
                    self._wake.wait()
                batch, self._pending = self._pending, []
            try:
                self._commit(batch)
            except Exception:
                # One bad completion must not fail the other chunks: store each on its own.
                for group in batch:
                    try:
                        self._commit([group])
                    except Exception as exc:
                        group[1].set_exception(exc)

    @staticmethod
    def _commit(batch: list[tuple[list[tuple[RequestPlan, Completion]], Future[None]]]) -> None:
        def store() -> None:
            with unit_of_work() as session:
                execution.store_completions(
                    session, [c for completed, _ in batch for c in completed]
                )

        retrying(store)
        for _, done in batch:
            done.set_result(None)


_storer = _Storer()


def _call(plan: RequestPlan) -> Completion:
    endpoint = plan.endpoint
    # A slot outlives its holder by at most a request's timeout: a killed worker's slots come
    # back on their own.
    with endpoint_slot(
        f"model-{endpoint.id}", endpoint.max_concurrency, lease=endpoint.timeout_s + 5
    ):
        return generate(_client(), endpoint, plan.context, plan.params)


_pools: dict[tuple[int, int], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(endpoint: ModelEndpoint) -> ThreadPoolExecutor:
    """This process's threads for one endpoint, as many as it may have calls in flight: the
    chunks of every worker thread share them, so a process keeps the endpoint busy while
    its worker threads store results, and no more threads wait for a slot than could get one.
    """
    key = (endpoint.id, endpoint.max_concurrency)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = ThreadPoolExecutor(
                max_workers=max(1, endpoint.max_concurrency),
                thread_name_prefix=f"model-{endpoint.id}",
            )
        return pool


# Database connections a worker process opens before any job arrives: as many as a new job's
# first chunks use at once in one process.
WARM_CONNECTIONS = 4


@worker_process_init.connect
def _warm_up(**_: object) -> None:
    """Pay the first requests' set-up (a TLS context, database connections) before any job
    arrives, not while its first requests wait."""
    _client()
    configure_mappers()
    warm_up_slots()
    sessions = [unit_of_work(read_only=True) for _ in range(WARM_CONNECTIONS)]
    with contextlib.ExitStack() as stack:
        for session in (stack.enter_context(s) for s in sessions):
            session.execute(select(1))
    with unit_of_work() as session:
        execution.warm_up(session)


@worker_ready.connect
def _warm_up_when_ready(**_: object) -> None:
    _warm_up()  # threads and solo pools run tasks in this process (prefork: in its children)
