"""Celery tasks for generation: take ids, open short transactions, call the model between them.

``dispatch_job`` sends a job's requests in chunks; ``run_requests`` runs a chunk's requests at
once, each on its endpoint's thread pool in this process, and stores completions as they
arrive. Late acks: a worker killed mid-chunk leaves the message unacknowledged and another
worker runs it again; the guards in ``execution`` make that second run harmless.
"""

from __future__ import annotations

import logging
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

from prefhub.generation import execution, service
from prefhub.generation.exceptions import PermanentModelError, RetryableModelError
from prefhub.generation.execution import RequestPlan
from prefhub.generation.providers import Completion, generate
from prefhub.kit.db import unit_of_work
from prefhub.kit.slots import SlotTimeout, endpoint_slot
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
REQUEST_EXPIRES = 7 * 24 * 3600


def _client() -> httpx.Client:
    """One connection pool per process, shared by its threads (httpx clients are thread-safe):
    one TLS context to build instead of one per thread, and connections reused by any."""
    global _shared_client
    with _client_lock:
        pid, client = _shared_client or (None, None)
        if client is None or pid != os.getpid():
            client = httpx.Client(
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=256)
            )
            _shared_client = (os.getpid(), client)
        return client


# ---------------------------------------------------------------- dispatch


@celery_app.task(name="prefhub.generation.dispatch_job", acks_late=True)
def dispatch_job(job_id: int, claim: str | None = None, include_running: bool = False) -> int:
    """Send the job's queued requests in chunks over one broker connection. ``claim`` is the
    job's ``dispatched_at`` this dispatch was sent with; a newer one makes it a no-op."""
    claimed = datetime.fromisoformat(claim) if claim else None
    with unit_of_work() as session:
        request_ids = service.requests_to_dispatch(
            session, job_id, claimed, include_running=include_running
        )
    if not request_ids:
        return 0
    queue = queue_name(get_settings(), GENERATION_QUEUE)
    with celery_app.producer_or_acquire() as producer:
        for start in range(0, len(request_ids), CHUNK_SIZE):
            run_requests.apply_async(
                args=[job_id, request_ids[start : start + CHUNK_SIZE]],
                queue=queue,
                expires=REQUEST_EXPIRES,
                producer=producer,
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
    """Start the requests, call their models concurrently and store each completion as it
    arrives (those that arrive together, in one transaction). Returns the requests to try
    again, with their delays."""
    with unit_of_work() as session:
        plans = execution.start_requests(session, request_ids)
    running: dict[Future[Completion], RequestPlan] = {
        _pool(plan.endpoint).submit(_call, plan): plan for plan in plans
    }
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
            with unit_of_work() as session:
                execution.store_completions(session, completed)
    if unexpected is not None:
        raise unexpected
    return retry


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
                args=[job.job_id, now.isoformat(), job.include_running], expires=24 * 3600
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


@worker_process_init.connect
def _warm_up(**_: object) -> None:
    """Pay the first request's set-up (a TLS context, a database connection) before any job
    arrives, not while its first requests wait."""
    _client()
    with unit_of_work(read_only=True) as session:
        session.execute(select(1))


@worker_ready.connect
def _sweep_while_running(**_: object) -> None:
    _warm_up()  # threads and solo pools run tasks in this process (prefork: in its children)
    interval = get_settings().generation_sweep_seconds
    if interval > 0:
        start_sweeper(interval)
