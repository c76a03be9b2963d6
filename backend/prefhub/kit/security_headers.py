"""Browser hardening headers on every response: the API's, the web app's and its static files.

The Content-Security-Policy lets the page run only the scripts and styles the app itself serves
(the built app has no inline ones), load images and media only from this origin (or the media
bucket, when media are redirected to presigned bucket URLs), and never be framed. A header the
response set itself wins: media files carry their own stricter policy (``media/router.py``).

The API docs pages (``/docs``, ``/redoc``) run Swagger UI and ReDoc, served by the app itself
(no CDN), and a small inline script or style: each sets the policy ``docs_policy`` makes for its
own HTML, which allows those by their hash (and the styles ReDoc injects); the app's stays
strict.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Cross-cutting headers, whatever the page.
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _hashes(pattern: re.Pattern[str], html: str) -> str:
    return "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
        for block in pattern.findall(html)
    )


def docs_policy(html: str, *, redoc: bool = False) -> str:
    """The policy of an API docs page: scripts and styles from this origin only, plus the page's
    own inline scripts and styles by their SHA-256; the OpenAPI document and "Try it out"
    requests go to this origin. ReDoc (``redoc``) also needs inline styles (its
    styled-components add ``<style>`` elements as it renders: no hash can name them) and a blob
    worker (its search); Swagger UI needs neither."""
    styles = " 'unsafe-inline'" if redoc else _hashes(INLINE_STYLE, html)
    worker = "blob:" if redoc else "'none'"
    return (
        f"default-src 'none'; script-src 'self'{_hashes(INLINE_SCRIPT, html)}; "
        f"style-src 'self'{styles}; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        f"worker-src {worker}; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def app_policy(media_origins: Iterable[str] = ()) -> str:
    """The web app's policy; ``media_origins`` are where images, audio and video may also come
    from (a bucket that presigned media URLs point to)."""
    extra = "".join(f" {origin}" for origin in media_origins)
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{extra}; media-src 'self' blob:{extra}; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def error_headers() -> dict[str, str]:
    """Headers for a response that Starlette's outermost layer sends on an unhandled error
    (a 500): it writes past every middleware, ``SecurityHeaders`` included, so the response
    carries them itself. A JSON error needs nothing from any origin."""
    return COMMON | {
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    }


# The names of every header this adds, lower-case as ASGI carries them.
_NAMES = frozenset(name.lower().encode() for name in (*COMMON, "Content-Security-Policy"))


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


class SecurityHeaders:
    """Pure ASGI (no response buffering): adds the headers as the response starts."""

    def __init__(
        self,
        app: ASGIApp,
        media_origins: Callable[[], tuple[str, ...]] = tuple,
    ) -> None:
        self.app = app
        self.media_origins = media_origins
        self._origins: tuple[str, ...] | None = None
        self._headers: list[tuple[bytes, bytes]] = []

    def _app_headers(self) -> list[tuple[bytes, bytes]]:
        # The origins follow the settings (they are cheap to ask for); the header is rebuilt
        # only when they change.
        origins = self.media_origins()
        if origins != self._origins:
            policy = app_policy(origins)
            self._headers = _encoded(COMMON | {"Content-Security-Policy": policy})
            self._origins = origins
        return self._headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = self._app_headers()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                # Most responses set none of ours: then all are added without comparing names.
                if any(name.lower() in _NAMES for name, _ in headers):
                    present = {name.lower() for name, _ in headers}
                    headers.extend(h for h in added if h[0] not in present)
                else:
                    headers.extend(added)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
