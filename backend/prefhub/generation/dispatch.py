"""Sending a generation job's requests to the workers, by task name, in chunks.

A new job sends its first requests itself after commit and ``dispatch_job`` the rest; a
re-send (the sweeper, a resume) sends ``dispatch_job`` only. The services call this module,
never the tasks: no import runs from a service to a task.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from prefhub.kit.enqueue import send_after_commit
from prefhub.settings import get_settings
from prefhub.worker import GENERATION_QUEUE, celery_app, queue_name

RUN_REQUESTS = "prefhub.generation.run_requests"
RUN_REQUEST = "prefhub.generation.run_request"
DISPATCH_JOB = "prefhub.generation.dispatch_job"
# Requests per message: few messages for a big job, yet enough of them to spread a job over
# every worker process (and so over every core).
CHUNK_SIZE = 16
# A new job's first wave of requests (one per slot) is split into this many messages, so that
# every worker process, and several threads in each, start theirs at once.
RAMP_MESSAGES = 8
REQUEST_EXPIRES = 7 * 24 * 3600
DISPATCH_EXPIRES = 24 * 3600


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def send_chunks(job_id: int, request_chunks: list[list[int]], producer: Any) -> None:
    queue = queue_name(get_settings(), GENERATION_QUEUE)
    for chunk in request_chunks:
        celery_app.send_task(
            RUN_REQUESTS,
            args=[job_id, chunk],
            queue=queue,
            expires=REQUEST_EXPIRES,
            producer=producer,
        )


def send_new_job(session: Session, job_id: int, request_ids: list[int], slots: int) -> None:
    """After the job's commit, send its first two waves of requests (two per slot of its
    endpoints) straight to the workers, the first in small chunks so that every slot fills
    at once, and the rest through ``dispatch_job``, which then marks the job dispatched."""
    direct = sorted(request_ids)[: 2 * slots]
    ramp = max(1, math.ceil(slots / RAMP_MESSAGES))
    request_chunks = chunks(direct[:slots], ramp) + chunks(direct[slots:], CHUNK_SIZE)

    def send() -> None:
        # One connection for all; a broker outage stops at the first message (the sweeper
        # sends the job again).
        with celery_app.producer_or_acquire() as producer:
            send_chunks(job_id, request_chunks, producer)
            celery_app.send_task(
                DISPATCH_JOB,
                args=[job_id],
                kwargs={"sent_through": direct[-1] if direct else None},
                expires=DISPATCH_EXPIRES,
                producer=producer,
            )

    send_after_commit(session, f"generation job {job_id}", send)
