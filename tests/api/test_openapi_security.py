"""The OpenAPI declares how to authenticate: the session cookie and API bearer tokens, on every
route that needs a user and on no other, so /docs' "Authorize" works; declaring them changes no
answer (a bearer token needs no CSRF header, a cookie write still does)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support.api import login, make_user

# The routes anyone may call (and the matrix test pins as such).
PUBLIC = {
    "GET /api/health",
    "POST /api/auth/login",
    "POST /api/auth/logout",
    "POST /api/auth/password-reset",
    "POST /api/crowd/{slug}/enter",
}


def test_the_schema_declares_the_cookie_and_bearer_schemes_on_every_authenticated_route():
    from prefhub.app import create_app

    schema = create_app().openapi()
    schemes = schema["components"]["securitySchemes"]
    assert {
        name: {k: v for k, v in s.items() if k != "description"} for name, s in schemes.items()
    } == {
        "session": {"type": "apiKey", "in": "cookie", "name": "prefhub_session"},
        "api_token": {"type": "http", "scheme": "bearer"},
        # A feedback source's write-only key: its ingestion route only.
        "ingest_key": {"type": "http", "scheme": "bearer"},
    }
    unsecured = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/api/ingest/"):
                assert operation["security"] == [{"ingest_key": []}], path
            elif "security" in operation:
                # Either one is enough.
                assert operation["security"] == [{"session": []}, {"api_token": []}], path
            else:
                unsecured.add(f"{method.upper()} {path}")
    assert unsecured == PUBLIC


def test_bearer_writes_need_no_csrf_header_and_cookie_writes_still_do(migrated, db, unique):
    from prefhub.app import create_app

    email = f"res-{unique}@example.org"
    make_user(db, email, "researcher")
    with TestClient(create_app()) as browser, TestClient(create_app()) as script:
        login(browser, email)
        made = browser.post("/api/auth/tokens", json={"name": "script"})
        assert made.status_code == 201, made.text
        del browser.headers["X-CSRF-Token"]
        refused = browser.post("/api/auth/tokens", json={"name": "no csrf"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"

        script.headers["Authorization"] = f"Bearer {made.json()['token']}"
        assert script.get("/api/auth/me").json()["email"] == email
        assert script.post("/api/auth/tokens", json={"name": "from a script"}).status_code == 201
        script.headers["Authorization"] = "Bearer not-a-token"
        assert script.get("/api/auth/me").status_code == 401
