"""Fetch media from a URL without becoming a proxy into the private network (SSRF).

The egress policy (``kit/egress.py``) checks every hop: http(s) only, every address the
name resolves to on the public internet, the connection made to that checked address, each
redirect's connection checked again. The body is read with a size limit and a deadline;
what the bytes are is decided by ``sniff``, never by Content-Type.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from prefhub.kit import egress
from prefhub.media.exceptions import MediaFetchFailed, MediaTooLarge, MediaUrlForbidden
from prefhub.media.storage import read_limited
from prefhub.settings import get_settings

MAX_REDIRECTS = 5


def check_url(url: str) -> httpx.URL:
    """What can be refused without a DNS lookup: scheme, credentials, a literal address."""
    try:
        return egress.check_url(url)
    except egress.EgressForbidden as exc:
        raise MediaUrlForbidden(exc.message) from None


def fetch(url: str) -> bytes:
    """The body of ``url`` after at most ``MAX_REDIRECTS`` redirects, each one checked."""
    settings = get_settings()
    limit = settings.max_media_bytes
    timeout = settings.media_fetch_timeout_seconds
    deadline = time.monotonic() + 6 * timeout
    target = check_url(url)
    try:
        with (
            egress.client(
                timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS
            ) as client,
            client.stream("GET", target, headers={"Accept": "*/*"}) as response,
        ):
            return _body(response, url, limit, deadline)
    except egress.EgressForbidden as exc:
        raise MediaUrlForbidden(exc.message) from None
    except egress.EgressFailed as exc:
        raise MediaFetchFailed(f"{url}: {exc.message}") from None
    except httpx.UnsupportedProtocol:
        raise MediaUrlForbidden(f"{url} redirects to a URL that is not http(s)") from None
    except httpx.TooManyRedirects:
        raise MediaFetchFailed(f"More than {MAX_REDIRECTS} redirects from {url}") from None
    except httpx.HTTPError as exc:
        raise MediaFetchFailed(f"{url}: {type(exc).__name__}") from None


def _body(response: httpx.Response, url: str, limit: int, deadline: float) -> bytes:
    if response.status_code != 200:
        raise MediaFetchFailed(f"{url} answered HTTP {response.status_code}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MediaTooLarge(f"{url} is {int(declared):,} bytes; the limit is {limit:,}")

    def chunks() -> Iterator[bytes]:
        for chunk in response.iter_bytes():
            if time.monotonic() > deadline:
                raise MediaFetchFailed(f"{url} took too long to send its body")
            yield chunk

    return read_limited(chunks(), limit)
