"""Model API keys: named secrets an admin configured, each sent only to the hosts it is
bound to.

A researcher's model names a secret (``OPENAI``); the key is read from
``PREFHUB_MODEL_KEY_OPENAI`` only if ``PREFHUB_MODEL_SECRET_HOSTS`` lists that name, and only
for a request to one of its hosts. No other variable is ever read for a model, so a model
cannot make the server send ``PREFHUB_SECRET_KEY`` or a cloud credential anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

from prefhub.generation.exceptions import ModelSecretRefused, PermanentModelError
from prefhub.settings import get_settings

ENV_PREFIX = "PREFHUB_MODEL_KEY_"
NAME_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"


@dataclass(frozen=True)
class SecretInfo:
    name: str
    hosts: list[str]
    # Whether this process has the key (the API may lack it where only workers hold keys).
    available: bool


def configured() -> list[SecretInfo]:
    """The secrets models may name, without their values."""
    hosts = get_settings().model_secret_hosts
    return [SecretInfo(n, hosts[n], bool(os.environ.get(ENV_PREFIX + n))) for n in sorted(hosts)]


def check_use(name: str, base_url: str) -> None:
    """Refuse a model naming a secret the admin did not configure for the URL's host."""
    hosts = get_settings().model_secret_hosts.get(name)
    if hosts is None:
        raise ModelSecretRefused(
            f"No model secret named '{name}'; an admin configures them "
            f"({ENV_PREFIX}<NAME> and PREFHUB_MODEL_SECRET_HOSTS)",
            details=[{"field": "api_key_secret", "message": "not a configured secret"}],
        )
    if not _host_matches(base_url, hosts):
        raise ModelSecretRefused(
            f"The secret '{name}' may be sent only to {', '.join(hosts)}",
            details=[{"field": "api_key_secret", "message": "not configured for this host"}],
        )


def authorization(name: str | None, url: str) -> dict[str, str]:
    """The header carrying the key of secret ``name`` for a request to ``url``, checked
    again at the moment of sending (the settings may have changed since registration)."""
    if not name:
        return {}
    hosts = get_settings().model_secret_hosts.get(name)
    if hosts is None or not _host_matches(url, hosts):
        raise PermanentModelError(
            f"the secret '{name}' is not configured for this endpoint's host in this process"
        )
    key = os.environ.get(ENV_PREFIX + name)
    if not key:
        raise PermanentModelError(f"the secret '{name}' ({ENV_PREFIX}{name}) is not set here")
    return {"Authorization": f"Bearer {key}"}


def _host_matches(url: str, hosts: list[str]) -> bool:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return False
    host = (parsed.host or "").lower()
    with_port = f"{host}:{parsed.port}" if parsed.port is not None else host
    return host in hosts or with_port in hosts
