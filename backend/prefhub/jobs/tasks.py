"""The jobs room's part of every worker: start the sweeper once the worker is ready."""

from __future__ import annotations

from celery.signals import worker_ready

from prefhub.jobs import sweeper
from prefhub.settings import get_settings


@worker_ready.connect
def _sweep_while_running(**_: object) -> None:
    interval = get_settings().job_sweep_seconds
    if interval > 0:
        sweeper.start(interval)
