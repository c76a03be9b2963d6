"""Celery sends buffered during a transaction and sent only after it commits.

Celery's ``delay_on_commit`` is Django-only; this is the same idea for a SQLAlchemy session.
A task queued before commit could run before its rows exist, so domains call
``send_after_commit(session, what, send)`` and the unit of work sends afterwards. Tasks are
sent by name (``celery_app.send_task``): no service imports a task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kombu.exceptions import OperationalError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_KEY = "prefhub_pending_sends"
# What could not be sent (the broker was unreachable), for the caller to tell its user.
FAILED_SENDS = "prefhub_failed_sends"


def send_after_commit(session: Session, what: str, send: Callable[[], object]) -> None:
    """Call ``send`` after commit (several messages may go together over one connection)."""
    session.info.setdefault(_KEY, []).append((what, send))


def flush_pending_sends(session: Session) -> None:
    pending = session.info.pop(_KEY, [])
    for what, send in pending:
        try:
            send()
        except OperationalError as exc:
            # The rows are committed and say "queued"; a broker outage must not turn a
            # stored request into an error. The jobs sweeper sends them once it is back.
            log.warning("broker unreachable (%s); %s stays queued", exc, what)
            session.info.setdefault(FAILED_SENDS, []).append(what)


def failed_sends(session: Session) -> list[str]:
    """What the last commit of this session could not send."""
    return list(session.info.get(FAILED_SENDS, []))


def discard_pending_sends(session: Session) -> None:
    session.info.pop(_KEY, None)
