"""Fetch media from a URL without becoming a proxy into the private network (SSRF).

Every hop is checked the same way: http(s) only, the host name resolved here and every
address it resolves to checked against the public internet, then the connection made to
that checked address (no second lookup a DNS-rebinding server could answer differently),
with the original name in the Host header and as TLS SNI (so certificates still verify).
Redirects are followed by hand, each one checked again. The body is read with a size limit
and a deadline; what the bytes are is decided by ``sniff``, never by Content-Type.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from urllib.parse import urljoin

import httpx

from prefhub.media.exceptions import MediaFetchFailed, MediaTooLarge, MediaUrlForbidden
from prefhub.media.storage import read_limited
from prefhub.settings import get_settings

MAX_REDIRECTS = 5
MAX_URL_LENGTH = 2000
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def check_url(url: str) -> httpx.URL:
    """What can be refused without a DNS lookup: scheme, credentials, a literal address."""
    if len(url) > MAX_URL_LENGTH:
        raise MediaUrlForbidden(f"The URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise MediaUrlForbidden(f"Not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise MediaUrlForbidden(f"Only http and https URLs are fetched, not {parsed.scheme!r}")
    if not parsed.host:
        raise MediaUrlForbidden("The URL has no host")
    if parsed.userinfo:
        raise MediaUrlForbidden("URLs with a user name or password are not fetched")
    try:
        literal = ipaddress.ip_address(parsed.host)
    except ValueError:
        pass
    else:
        _check_address(literal, parsed.host)
    return parsed


def fetch(url: str) -> bytes:
    """The body of ``url`` after at most ``MAX_REDIRECTS`` checked redirects."""
    settings = get_settings()
    limit = settings.max_media_bytes
    timeout = settings.media_fetch_timeout_seconds
    deadline = time.monotonic() + 6 * timeout
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        target = check_url(current)
        addresses = _resolve(target)
        try:
            with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
                response = _connect(client, target, addresses)
                try:
                    if response.status_code not in REDIRECT_STATUSES:
                        return _body(response, current, limit, deadline)
                    location = response.headers.get("location")
                finally:
                    response.close()
        except httpx.HTTPError as exc:
            raise MediaFetchFailed(f"{current}: {exc}") from exc
        if not location:
            raise MediaFetchFailed(f"{current} redirected without a Location")
        current = urljoin(str(target), location)
    raise MediaFetchFailed(f"More than {MAX_REDIRECTS} redirects from {url}")


def _connect(client: httpx.Client, target: httpx.URL, addresses: list[IPAddress]) -> httpx.Response:
    """Send the request to the first checked address that accepts a connection."""
    for address in addresses:
        request = client.build_request(
            "GET",
            target.copy_with(host=str(address)),
            headers={"Host": _host_header(target), "Accept": "*/*"},
            extensions={"sni_hostname": target.host},
        )
        try:
            return client.send(request, stream=True)
        except httpx.ConnectError as exc:
            error = exc
    raise MediaFetchFailed(f"Could not connect to {target.host}: {error}")


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


def _resolve(url: httpx.URL) -> list[IPAddress]:
    """The addresses to connect to, after checking every address the name resolves to."""
    host = url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaFetchFailed(f"{host} does not resolve: {exc}") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(i[4][0].split("%")[0]) for i in infos))
    if not addresses:
        raise MediaFetchFailed(f"{host} does not resolve")
    for address in addresses:
        # One forbidden answer refuses the name: which one a connection would use is luck.
        _check_address(address, host)
    return addresses


def _check_address(address: IPAddress, host: str) -> None:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            _check_address(embedded, host)
    if address.is_loopback and get_settings().media_fetch_allow_loopback:
        return  # tests only: PREFHUB_MEDIA_FETCH_ALLOW_LOOPBACK, off by default
    if (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    ):
        shown = host if host == str(address) else f"{host} ({address})"
        raise MediaUrlForbidden(
            f"{shown} is not a public internet address (loopback, private, link-local, "
            "multicast or reserved); prefhub fetches only public URLs"
        )


def _host_header(url: httpx.URL) -> str:
    host = f"[{url.host}]" if ":" in url.host else url.host
    return host if url.port is None else f"{host}:{url.port}"
