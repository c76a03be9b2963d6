"""A worker's periodic round: a daemon thread that calls ``send`` every ``interval`` seconds.

Rounds only *send* tasks (by name, with an expiry): the work runs as ordinary tasks, so a round
that finds the broker or the database away just waits for the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def every(interval: float, send: Callable[[], object], *, name: str) -> threading.Thread | None:
    """Start the round (none when ``interval`` is 0 or less); ``name`` names the thread and the
    log line of a failed round."""
    if interval <= 0:
        return None
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                send()
            except Exception:
                # The database or the broker is away: the next round tries again.
                log.exception("the %s round failed; next try in %.0f s", name, interval)

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread
