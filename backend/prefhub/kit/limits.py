"""Cap the API requests one process works on at once at its database pool's size (pool +
overflow, ``app.py``), on PostgreSQL and SQLite alike.

FastAPI runs each sync dependency and the endpoint on separate threadpool threads. With more
requests in flight than connections, threads that hold a connection wait for a thread while
threads that hold a thread wait for a connection: a deadlock broken only by the pool timeout
(seen in bench/assignment.py). Requests beyond the cap wait here, before taking either.

On SQLite the writes are serialised by SQLite's one write lock, not by this cap: each write
transaction queues for it in the process, in arrival order, then begins with ``BEGIN
IMMEDIATE`` (kit/sqlite_writes.py). A cap of one would queue every request, but then one
request waiting for that lock (held by a worker's import, say) or one slow upload would stall
every API request of the process, reads and requests without a database alike
(tests/topology/test_sqlite_in_flight.py).
"""

from __future__ import annotations

import re

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

# Downloads stream after their transaction has ended; they must not hold a slot meanwhile.
# Model tests wait on another server with their connection returned, capped by a small pool
# of their own (generation/registry.py): in the slots, a few slow endpoints would stall all.
UNLIMITED = re.compile(r"^/api/((exports/\d+/files|media)/|models/[^/]+/test$)")


class ConcurrencyLimit:
    def __init__(self, app: ASGIApp, limit: int, prefix: str = "/api/") -> None:
        self.app = app
        self.prefix = prefix
        self.limit = limit
        self._semaphore: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix) or UNLIMITED.match(path):
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:
            # Created lazily, inside the event loop that will use it.
            self._semaphore = anyio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)
