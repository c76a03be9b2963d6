from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from support.api import login, make_user


@pytest.fixture
def new_client(migrated: str) -> Iterator[Callable[[], TestClient]]:
    """Make independent browser-like clients (each with its own cookie jar)."""
    from prefhub.app import create_app

    app = create_app()
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def as_user(new_client, db, unique) -> Callable[..., TestClient]:  # type: ignore[no-untyped-def]
    """``as_user("researcher")`` → a logged-in client for a new user with that role."""
    counter = iter(range(1000))

    def make(role: str = "annotator", name: str | None = None) -> TestClient:
        email = f"{name or role}-{unique}-{next(counter)}@example.org"
        client = new_client()
        client.user_id = make_user(db, email, role)  # type: ignore[attr-defined]
        client.email = email  # type: ignore[attr-defined]
        login(client, email)
        return client

    return make
