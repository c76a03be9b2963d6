"""Celery tasks for generation: take ids, open short transactions, call the model between them.

A new job sends its first requests itself after commit and ``dispatch_job`` the rest, in
chunks; ``run_requests`` runs a chunk's requests at once, each on its endpoint's thread pool in
this process, and the process's storer commits completions as they arrive. Late acks: a
worker killed mid-chunk leaves the message unacknowledged and another worker runs it again;
the guards in ``execution`` make that second run harmless.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime

import httpx
from celery.signals import worker_process_init, worker_ready
from kombu.exceptions import OperationalError
from sqlalchemy import select
from sqlalchemy.orm import Session, configure_mappers

from prefhub.generation import execution, service
from prefhub.generation.exceptions import PermanentModelError, RetryableModelError
from prefhub.generation.execution import RequestPlan
from prefhub.generation.providers import Completion, generate
from prefhub.kit import egress
from prefhub.kit.db import unit_of_work
from prefhub.kit.enqueue import send_after_commit
from prefhub.kit.slots import SlotTimeout, endpoint_slot, warm_up_slots
from prefhub.kit.time import utcnow
from prefhub.models import ModelEndpoint
from prefhub.settings import get_settings
from prefhub.worker import GENERATION_QUEUE, celery_app, queue_name

log = logging.getLogger(__name__)
_shared_client: tuple[int, httpx.Client] | None = None
_client_lock = threading.Lock()
_rng = random.SystemRandom()
# Requests per message: few messages for a big job, yet enough of them to spread a job over
# every worker process (and so over every core).
CHUNK_SIZE = 16
# A new job's first wave of requests (one per slot) is split into this many messages, so that
# every worker process, and several threads in each, start theirs at once.
RAMP_MESSAGES = 8
REQUEST_EXPIRES = 7 * 24 * 3600
DISPATCH_EXPIRES = 24 * 3600


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


def send_new_job(session: Session, job_id: int, request_ids: list[int], slots: int) -> None:
    """After the job's commit, send its first two waves of requests (two per slot of its
    endpoints) straight to the workers, the first in small chunks so that every slot fills
    at once, and the rest through ``dispatch_job``, which then marks the job dispatched."""
    direct = sorted(request_ids)[: 2 * slots]
    ramp = max(1, math.ceil(slots / RAMP_MESSAGES))
    chunks = _chunks(direct[:slots], ramp) + _chunks(direct[slots:], CHUNK_SIZE)

    def send() -> None:
        queue = queue_name(get_settings(), GENERATION_QUEUE)
        # One connection for all; a broker outage stops at the first message (the sweep
        # sends the job again).
        with celery_app.producer_or_acquire() as producer:
            for chunk in chunks:
                run_requests.apply_async(
                    args=[job_id, chunk], queue=queue, expires=REQUEST_EXPIRES, producer=producer
                )
            dispatch_job.apply_async(
                args=[job_id, None, False, direct[-1] if direct else None],
                expires=DISPATCH_EXPIRES,
                producer=producer,
            )

    send_after_commit(session, f"generation job {job_id}", send)


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


@celery_app.task(name="prefhub.generation.dispatch_job", acks_late=True)
def dispatch_job(
    job_id: int,
    claim: str | None = None,
    include_running: bool = False,
    sent_through: int | None = None,
) -> int:
    """Send the job's queued requests in chunks over one broker connection. ``claim`` is the
    job's ``dispatched_at`` this dispatch was sent with; a newer one makes it a no-op.
    ``sent_through``: the job's creation sent the requests up to this id itself."""
    claimed = datetime.fromisoformat(claim) if claim else None
    with unit_of_work() as session:
        request_ids = service.requests_to_dispatch(
            session, job_id, claimed, include_running=include_running, after=sent_through
        )
    if not request_ids and sent_through is None:
        return 0
    queue = queue_name(get_settings(), GENERATION_QUEUE)
    with celery_app.producer_or_acquire() as producer:
        for chunk in _chunks(request_ids, CHUNK_SIZE):
            run_requests.apply_async(
                args=[job_id, chunk], queue=queue, expires=REQUEST_EXPIRES, producer=producer
            )
    with unit_of_work() as session:
        service.mark_dispatched(session, job_id, claimed)
    return len(request_ids)


# ---------------------------------------------------------------- running requests


