"""Child processes that end with their parent: the uvicorn workers of ``prefhub serve
--workers N`` and its embedded Celery worker.

A parent killed with SIGKILL runs no clean-up; its children would keep serving, holding the
port, and the next ``prefhub serve`` fails with "Address already in use". On Linux the kernel
signals them (``PR_SET_PDEATHSIG``); elsewhere a thread notices the parent's pid change.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def signal_on_parent_death(signum: int = signal.SIGTERM) -> bool:
    """Ask Linux to send this process ``signum`` when its parent ends; False elsewhere.

    Safe between fork and exec (``Popen(preexec_fn=...)``): the setting survives exec.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        result: int = libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
        return result == 0
    except (OSError, AttributeError):
        return False


def exit_with_parent(parent: int, signum: int = signal.SIGTERM, poll_s: float = 1.0) -> None:
    """Send this process ``signum`` (a graceful stop) once process ``parent`` has ended.

    ``parent`` is the pid the parent had when it started us: if it already died, our
    parent pid is another process's (init or a subreaper) and we stop at once.
    """
    signal_on_parent_death(signum)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os.kill(os.getpid(), signum)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def child_of(parent: int, signum: int = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess.Popen``: the child gets ``signum`` when ``parent``
    ends, with no window in which it could be missed (Linux)."""

    def preexec() -> None:
        signal_on_parent_death(signum)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return preexec
