"""What a request may be, checked before any route reads it.

- Its body is at most ``max_body`` bytes (``max_upload`` for the files sent to the routes in
  ``UPLOAD_ROUTES``): a larger declared Content-Length is refused at once, and a body sent in
  chunks is counted as it arrives and refused once past the limit, unread beyond it (413).
- Its path and query string decode to text a database can hold: UTF-8 without NUL (422).
- A JSON body is nested at most 64 deep and holds no NUL, lone surrogate, NaN, infinite
  number or integer beyond 64 bits (``kit.json_input``). JSON bodies are read whole here (they
  are small); others, such as multipart uploads, stream through to the route.

Each refusal is the API's error shape: ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prefhub.kit.json_input import JsonRefused, check_document
from prefhub.settings import Settings

# Routes whose bodies are uploaded files: items import, import jobs, media upload.
UPLOAD_ROUTES = re.compile(r"^/api/campaigns/[^/]+/(items/import|items/import-jobs|media)/?$")
# In-situ ingestion batches: JSON or JSONL, maybe gzip; the route reads and checks each event
# itself (a bad one must not refuse its batch), up to its own size limit.
INGEST_ROUTE = re.compile(r"^/api/ingest/[^/]+/events/?$")
# Room for multipart framing (boundaries, part headers) around the files themselves.
MULTIPART_SLACK = 64 * 1024


def _error(status: int, code: str, message: str, details: object = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}}, status_code=status
    )


def replaying(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` for the app after ``messages`` were read from it: those first, as if unread,
    then the rest."""
    pending = iter(messages)

    async def replay() -> Message:
        message = next(pending, None)
        return message if message is not None else await receive()

    return replay


def _plain(raw: bytes) -> bool:
    """ASCII with nothing encoded and no NUL: text as it is (most requests' path and query)."""
    return raw.isascii() and b"%" not in raw and b"\x00" not in raw


def _undecodable(raw: bytes) -> str | None:
    """Why percent-encoded ``raw`` is not text we can store, or None."""
    decoded = unquote_to_bytes(raw)
    if b"\x00" in decoded:
        return "contains a NUL character (%00)"
    try:
        decoded.decode("utf-8")  # strict: refuses encoded surrogates too
    except UnicodeDecodeError:
        return "is not valid UTF-8"
    return None


def _is_json(headers: Headers) -> bool:
    content_type = headers.get("content-type")
    if content_type is None:
        return True  # FastAPI refuses it, but it may be JSON all the same
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith("application/") and (kind.endswith("/json") or kind.endswith("+json"))


class RequestLimits:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_body = settings.max_request_bytes
        # One import file, or the media files of one upload.
        upload = max(settings.max_upload_bytes, settings.max_media_bytes)
        self.max_upload = upload + MULTIPART_SLACK
        self.max_ingest = settings.ingest_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._bad_target(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            # No body (HTTP/1.1): nothing to count or check, as for most GETs.
            await self.app(scope, receive, send)
            return
        ingest = INGEST_ROUTE.match(scope["path"]) is not None
        json = _is_json(headers) and not ingest
        # Files come as multipart; JSON is never an upload, whatever the route.
        upload = not json and UPLOAD_ROUTES.match(scope["path"]) is not None
        limit = self.max_ingest if ingest else self.max_upload if upload else self.max_body
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(limit)(scope, receive, send)
            return
        if json:
            await self._json(scope, receive, send, limit)
        else:
            await self._stream(scope, receive, send, limit)

    @staticmethod
    def _bad_target(scope: Scope) -> JSONResponse | None:
        try:
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        except UnicodeEncodeError:
            raw_path = b"\x00"  # the server handed us a lone surrogate: refuse it like a NUL
        query = scope.get("query_string", b"")
        if _plain(raw_path) and _plain(query):
            return None
        for name, raw in (("path", raw_path), ("query", query)):
            problem = _undecodable(raw.replace(b"+", b" ") if name == "query" else raw)
            if problem:
                return _error(
                    422,
                    "invalid_text",
                    f"The URL's {name} {problem}",
                    [{"field": name, "message": problem}],
                )
        return None

    @staticmethod
    def _too_large(limit: int) -> JSONResponse:
        response = _error(
            413,
            "payload_too_large",
            f"The request body is larger than {limit} bytes",
            {"limit": limit},
        )
        # The rest of the body is never read, so the connection cannot carry another request.
        response.headers["Connection"] = "close"
        return response

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Read the whole body, check it, then hand it to the app as if it were unread."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            try:
                check_document(body)
            except JsonRefused as exc:
                details = [{"field": exc.field or "body", "message": exc.message}]
                await _error(exc.status, exc.code, exc.message, details)(scope, receive, send)
                return
        message = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, replaying([message], receive), send)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Count the body as the app reads it; past the limit, answer 413 ourselves and tell
        the app the client has gone (whatever it then sends or raises is dropped)."""
        size = 0
        cut = refused = started = False

        async def counted() -> Message:
            nonlocal size, cut, refused
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    cut = True
                    refused = not started  # a response under way is left to finish
                    if refused:
                        await self._too_large(limit)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused:
                raise