@celery_app.task(name="prefhub.generation.run_requests", acks_late=True)
def run_requests(job_id: int, request_ids: list[int]) -> int:
    """Run a chunk of the job's requests; those that fail and may be retried come back as
    ``run_request`` tasks after their backoff."""
    retry = _run_batch(request_ids, retries=0, max_retries=execution.MAX_ATTEMPTS)
    queue = queue_name(get_settings(), GENERATION_QUEUE)
    for request_id, delay in retry.items():
        run_request.apply_async(
            args=[request_id], queue=queue, countdown=delay, retries=1, expires=REQUEST_EXPIRES
        )
    with unit_of_work() as session:
        execution.finish_job_if_done(session, job_id)
    return len(request_ids) - len(retry)


@celery_app.task(
    name="prefhub.generation.run_request",
    bind=True,
    acks_late=True,
    max_retries=execution.MAX_ATTEMPTS,
)
def run_request(self, request_id: int) -> None:  # type: ignore[no-untyped-def]
    delay = execute_request(request_id, self.request.retries, self.max_retries)
    if delay is not None:
        raise self.retry(countdown=delay)


def execute_request(request_id: int, retries: int, max_retries: int) -> float | None:
    """Run one generation request once. Returns the delay before the next try, or None when
    the request is finished (stored, failed for good, cancelled, or already done)."""
    delay = _run_batch([request_id], retries, max_retries).get(request_id)
    if delay is None:
        with unit_of_work() as session:
            for job_id in execution.jobs_of_requests(session, [request_id]):
                execution.finish_job_if_done(session, job_id)
    return delay


def _run_batch(request_ids: list[int], retries: int, max_retries: int) -> dict[int, float]:
    """Start the requests, call their models concurrently and hand each completion to this
    process's storer as it arrives. Returns, once every completion is committed, the
    requests to try again, with their delays."""
    with unit_of_work() as session:
        plans = execution.start_requests(session, request_ids)
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
                with unit_of_work() as session:
                    execution.record_failure(session, plan.request_id, str(exc), final=final)
                if final:
                    log.warning("generation request %s failed for good: %s", plan.request_id, exc)
                else:
                    retry_after = getattr(exc, "retry_after", None)
                    retry[plan.request_id] = execution.backoff_seconds(
                        retries + 1, retry_after, _rng
                    )
            except PermanentModelError as exc:
                with unit_of_work() as session:
                    execution.record_failure(session, plan.request_id, str(exc), final=True)
            except Exception as exc:  # a bug: store the others, then fail the task with it
                unexpected = unexpected or exc
        if completed:
            stored.append(_storer.store(completed))
    for future in stored:
        try:
            future.result()
        except Exception as exc:  # a bug: the other stores still commit
            unexpected = unexpected or exc
    if unexpected is not None:
        raise unexpected
    return retry


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
        with unit_of_work() as session:
            execution.store_completions(session, [c for completed, _ in batch for c in completed])
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


# ---------------------------------------------------------------- recovery


def sweep_stalled_jobs() -> int:
    """Dispatch again the open jobs nothing moves (their dispatch never reached the broker,
    or their messages were lost); several workers may sweep at once, one claim wins each."""
    settings = get_settings()
    now = utcnow()
    with unit_of_work() as session:
        stalled = service.stalled_jobs(
            session,
            now,
            grace=settings.generation_dispatch_grace_seconds,
            stale=settings.redis_visibility_timeout,
        )
    sent = 0
    for job in stalled:
        with unit_of_work() as session:
            execution.finish_job_if_done(session, job.job_id)  # only its closing was lost
            claimed = service.claim_dispatch(session, job.job_id, job.dispatched_at, now)
        if not claimed:
            continue
        try:
            dispatch_job.apply_async(
                args=[job.job_id, now.isoformat(), job.include_running], expires=DISPATCH_EXPIRES
            )
        except OperationalError:
            with unit_of_work() as session:
                service.release_claim(session, job.job_id, now, job.dispatched_at)
            raise
        log.info("generation job %s stalled; dispatched it again", job.job_id)
        sent += 1
    return sent


def start_sweeper(interval: float) -> threading.Thread:
    def loop() -> None:
        while True:
            try:
                sweep_stalled_jobs()
            except Exception:
                # The database or the broker is away: the next round tries again.
                log.exception("generation sweep failed; next try in %.0f s", interval)
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="generation-sweeper", daemon=True)
    thread.start()
    return thread


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
def _sweep_while_running(**_: object) -> None:
    _warm_up()  # threads and solo pools run tasks in this process (prefork: in its children)
    interval = get_settings().generation_sweep_seconds
    if interval > 0:
        start_sweeper(interval)
