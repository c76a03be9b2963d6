"""Celery sends buffered during a transaction and sent only after it commits.

Celery's ``delay_on_commit`` is Django-only; this is the same idea for a SQLAlchemy session.
A task queued before commit could run before its rows exist, so domains call
``enqueue_after_commit(session, task, *ids)`` and the unit of work sends afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kombu.exceptions import OperationalError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_KEY = "prefhub_pending_sends"


def enqueue_after_commit(session: Session, task: Any, *args: Any, **options: Any) -> None:
    send_after_commit(
        session, f"{task.name}{args!r}", lambda: task.apply_async(args=args, **options)
    )


def send_after_commit(session: Session, what: str, send: Callable[[], object]) -> None:
    """Call ``send`` after commit: for several messages sent together over one connection."""
    session.info.setdefault(_KEY, []).append((what, send))


def flush_pending_sends(session: Session) -> None:
    pending = session.info.pop(_KEY, [])
    for what, send in pending:
        try:
            send()
        except OperationalError:
            # The rows are committed and say "queued"; a broker outage must not turn a
            # stored request into an error. Re-sending stuck jobs is the worker's to add.
            log.exception("broker unreachable; %s stays queued", what)


def discard_pending_sends(session: Session) -> None:
    session.info.pop(_KEY, None)
