"""A real HTTP server on 127.0.0.1 for the URL fetcher to fetch from (or be refused)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from support.api import pairwise_spec


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False


class MediaServer:
    """Serves ``routes`` (path -> Route) and records each request's path and Host header."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, self.headers.get("Host", "")))
                route = server.routes.get(self.path, Route(status=404, body=b"no such file"))
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(route.body), 4096):
                        piece = route.body[start : start + 4096]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, body: bytes, **options: object) -> str:
        self.routes[path] = Route(body=body, **options)  # type: ignore[arg-type]
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": location})
        return self.url(path)

    def __enter__(self) -> MediaServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def media_server() -> Iterator[MediaServer]:
    with MediaServer() as server:
        yield server


@pytest.fixture
def campaign(as_user, unique):  # type: ignore[no-untyped-def]
    """A researcher's client and the slug of a campaign they own."""
    researcher = as_user("researcher")
    slug = f"media-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    return researcher, slug


@pytest.fixture(autouse=True)
def default_egress_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Media tests start from the production default: no private address allowed."""
    from prefhub.settings import get_settings

    monkeypatch.setattr(get_settings(), "egress_allow", [])


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch, default_egress_policy: None) -> None:
    """What ``PREFHUB_EGRESS_ALLOW=127.0.0.1,::1`` does: the test server becomes reachable;
    everything else stays refused."""
    from prefhub.settings import get_settings

    monkeypatch.setattr(get_settings(), "egress_allow", ["127.0.0.1", "::1"])
