"""The annotator's loop without the framework's routing: ``GET /api/annotate/{slug}/next`` and
``POST /api/annotate/{slug}/submit`` (with ``"next": true``: one round trip per judgment) are
most of the API's requests, and FastAPI's routing, dependency solving and body handling cost
them ≈ 1 ms of CPU per judgment (bench/assignment.py on SQLite: 5.6 → 4.5 ms per judgment;
bench/request_overhead.py ``--endpoint loop`` compares with a bare ASGI callable).

``AnnotatorLoopLane`` is a pure-ASGI layer inside ``RequestLimits`` and ``ConcurrencyLimit``
(``app.py``), so body limits, JSON checks, the pool's cap, the security headers and the access
log apply as to any request. It takes these routes' usual shapes, found by string checks, and
calls the same endpoint functions of ``assignments/router.py``; their FastAPI routes stay
registered, declare the OpenAPI schema and serve everything the lane leaves:

- ``GET .../next`` with no query string, or ``additional=`` ``true``, ``false``, ``1``, ``0``;
- ``POST .../submit`` with a JSON content type and a body ``SubmitRequest`` accepts.

Any other request (another query or content type, a body that fails validation, a trailing
slash, a mounted root path) goes to the app as it came, its body replayed: its answer, a 422
included, is FastAPI's word for word. A refusal raised by the route's unit of work gets the
app's own exception handler; an unexpected error goes up to Starlette's outermost layer (a 500),
as from a route. ``PREFHUB_LOOP_LANE=false`` (``Settings.loop_lane``) turns the lane off, to
measure what it saves.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prefhub.assignments import router as routes
from prefhub.assignments.schemas import SubmitRequest
from prefhub.auth.dependencies import AnnotatorUnit
from prefhub.kit.request_limits import replaying

PREFIX = "/api/annotate/"
# The query strings of GET /next the lane reads itself (``additional`` as pydantic parses it).
NEXT_QUERIES = {
    b"": False,
    b"additional=false": False,
    b"additional=true": True,
    b"additional=0": False,
    b"additional=1": True,
}
ErrorHandler = Callable[[Request, Exception], Response | Awaitable[Response]]


def _json_content(scope: Scope) -> bool:
    """The request says its body is ``application/json`` (FastAPI reads other JSON types too;
    the lane leaves them to it)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json"  # type: ignore[no-any-return]
    return False


class AnnotatorLoopLane:
    """``handlers`` are the app's exception handlers (``app.exception_handlers``), read at each
    refusal: the lane answers a refusal as ``ExceptionMiddleware`` would."""

    def __init__(self, app: ASGIApp, handlers: Mapping[Any, ErrorHandler]) -> None:
        self.app = app
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if path.startswith(PREFIX) and scope["type"] == "http" and not scope.get("root_path"):
            slug, _, action = path[len(PREFIX) :].partition("/")
            if slug:
                method = scope["method"]
                if action == "next" and method == "GET":
                    additional = NEXT_QUERIES.get(scope["query_string"])
                    if additional is not None:
                        request = Request(scope, receive)
                        unit = AnnotatorUnit(request, slug)
                        await self._answer(request, send, routes.next_task(unit, additional))
                        return
                elif action == "submit" and method == "POST" and _json_content(scope):
                    await self._submit(scope, receive, send, slug)
                    return
        await self.app(scope, receive, send)

    async def _submit(self, scope: Scope, receive: Receive, send: Send, slug: str) -> None:
        messages: list[Message] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # the client left: the app's to handle
                await self.app(scope, replaying(messages, receive), send)
                return
            more = message.get("more_body", False)
        body = b"".join(m.get("body", b"") for m in messages)
        try:
            submitted = SubmitRequest.model_validate_json(body)
        except ValidationError:
            # FastAPI's refusal (400 malformed_json or 422 with its details), word for word.
            await self.app(scope, replaying(messages, receive), send)
            return
        request = Request(scope, receive)
        unit = AnnotatorUnit(request, slug)
        await self._answer(request, send, routes.submit(unit, submitted))

    async def _answer(self, request: Request, send: Send, endpoint: Awaitable[Response]) -> None:
        try:
            response = await endpoint
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise
            answer = handler(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
        await response(request.scope, request.receive, send)

    def _handler_for(self, exc: Exception) -> ErrorHandler | None:
        # As Starlette's ExceptionMiddleware: the nearest class with a handler, short of
        # Exception itself (that handler is the outermost layer's, for a 500).
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            handler = self.handlers.get(cls)
            if handler is not None:
                return handler
        return None
