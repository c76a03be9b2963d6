"""A fake OpenAI-compatible HTTP server for tests and benchmarks.

Why a real server rather than a mocked transport: the code under test talks HTTP (its own
client, retries, timeouts, connection pools), and benchmarks need to measure concurrency
through real sockets. So this starts an actual HTTP server on 127.0.0.1, in a background
thread (``with FakeOpenAI() as fake: ...``) or as its own process, so that the load
generator does not share a GIL with the server::

    python tests/support/fake_openai.py --port 8765 --latency 0.2

The process prints its base URL on stdout and serves until SIGTERM/SIGINT.

Why ``http.server.ThreadingHTTPServer`` rather than uvicorn: it is stdlib only (the script
runs under any Python), it gives one thread per connection, so slow requests never
serialise (hundreds of concurrent sleeps are cheap), and "drop the connection without a
response" is just closing the socket, which an ASGI app cannot express cleanly.

Endpoints (all under ``/v1``): ``POST /chat/completions``, ``POST /images/generations``,
``GET /models``. Replies are deterministic (see :func:`chat_reply`) so tests can assert on
them. Behaviour is scripted at runtime: ``latency``, :meth:`FakeOpenAI.fail_next`,
:meth:`FakeOpenAI.drop_next`, :meth:`FakeOpenAI.hang_next`; what happened is visible
through :attr:`FakeOpenAI.requests`, :meth:`FakeOpenAI.count` and the concurrency peaks.

A separate process is controlled over ``/_fake/*`` (no auth, not recorded):
``GET /_fake/stats``, ``POST /_fake/reset``, ``POST /_fake/config`` (``{"latency": 0.1}``),
and ``POST /_fake/fail_next`` / ``drop_next`` / ``hang_next`` with the methods' keyword
arguments as the JSON body.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import signal
import socket
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["FakeOpenAI", "RecordedRequest", "chat_reply", "tiny_png"]

DEFAULT_MODELS = ("fake-model", "fake-model-2", "fake-image-model")

# Headers worth asserting on (auth, retries, idempotency, tracing); the rest is noise.
RECORDED_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "user-agent",
        "idempotency-key",
        "x-request-id",
        "x-stainless-retry-count",
        "openai-organization",
        "openai-project",
    }
)

_STATUS_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Bad request (scripted by FakeOpenAI)."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", None, "Forbidden (scripted by FakeOpenAI)."),
    404: ("invalid_request_error", "model_not_found", "Not found (scripted by FakeOpenAI)."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached (scripted by FakeOpenAI)."),
    500: ("server_error", None, "The server had an error (scripted by FakeOpenAI)."),
    502: ("server_error", None, "Bad gateway (scripted by FakeOpenAI)."),
    503: ("server_error", None, "The engine is overloaded (scripted by FakeOpenAI)."),
}


def error_body(status: int, message: str | None = None, code: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error body, so clients exercise their real error parsing."""
    kind, default_code, default_message = _STATUS_ERRORS.get(
        status, ("server_error", None, f"HTTP {status} (scripted by FakeOpenAI).")
    )
    return {
        "error": {
            "message": message or default_message,
            "type": kind,
            "param": None,
            "code": code or default_code,
        }
    }


def _text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of a multi-part content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return " ".join(p for p in parts if isinstance(p, str))
    return ""


def chat_reply(body: dict[str, Any], index: int = 0) -> str:
    """The deterministic reply to a chat request, so tests can compute the expected content.

    ``[{model}] reply to: {last user message[:60]} (seed={seed}, t={temperature})``, with
    `` #{index}`` appended for choices after the first when ``n > 1``.
    """
    last_user = ""
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            last_user = _text_of(message.get("content"))
    text = (
        f"[{body.get('model')}] reply to: {last_user[:60]} "
        f"(seed={body.get('seed')}, t={body.get('temperature')})"
    )
    return f"{text} #{index}" if index else text


def _tokens(text: str) -> int:
    """A crude but deterministic token count (whitespace words), enough for usage fields."""
    return len(text.split())


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(seed: str = "", size: int = 8) -> bytes:
    """A valid ``size`` x ``size`` RGB PNG of one colour derived from ``seed`` (no Pillow)."""
    r, g, b = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\x00" + bytes((r, g, b)) * size  # filter byte 0 (None), then the pixels
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row * size))
        + _png_chunk(b"IEND", b"")
    )


