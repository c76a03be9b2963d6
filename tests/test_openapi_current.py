"""The committed OpenAPI schema (source of the frontend's types) matches the API."""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA = Path(__file__).resolve().parents[1] / "backend" / "openapi.json"


def test_committed_openapi_schema_is_current():
    from prefhub.app import create_app

    current = json.loads(json.dumps(create_app().openapi(), sort_keys=True))
    assert json.loads(SCHEMA.read_text()) == current, "run `make api-types` and commit"


def test_every_error_a_route_declares_uses_the_stable_error_shape(migrated):
    from fastapi.testclient import TestClient

    from prefhub.app import create_app

    client = TestClient(create_app())
    for method, path in [
        ("get", "/api/nope"),
        ("post", "/api/auth/login"),
        ("get", "/api/auth/me"),
        ("delete", "/api/health"),
    ]:
        response = getattr(client, method)(path)
        assert 400 <= response.status_code < 500, (method, path)
        error = response.json()["error"]
        assert error["code"] and error["message"], (method, path)
