"""The per-process cap on API requests in flight (see prefhub.kit.limits)."""

from __future__ import annotations

import anyio
from starlette.types import Message

from prefhub.kit.limits import ConcurrencyLimit


async def _receive() -> Message:
    return {"type": "http.disconnect"}  # never called: the app reads no body


async def _send(message: Message) -> None:
    pass  # never called: the app sends nothing


def _run(paths: list[str], limit: int) -> int:
    in_flight = 0
    most = 0

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1

    limited = ConcurrencyLimit(app, limit=limit)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for path in paths:
                group.start_soon(limited, {"type": "http", "path": path}, _receive, _send)

    anyio.run(main)
    return most


def test_api_requests_beyond_the_cap_wait():
    assert _run(["/api/annotate/x/next"] * 20, limit=3) == 3


def test_downloads_and_static_files_are_not_capped():
    assert _run(["/api/exports/7/files/dpo.jsonl"] * 6, limit=1) == 6
    assert _run(["/assets/index.js"] * 6, limit=1) == 6