@dataclass
class RecordedRequest:
    """One request as the server saw it, and what it did about it.

    ``outcome`` is ``"pending"`` while in flight, then one of ``"ok"``, ``"failed"`` (a
    scripted status), ``"dropped"``, ``"unauthorized"``, ``"bad_request"``, ``"not_found"``,
    ``"aborted"`` (the server stopped first) or ``"error"`` (a bug in the fake). Times are
    ``time.monotonic()`` values.
    """

    method: str
    path: str
    model: str | None
    body: Any
    headers: dict[str, str]
    received_at: float
    responded_at: float | None = None
    outcome: str = "pending"
    status: int | None = None
    response: Any = None
    hung_for: float = 0.0


@dataclass
class _Rule:
    """A scripted fault: applies to the next ``times`` requests that match model and path."""

    kind: str  # "status", "drop" or "hang"
    times: int
    model: str | None = None
    path: str | None = None
    status: int = 500
    retry_after: float | None = None
    message: str | None = None
    seconds: float = 0.0

    def matches(self, path: str, model: str | None) -> bool:
        return (self.model is None or self.model == model) and (
            self.path is None or _same_path(self.path, path)
        )


def _same_path(wanted: str, actual: str) -> bool:
    """Let callers write ``/chat/completions`` or ``/v1/chat/completions``."""
    return actual in (wanted, "/v1" + wanted)


@dataclass
class _Reply:
    status: int | None  # None: close the connection without a response
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    outcome: str = "ok"


class _Server(ThreadingHTTPServer):
    """Thread per connection; a deep backlog so bursts of connects are never refused."""

    daemon_threads = True
    request_queue_size = 1024
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the owning :class:`FakeOpenAI`; keeps connections alive."""

    protocol_version = "HTTP/1.1"  # keep-alive, as real clients expect
    disable_nagle_algorithm = True  # headers and body are written separately
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        self.server.fake._track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self.server.fake._handle(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._handle(self, "POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log: a benchmark sends thousands."""


