"""The egress policy: every request the server makes to an address a user gave (media URLs,
model endpoints, anything later) goes through ``client()``, so one rule decides where the
server may connect.

The rule: http(s) only, no credentials in the URL, and every address a host name resolves to
must be on the public internet, unless an admin allowed the host or its network by name
(``PREFHUB_EGRESS_ALLOW``: a local vLLM or Ollama on a private address is a real use).

It is enforced where connections are made, in the transport's network backend: the name is
resolved once, each address checked, and the connection made to a checked address (no second
lookup a DNS-rebinding server could answer differently). TLS still verifies the name, and
redirects, when a caller follows them, open connections through the same check. Refusals
name the host, never what it resolved to (that would map the inside network for the caller).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend

from prefhub.kit.errors import InvalidInput
from prefhub.settings import get_settings

MAX_URL_LENGTH = 2000
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressForbidden(InvalidInput):
    """The server will not connect there: not http(s), or not a public address."""

    code = "egress_forbidden"


class EgressFailed(InvalidInput):
    """The address was allowed but could not be reached (no DNS answer, refused)."""

    code = "egress_failed"


def check_url(url: str) -> httpx.URL:
    """What can be refused before any lookup: scheme, credentials, a literal address."""
    if len(url) > MAX_URL_LENGTH:
        raise EgressForbidden(f"The URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise EgressForbidden(f"Not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise EgressForbidden(f"Only http and https URLs are allowed, not {parsed.scheme!r}")
    if not parsed.host:
        raise EgressForbidden("The URL has no host")
    if parsed.userinfo:
        raise EgressForbidden("URLs with a user name or password are not allowed")
    literal = _literal_address(parsed.host)
    if literal is not None:
        check_address(literal, parsed.host)
    return parsed


def check_address(address: IPAddress, host: str) -> None:
    """Refuse an address off the public internet unless the admin allowed host or range."""
    if _allowed_by_admin(address, host):
        return
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            check_address(embedded, host)
    if not address.is_global or address.is_multicast or address.is_reserved:
        raise EgressForbidden(
            f"{host} is not a public internet address (loopback, private, link-local, "
            "multicast or reserved); an admin can allow it with PREFHUB_EGRESS_ALLOW"
        )


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses to connect to, after checking every address ``host`` resolves to."""
    literal = _literal_address(host)
    if literal is not None:
        check_address(literal, host)
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise EgressFailed(f"{host} does not resolve") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos))
    if not addresses:
        raise EgressFailed(f"{host} does not resolve")
    for address in addresses:
        # One forbidden answer refuses the name: which one a connection would use is luck.
        check_address(address, host)
    return addresses


class _CheckedBackend(SyncBackend):
    """httpcore's socket backend, connecting only to addresses the policy allows."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        error: Exception | None = None
        for address in resolve(host, port):
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise httpcore.ConnectError(f"could not connect to {host}: {error}")


def transport(limits: httpx.Limits | None = None) -> httpx.HTTPTransport:
    """An httpx transport whose every connection passes the egress policy."""
    limits = limits or httpx.Limits()
    result = httpx.HTTPTransport(trust_env=False, limits=limits)
    # httpx builds its pool without a backend parameter; the same pool with ours instead.
    result._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_CheckedBackend(),
    )
    return result


def client(
    *,
    timeout: float | httpx.Timeout = 10.0,
    follow_redirects: bool = False,
    max_redirects: int = 5,
    limits: httpx.Limits | None = None,
) -> httpx.Client:
    """An httpx client for requests to user-given addresses. No proxy from the environment:
    a proxy would make the connection, and the policy would check the proxy instead."""
    return httpx.Client(
        transport=transport(limits),
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        trust_env=False,
    )


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _allowed_by_admin(address: IPAddress, host: str) -> bool:
    allowed = get_settings().egress_allow
    if not allowed:
        return False
    name = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if name == entry or (entry.startswith("*.") and name.endswith(entry[1:])):
                return True
        else:
            if address.version == network.version and address in network:
                return True
    return False
