"""Schemathesis against the whole API, in process, with a fixed budget: no request it makes
may get a 5xx, a status code the OpenAPI does not declare, or a body that breaks its schema.

Run twice: as an admin (a bearer token, the widest access), and signed out. The admin's
``{slug}`` is often a campaign of its own with items, so requests reach past the 404s.
The run changes only what it creates, or what earlier tests left behind: every other test
arranges its own data. Its requests come from their own client address, so the failed logins
it makes lock out no other test's (login throttling counts per address). The jobs it starts
(exports, imports, generation, media fetches) only queue: no worker runs in this process.
No operation is left out.
"""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from prefhub.app import create_app
from support.api import create_campaign_with_items, make_user

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
SLUG = f"st-{uuid.uuid4().hex[:8]}"
BUDGET = {
    "seed": 13,
    # A CI-sized budget; raise PREFHUB_SCHEMATHESIS_EXAMPLES for a deeper run by hand.
    "generation": {
        "max-examples": int(os.environ.get("PREFHUB_SCHEMATHESIS_EXAMPLES", "12")),
        "deterministic": True,
    },
    "phases": {"stateful": {"enabled": False}},
}
ADMIN_CONFIG = schemathesis.Config.from_dict(
    {
        **BUDGET,
        "dictionaries": {"own_campaign": {"values": [SLUG]}},
        "parameters": {"path.slug": {"dictionary": "own_campaign", "probability": 0.7}},
    }
)
ANONYMOUS_CONFIG = schemathesis.Config.from_dict(BUDGET)


class OwnAddress:
    """The app, seeing every request as coming from one address of the run's own."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            scope = {**scope, "client": ("198.51.100.13", 50000)}
        await self.app(scope, receive, send)


APP = create_app()
admin_schema = schemathesis.openapi.from_asgi("/openapi.json", OwnAddress(APP), config=ADMIN_CONFIG)
anonymous_schema = schemathesis.openapi.from_asgi(
    "/openapi.json", OwnAddress(APP), config=ANONYMOUS_CONFIG
)


class AdminToken:
    """A bearer token for a new admin, minted again if the run revokes it (it may revoke any
    of its own tokens by id)."""

    def __init__(self, db) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self.user_id = make_user(db, f"schemathesis-{uuid.uuid4().hex[:8]}@example.org", "admin")
        self.headers: dict[str, str] = {}
        self.mint()
        with TestClient(APP, headers=self.headers) as client:
            create_campaign_with_items(client, SLUG, n_items=3)

    def mint(self) -> None:
        from prefhub.auth.service import create_api_token
        from prefhub.models import User

        with self.db() as session:
            _, token = create_api_token(session, session.get_one(User, self.user_id), "run")
        self.headers = {"Authorization": f"Bearer {token}"}

    def ensure_valid(self) -> None:
        with TestClient(APP, headers=self.headers) as client:
            if client.get("/api/auth/me").status_code == 401:
                self.mint()


@pytest.fixture(scope="module")
def admin(migrated):  # type: ignore[no-untyped-def]
    from prefhub.kit.db import unit_of_work

    return AdminToken(unit_of_work)


@admin_schema.parametrize()
def test_api_as_admin(case, admin):  # type: ignore[no-untyped-def]
    try:
        case.call_and_validate(headers=admin.headers, checks=CHECKS)
    finally:
        if case.method == "DELETE" and case.path == "/api/auth/tokens/{token_id}":
            admin.ensure_valid()


@anonymous_schema.parametrize()
def test_api_signed_out(case, migrated):  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=CHECKS)