class FakeOpenAI:
    """A real HTTP server speaking a deterministic subset of the OpenAI API.

    All settings and scripts are thread-safe and may change while requests are in flight.
    ``responder`` replaces :func:`chat_reply` when a test needs other content.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        api_key: str | None = None,
        models: Iterable[str] = DEFAULT_MODELS,
        host: str = "127.0.0.1",
        port: int = 0,
        responder: Callable[[dict[str, Any], int], str] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._latency = float(latency)
        self.api_key = api_key
        self.models = list(models)
        self.host = host
        self._port = port
        self.responder = responder or chat_reply
        self._rules: list[_Rule] = []
        self._records: list[RecordedRequest] = []
        self._in_flight = 0
        self._in_flight_by_model: dict[str, int] = {}
        self._max = 0
        self._max_by_model: dict[str, int] = {}
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        """Bind (port 0 picks a free one, without a probe-then-bind race) and serve."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self._port), _Handler)
        server.fake = self
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one poll
            name=f"fake-openai:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and close kept-alive connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    close = stop

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as ``base_url``: ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self._port}/v1"

    # -- behaviour ---------------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """Seconds every API request waits before its reply (failures included)."""
        with self._lock:
            return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        with self._lock:
            self._latency = float(seconds)

    def fail_next(
        self,
        status: int = 500,
        times: int = 1,
        *,
        retry_after: float | None = None,
        model: str | None = None,
        path: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` and an error body.

        ``retry_after`` adds ``Retry-After`` (seconds) and ``retry-after-ms`` headers, as
        OpenAI does on 429. ``model``/``path`` restrict which requests the rule applies to.
        """
        self._add(
            _Rule(
                "status",
                times,
                model,
                path,
                status=status,
                retry_after=retry_after,
                message=message,
            )
        )

    def drop_next(
        self, times: int = 1, *, model: str | None = None, path: str | None = None
    ) -> None:
        """Close the connection of the next ``times`` matching requests without replying."""
        self._add(_Rule("drop", times, model, path))

    def hang_next(
        self,
        seconds: float,
        times: int = 1,
        *,
        model: str | None = None,
        path: str | None = None,
    ) -> None:
        """Delay the next ``times`` matching requests by ``seconds`` (plus latency), then
        reply normally: set it above the client's timeout to exercise timeouts."""
        self._add(_Rule("hang", times, model, path, seconds=float(seconds)))

    def clear_faults(self) -> None:
        """Forget scripted faults that have not fired yet."""
        with self._lock:
            self._rules.clear()

    def _add(self, rule: _Rule) -> None:
        if rule.times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._rules.append(rule)

    # -- introspection -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the API requests received so far, oldest first."""
        with self._lock:
            return list(self._records)

    def count(
        self, path: str | None = None, model: str | None = None, outcome: str | None = None
    ) -> int:
        """How many API requests matched (``path`` with or without ``/v1``)."""
        with self._lock:
            return sum(
                1
                for r in self._records
                if (path is None or _same_path(path, r.path))
                and (model is None or r.model == model)
                and (outcome is None or r.outcome == outcome)
            )

    @property
    def max_concurrency_seen(self) -> int:
        """The peak number of API requests being handled at once since start or reset."""
        with self._lock:
            return self._max

    def max_concurrency_seen_for(self, model: str) -> int:
        """The same peak, counting only requests for ``model``."""
        with self._lock:
            return self._max_by_model.get(model, 0)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def reset(self) -> None:
        """Forget recorded requests, concurrency peaks and pending faults (keeps latency).

        Requests still in flight keep counting, so peaks restart from the current load.
        """
        with self._lock:
            self._records.clear()
            self._rules.clear()
            self._max = self._in_flight
            self._max_by_model = {m: n for m, n in self._in_flight_by_model.items() if n}

    def stats(self) -> dict[str, Any]:
        """A JSON-able summary, also served at ``GET /_fake/stats`` for separate processes."""
        with self._lock:
            by_model: dict[str, int] = {}
            for r in self._records:
                if r.model is not None:
                    by_model[r.model] = by_model.get(r.model, 0) + 1
            outcomes: dict[str, int] = {}
            for r in self._records:
                outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
            return {
                "count": len(self._records),
                "count_by_model": by_model,
                "outcomes": outcomes,
                "in_flight": self._in_flight,
                "max_concurrency_seen": self._max,
                "max_concurrency_seen_by_model": dict(self._max_by_model),
                "latency": self._latency,
                "pending_faults": sum(rule.times for rule in self._rules),
            }

    # -- request handling (server threads) ---------------------------------------------------

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _handle(self, handler: _Handler, method: str) -> None:
        path = urlsplit(handler.path).path.rstrip("/") or "/"
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if path.startswith("/_fake/"):
            self._send(handler, *self._admin(method, path, raw))
            return
        try:
            body: Any = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        model = body.get("model") if isinstance(body, dict) else None
        model = model if isinstance(model, str) else None
        headers = {
            k.lower(): v for k, v in handler.headers.items() if k.lower() in RECORDED_HEADERS
        }
        record = RecordedRequest(method, path, model, body, headers, time.monotonic())
        authorized = self.api_key is None or (
            handler.headers.get("Authorization") == f"Bearer {self.api_key}"
        )
        with self._lock:
            self._records.append(record)
            rule = self._take_rule(path, model) if authorized else None
            latency = self._latency
            self._enter(model)
        reply = _Reply(None, outcome="aborted")
        try:
            waited = self._stopping.wait(latency) if latency > 0 else False
            if not waited and rule is not None and rule.kind == "hang":
                record.hung_for = rule.seconds
                waited = self._stopping.wait(rule.seconds)
            if waited:  # the server is stopping: don't answer
                reply = _Reply(None, outcome="aborted")
            elif not authorized:
                reply = _Reply(401, error_body(401), outcome="unauthorized")
            elif rule is not None and rule.kind == "drop":
                reply = _Reply(None, outcome="dropped")
            elif rule is not None and rule.kind == "status":
                reply = self._scripted(rule)
            else:
                reply = self._route(method, path, body)
        except Exception as exc:  # a bug here must show up as a reply, not a hung client
            reply = _Reply(500, error_body(500, f"FakeOpenAI failed: {exc!r}"), outcome="error")
        finally:
            with self._lock:
                self._exit(model)
                # Record before replying: a client that asserts right after it gets the
                # response must see the outcome. Leaving in-flight first keeps the peak at
                # most the client's concurrency.
                record.outcome = reply.outcome
                record.status = reply.status
                record.response = reply.body
                record.responded_at = time.monotonic()
        if reply.status is None:
            self._drop(handler)
        else:
            self._send(handler, reply.status, reply.body, reply.headers)

    def _take_rule(self, path: str, model: str | None) -> _Rule | None:
        """Consume one use of the first matching rule (caller holds the lock)."""
        for i, rule in enumerate(self._rules):
            if rule.matches(path, model):
                rule.times -= 1
                if rule.times <= 0:
                    del self._rules[i]
                return rule
        return None

    def _enter(self, model: str | None) -> None:
        self._in_flight += 1
        self._max = max(self._max, self._in_flight)
        if model is not None:
            n = self._in_flight_by_model.get(model, 0) + 1
            self._in_flight_by_model[model] = n
            self._max_by_model[model] = max(self._max_by_model.get(model, 0), n)

    def _exit(self, model: str | None) -> None:
        self._in_flight -= 1
        if model is not None:
            self._in_flight_by_model[model] -= 1

    @staticmethod
    def _scripted(rule: _Rule) -> _Reply:
        headers: dict[str, str] = {}
        if rule.retry_after is not None:
            seconds = rule.retry_after
            headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
            headers["retry-after-ms"] = str(int(seconds * 1000))
        return _Reply(rule.status, error_body(rule.status, rule.message), headers, "failed")

    def _route(self, method: str, path: str, body: Any) -> _Reply:
        if (method, path) == ("GET", "/v1/models"):
            return _Reply(200, self._models_body())
        if (method, path) == ("POST", "/v1/chat/completions"):
            return self._chat(body)
        if (method, path) == ("POST", "/v1/images/generations"):
            return self._images(body)
        message = f"Unknown request URL: {method} {path}."
        return _Reply(404, error_body(404, message, "unknown_url"), outcome="not_found")

    def _models_body(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake-openai"}
                for m in self.models
            ],
        }

    @staticmethod
    def _bad_request(message: str) -> _Reply:
        return _Reply(400, error_body(400, message), outcome="bad_request")

    def _chat(self, body: Any) -> _Reply:
        if not isinstance(body, dict):
            return self._bad_request("The request body must be a JSON object.")
        if not isinstance(body.get("model"), str):
            return self._bad_request("you must provide a model parameter")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self._bad_request("'messages' must be a non-empty array.")
        if body.get("stream"):
            return self._bad_request("FakeOpenAI does not implement streaming.")
        n = body.get("n") or 1
        if not isinstance(n, int) or n < 1:
            return self._bad_request("'n' must be a positive integer.")
        contents = [self.responder(body, i) for i in range(n)]
        prompt_tokens = sum(
            _tokens(_text_of(m.get("content"))) for m in messages if isinstance(m, dict)
        )
        completion_tokens = sum(_tokens(c) for c in contents)
        return _Reply(
            200,
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": content},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                    for i, content in enumerate(contents)
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        )

    def _images(self, body: Any) -> _Reply:
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
            return self._bad_request("'prompt' is required.")
        n = body.get("n") or 1
        if not isinstance(n, int) or n < 1:
            return self._bad_request("'n' must be a positive integer.")
        data = []
        for i in range(n):
            encoded = base64.b64encode(tiny_png(f"{body['prompt']}#{i}")).decode()
            if body.get("response_format") == "url":
                data.append({"url": f"data:image/png;base64,{encoded}"})
            else:
                data.append({"b64_json": encoded, "revised_prompt": body["prompt"]})
        return _Reply(200, {"created": int(time.time()), "data": data})

    def _admin(self, method: str, path: str, raw: bytes) -> tuple[int, Any, dict[str, str]]:
        """Control endpoints for a server running in another process."""
        action = path.removeprefix("/_fake/")
        try:
            args = json.loads(raw) if raw else {}
            if not isinstance(args, dict):
                raise TypeError("the body must be a JSON object")
            if (method, action) == ("GET", "stats"):
                return 200, self.stats(), {}
            if method != "POST":
                return 404, error_body(404, f"no {method} /_fake/{action}"), {}
            if action == "reset":
                self.reset()
            elif action == "config":
                if "latency" in args:
                    self.latency = float(args["latency"])
            elif action == "fail_next":
                self.fail_next(**args)
            elif action == "drop_next":
                self.drop_next(**args)
            elif action == "hang_next":
                self.hang_next(**args)
            elif action == "clear_faults":
                self.clear_faults()
            else:
                return 404, error_body(404, f"no POST /_fake/{action}"), {}
        except (TypeError, ValueError) as exc:
            return 400, error_body(400, str(exc)), {}
        return 200, self.stats(), {}

    @staticmethod
    def _send(handler: _Handler, status: int, body: Any, headers: dict[str, str]) -> None:
        payload = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:  # the client gave up (e.g. timed out) first
            handler.close_connection = True

    @staticmethod
    def _drop(handler: _Handler) -> None:
        """Close without a status line: clients see "server disconnected"."""
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)


def main(argv: list[str] | None = None) -> None:
    """Serve in this process until SIGTERM/SIGINT; print the base URL first."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--model", action="append", help="model ids for /v1/models")
    args = parser.parse_args(argv)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    fake = FakeOpenAI(
        latency=args.latency,
        api_key=args.api_key,
        models=args.model or DEFAULT_MODELS,
        host=args.host,
        port=args.port,
    )
    with fake:
        print(fake.base_url, flush=True)
        while not done.wait(0.5):
            pass


if __name__ == "__main__":
    main()
