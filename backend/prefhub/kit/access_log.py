"""One line per HTTP request, written at a small cost: method, path, status, duration, client.

uvicorn's access log makes a ``logging`` record per request and runs it through its formatter
and handler (a lock, a flush): measurably more CPU than the smallest endpoints themselves spend
(bench/request_overhead.py). ``prefhub serve`` turns it off and each API process writes this
line instead: one f-string, then one ``write`` system call on standard output (a line under
the pipe's atomic size, so N processes sharing one output never interleave their lines)::

    INFO:     127.0.0.1:51234 - "GET /api/health HTTP/1.1" 200 0.4 ms

The path is the one the client sent, still percent-encoded and without its query string: the
query may carry crowd-platform ids or tokens, and an encoded path cannot forge a second line.
The line is written once the response's last byte is handed to the server; a request that
raised before its response started is logged as the 500 the server answers. ``serve
--no-access-log`` sets ``PREFHUB_ACCESS_LOG=0`` for its API processes (``prefhub.asgi``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Set by ``prefhub serve`` for the API processes it starts: "1" on, "0" off.
ENV_SWITCH = "PREFHUB_ACCESS_LOG"


def enabled() -> bool:
    """Whether this API process writes the access log (off unless ``prefhub serve`` says on:
    ``uvicorn prefhub.asgi:app`` run by hand keeps uvicorn's own)."""
    return os.environ.get(ENV_SWITCH, "0").strip().lower() in ("1", "true", "yes", "on")


def stdout_writer() -> Callable[[str], None]:
    """Write a line straight to standard output's file descriptor (no buffer to flush)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = 1

    def write(line: str) -> None:
        # try/except rather than contextlib.suppress: free when nothing is raised.
        try:  # noqa: SIM105
            os.write(fd, line.encode("utf-8", "backslashreplace"))
        except OSError:
            pass  # a closed output never fails the request

    return write


def _path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    if raw:
        return raw.decode("ascii", "backslashreplace")  # type: ignore[no-any-return]
    return quote(scope.get("root_path", "") + scope["path"])


class AccessLog:
    """Pure ASGI: wraps ``send`` to note the status and, after the last body chunk, write."""

    def __init__(self, app: ASGIApp, write: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.write = write if write is not None else stdout_writer()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0
        logged = False

        async def send_and_log(message: Message) -> None:
            nonlocal status, logged
            if message["type"] == "http.response.start":
                status = message["status"]
                await send(message)
                return
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                logged = True
                self._line(scope, status, start)

        try:
            await self.app(scope, receive, send_and_log)
        except BaseException:
            if not logged:
                logged = True
                self._line(scope, status or 500, start)
            raise
        if not logged and status:  # the client left while the body streamed
            self._line(scope, status, start)

    def _line(self, scope: Scope, status: int, start: float) -> None:
        ms = (time.perf_counter() - start) * 1000
        client = scope.get("client")
        who = f"{client[0]}:{client[1]}" if client else "-"
        self.write(
            f'INFO:     {who} - "{scope["method"]} {_path(scope)} '
            f'HTTP/{scope.get("http_version", "1.1")}" {status} {ms:.1f} ms\n'
        )
