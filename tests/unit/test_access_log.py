"""kit/access_log.py: one line per request, with the status the client got, whatever way the
response ended."""

from __future__ import annotations

import asyncio
import re

import httpx
from starlette.types import Receive, Scope, Send

from prefhub.kit.access_log import AccessLog

LINE = re.compile(r'^INFO: +(\S+) - "(\w+) (\S+) HTTP/1\.1" (\d{3}) (\d+\.\d) ms\n$')


async def _streamed(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 206, "headers": []})
    await send({"type": "http.response.body", "body": b"a", "more_body": True})
    await send({"type": "http.response.body", "body": b"b", "more_body": False})


async def _raises(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("a bug")


def _get(app: AccessLog, path: str) -> httpx.Response:
    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path)

    return asyncio.run(get())


def test_a_streamed_response_is_logged_once_with_its_status():
    lines: list[str] = []
    response = _get(AccessLog(_streamed, write=lines.append), "/api/files/x?token=secret")
    assert response.content == b"ab"
    assert len(lines) == 1
    match = LINE.match(lines[0])
    assert match, lines
    assert match.group(2, 3, 4) == ("GET", "/api/files/x", "206")


def test_a_request_that_raised_is_logged_as_a_500():
    lines: list[str] = []
    assert _get(AccessLog(_raises, write=lines.append), "/api/boom").status_code == 500
    assert [LINE.match(line).group(4) for line in lines] == ["500"]  # type: ignore[union-attr]


def test_an_encoded_newline_in_the_path_cannot_forge_a_second_line():
    lines: list[str] = []
    _get(AccessLog(_streamed, write=lines.append), "/api/a%0AINFO:%20forged")
    assert len(lines) == 1 and lines[0].count("\n") == 1
    assert "/api/a%0AINFO:%20forged" in lines[0]
