"""The one sweeper: every worker runs it; it re-sends the jobs a broker outage or a dead
worker stranded, of every kind, and fails those whose workers keep dying.

Several workers sweep at once: ``claim_resend`` lets one of them send each job. The re-sent
message carries the claim and ``recovering=True``; the kind's task claims the job itself, so
a message that arrives twice runs the job once.

Each round also removes what a kind's jobs left behind and no job will clean up (an import's
hidden rows): the kind's hooks module names it ``remove_leftovers(now)``, as it names its
cancel and resume hooks, so this room imports no domain.
"""

from __future__ import annotations

import importlib
import logging
import threading
from datetime import datetime

from prefhub.jobs import service
from prefhub.kit.db import unit_of_work
from prefhub.kit.time import utcnow
from prefhub.models import JobStatus
from prefhub.models.job import job_kinds
from prefhub.settings import get_settings

log = logging.getLogger(__name__)


def sweep() -> int:
    """One round: returns how many jobs were sent again."""
    now = utcnow()
    with unit_of_work(read_only=True) as session:
        stranded = service.stranded(session, now)
    max_attempts = get_settings().job_max_attempts
    sent = 0
    for row in stranded:
        with unit_of_work() as session:
            if row.status == JobStatus.running and row.attempts >= max_attempts:
                service.give_up(session, row.id)
                log.warning(
                    "%s job %s lost its worker %s times; failed it", row.kind, row.id, row.attempts
                )
                continue
            if not service.claim_resend(session, row.id, row.dispatched_at, now):
                continue
            job = service.get(session, row.id)
            service.send(session, job, claim=now, previous=row.dispatched_at, recovering=True)
        log.info("%s job %s was stranded (%s); sent it again", row.kind, row.id, row.status)
        sent += 1
    remove_leftovers(now)
    return sent


def remove_leftovers(now: datetime) -> int:
    """Every kind's ``remove_leftovers(now)`` hook; returns how many rows they removed."""
    removed = 0
    for kind, model in sorted(job_kinds().items()):
        if model.hooks_module is None:
            continue
        hook = getattr(importlib.import_module(model.hooks_module), "remove_leftovers", None)
        if hook is None:
            continue
        count = int(hook(now))
        if count:
            log.warning("removed %s row(s) that %s jobs left behind", count, kind)
        removed += count
    return removed


def start(interval: float) -> threading.Thread:
    """Sweep every ``interval`` seconds in a daemon thread of this process."""

    def loop() -> None:
        while True:
            try:
                sweep()
            except Exception:
                # The database or the broker is away: the next round tries again.
                log.exception("job sweep failed; next try in %.0f s", interval)
            stop.wait(interval)

    stop = threading.Event()
    thread = threading.Thread(target=loop, name="job-sweeper", daemon=True)
    thread.start()
    return thread
