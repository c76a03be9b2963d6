"""How a worker runs one job: claim it, beat while working, finish it, whatever happens.

Every kind's task is ``run(job_id, body)``: the body does the kind's work in its own
transactions and calls ``jobs.service.succeed`` in its last one. The runner claims the job
(a second message for the same job finds it taken and does nothing), stamps a heartbeat
every few seconds from a thread (a dead worker's job goes stale and the sweeper re-sends
it), retries transient database errors with backoff (the body's steps are idempotent), and
fails the job with a message fit for users: a domain error as written, anything else as a
generic line (the exception, which may hold SQL, goes to the log only).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from prefhub.jobs import service
from prefhub.jobs.exceptions import JobCancelled
from prefhub.kit.db import is_transient_db_error, unit_of_work
from prefhub.kit.errors import PrefhubError
from prefhub.models import JobStatus
from prefhub.settings import get_settings

log = logging.getLogger(__name__)

T = TypeVar("T")
# Transient database errors (a dropped connection, a restarting server) are retried this many
# times, waiting 1, 2, 4, 8, 16 s: half a minute covers a PostgreSQL restart.
TRANSIENT_RETRIES = 5
PROGRESS_EVERY_S = 1.0


@dataclass
class RunContext:
    """What a body may ask of the runner: report progress, learn it should stop."""

    job_id: int
    cancelled: threading.Event = field(default_factory=threading.Event)
    _progress_at: float = 0.0

    def progress(self, done: int, total: int) -> None:
        """Record progress (at most once a second; always the last step) and stop here if
        the job was cancelled."""
        self.check()
        now = time.monotonic()
        if done >= total or now - self._progress_at >= PROGRESS_EVERY_S:
            self._progress_at = now
            retrying(lambda: _record_progress(self.job_id, done, total))

    def check(self) -> None:
        if self.cancelled.is_set():
            raise JobCancelled


def _record_progress(job_id: int, done: int, total: int) -> None:
    with unit_of_work() as session:
        service.record_progress(session, job_id, done, total)


def retrying(step: Callable[[], T], *, attempts: int = TRANSIENT_RETRIES) -> T:
    """Run a transactional step, again after a transient database error (with backoff)."""
    for attempt in range(attempts + 1):
        try:
            return step()
        except Exception as exc:
            if attempt == attempts or not is_transient_db_error(exc):
                raise
            delay = 2.0**attempt
            log.warning(
                "database unavailable (%s); trying again in %.0f s", type(exc).__name__, delay
            )
            time.sleep(delay)
    raise AssertionError("unreachable")


def run(job_id: int, body: Callable[[RunContext], None]) -> bool:
    """Run one job to its end. Returns False when there was nothing to do (the job was
    finished, or another worker is running it)."""

    def take() -> bool:
        with unit_of_work() as session:
            return service.claim(session, job_id)

    if not retrying(take):
        log.info("job %s is finished or taken; nothing to do", job_id)
        return False
    context = RunContext(job_id)
    stop = threading.Event()
    beater = threading.Thread(
        target=_beat, args=(job_id, context, stop), name=f"job-{job_id}-heartbeat", daemon=True
    )
    beater.start()
    try:
        retrying(lambda: body(context))
    except JobCancelled:
        log.info("job %s was cancelled; stopped", job_id)
    except PrefhubError as exc:
        log.info("job %s failed: %s", job_id, exc.message)
        refused = exc
        retrying(lambda: _fail(job_id, refused))
    except Exception:
        log.exception("job %s failed unexpectedly", job_id)
        retrying(lambda: _fail(job_id, None))
    finally:
        stop.set()
        beater.join(timeout=5)
    return True


def _fail(job_id: int, error: PrefhubError | None) -> None:
    with unit_of_work() as session:
        job = service.get(session, job_id)
        if job.status == JobStatus.running:
            service.fail(job, error)


def _beat(job_id: int, context: RunContext, stop: threading.Event) -> None:
    interval = get_settings().job_heartbeat_seconds
    while not stop.wait(interval):
        try:
            with unit_of_work() as session:
                status = service.beat(session, job_id)
        except Exception:
            # The database is away for a moment: the body will meet it too, and retry.
            log.warning("heartbeat of job %s not recorded", job_id, exc_info=True)
            continue
        if status != JobStatus.running:
            context.cancelled.set()
            return
