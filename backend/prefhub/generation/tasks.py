"""Celery tasks for generation: take ids, open short transactions, call the model between them.

Late acks: a worker killed mid-call leaves the message unacknowledged and another worker runs
it again; ``start_request`` / the unique candidate pointer make that second run harmless.
"""

from __future__ import annotations

import logging
import random
import threading

import httpx

from prefhub.generation import service
from prefhub.generation.exceptions import PermanentModelError, RetryableModelError
from prefhub.generation.providers import generate
from prefhub.kit.db import unit_of_work
from prefhub.kit.slots import SlotTimeout, endpoint_slot
from prefhub.settings import get_settings
from prefhub.worker import GENERATION_QUEUE, celery_app, queue_name

log = logging.getLogger(__name__)
_local = threading.local()
_rng = random.SystemRandom()


def _client() -> httpx.Client:
    """One connection pool per worker thread, reused across requests."""
    client = getattr(_local, "client", None)
    if client is None:
        client = _local.client = httpx.Client(limits=httpx.Limits(max_connections=64))
    return client


@celery_app.task(name="prefhub.generation.dispatch_job", acks_late=True)
def dispatch_job(job_id: int) -> int:
    """Send one task per queued request of the job (idempotent: a re-run re-sends queued
    requests, which ``run_request`` skips once they are done)."""
    with unit_of_work() as session:
        request_ids = service.queued_request_ids(session, job_id)
    queue = queue_name(get_settings(), GENERATION_QUEUE)
    for request_id in request_ids:
        run_request.apply_async(args=[request_id], queue=queue, expires=7 * 24 * 3600)
    return len(request_ids)


def execute_request(request_id: int, retries: int, max_retries: int) -> float | None:
    """Run one generation request once. Returns the delay before the next try, or None when
    the request is finished (stored, failed for good, cancelled, or already done)."""
    delay = _attempt(request_id, retries, max_retries)
    if delay is None:
        with unit_of_work() as session:
            job_id = service.job_of_request(session, request_id)
            if job_id is not None:
                service.finish_job_if_done(session, job_id)
    return delay


def _attempt(request_id: int, retries: int, max_retries: int) -> float | None:
    with unit_of_work() as session:
        plan = service.start_request(session, request_id)
    if plan is None:
        return None
    endpoint = plan.endpoint
    try:
        # A slot outlives its holder by at most a request's timeout: a killed worker's slots
        # come back on their own.
        with endpoint_slot(
            f"model-{endpoint.id}", endpoint.max_concurrency, lease=endpoint.timeout_s + 5
        ):
            completion = generate(_client(), endpoint, plan.context, plan.params)
    except (RetryableModelError, SlotTimeout) as exc:
        final = retries >= max_retries
        with unit_of_work() as session:
            service.record_failure(session, request_id, str(exc), final=final)
        if final:
            log.warning("generation request %s failed for good: %s", request_id, exc)
            return None
        return service.backoff_seconds(retries + 1, getattr(exc, "retry_after", None), _rng)
    except PermanentModelError as exc:
        with unit_of_work() as session:
            service.record_failure(session, request_id, str(exc), final=True)
        return None
    with unit_of_work() as session:
        service.store_completion(session, request_id, completion)
    return None


@celery_app.task(
    name="prefhub.generation.run_request",
    bind=True,
    acks_late=True,
    max_retries=service.MAX_ATTEMPTS,
)
def run_request(self, request_id: int) -> None:  # type: ignore[no-untyped-def]
    delay = execute_request(request_id, self.request.retries, self.max_retries)
    if delay is not None:
        raise self.retry(countdown=delay)
