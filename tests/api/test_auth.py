from __future__ import annotations

from sqlalchemy import select

from support.api import PASSWORD, make_user


def test_login_sets_http_only_session_cookie_and_readable_csrf_cookie(new_client, db, unique):
    email = f"ann-{unique}@example.org"
    make_user(db, email)
    client = new_client()
    response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["user"]["email"] == email
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("prefhub_session="))
    csrf_cookie = next(c for c in cookies if c.startswith("prefhub_csrf="))
    assert "HttpOnly" in session_cookie
    assert "HttpOnly" not in csrf_cookie
    assert client.get("/api/auth/me").json()["email"] == email


def test_wrong_password_and_unknown_user_get_the_same_401(new_client, db, unique):
    email = f"ann-{unique}@example.org"
    make_user(db, email)
    client = new_client()
    wrong = client.post("/api/auth/login", json={"email": email, "password": "nope"})
    unknown = client.post("/api/auth/login", json={"email": f"x{email}", "password": "nope"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"
    assert "prefhub_session" not in client.cookies


def test_passwords_are_stored_as_argon2_hashes(db, unique, migrated):
    from prefhub.models import User

    user_id = make_user(db, f"hash-{unique}@example.org")
    with db() as session:
        stored = session.get(User, user_id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_anonymous_requests_are_refused_with_a_stable_code(new_client):
    response = new_client().get("/api/campaigns")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_cookie_authenticated_post_without_csrf_header_is_refused(as_user):
    client = as_user("researcher")
    del client.headers["X-CSRF-Token"]
    response = client.post("/api/campaigns", json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    client.headers["X-CSRF-Token"] = "forged"
    assert client.post("/api/campaigns", json={}).json()["error"]["code"] == "csrf_failed"


def test_logout_ends_the_session(as_user):
    client = as_user()
    cookie = client.cookies["prefhub_session"]
    assert client.post("/api/auth/logout").status_code == 204
    client.cookies.set("prefhub_session", cookie)
    assert client.get("/api/auth/me").status_code == 401


def test_api_token_authenticates_scripts_without_csrf_and_is_stored_hashed(as_user, new_client, db):
    from prefhub.models import ApiToken

    researcher = as_user("researcher")
    created = researcher.post("/api/auth/tokens", json={"name": "notebook"})
    assert created.status_code == 201
    token = created.json()["token"]
    script = new_client()
    script.headers["Authorization"] = f"Bearer {token}"
    assert script.get("/api/auth/me").json()["role"] == "researcher"
    # No cookie, no CSRF header: a bearer token is enough for writes.
    spec = {
        "name": "Scripted",
        "slug": f"scripted-{researcher.user_id}",
        "questions": [{"kind": "pairwise"}],
    }
    assert script.post("/api/campaigns", json=spec).status_code == 201
    with db() as session:
        hashes = list(session.scalars(select(ApiToken.token_hash)))
    assert token not in hashes
    # Revoked tokens stop working.
    token_id = created.json()["id"]
    assert researcher.delete(f"/api/auth/tokens/{token_id}").status_code == 204
    assert script.get("/api/auth/me").status_code == 401


def test_annotators_cannot_create_tokens_campaigns_or_users(as_user):
    annotator = as_user("annotator")
    assert annotator.post("/api/auth/tokens", json={"name": "x"}).status_code == 403
    assert annotator.get("/api/campaigns").json()["error"]["code"] == "forbidden"
    user = {"email": "new@example.org", "password": "lamp-orbit-cactus-velvet"}
    assert annotator.post("/api/users", json=user).status_code == 403


def test_admin_creates_users_and_duplicates_conflict(as_user, unique):
    admin = as_user("admin")
    body = {
        "email": f"made-{unique}@example.org",
        "password": "lamp-orbit-cactus-velvet",
        "role": "researcher",
    }
    assert admin.post("/api/users", json=body).status_code == 201
    again = admin.post("/api/users", json=body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "user_exists"


def test_secret_key_left_at_default_is_refused_outside_development():
    import pytest
    from pydantic import ValidationError

    from prefhub.settings import DEV_SECRET_KEY, Settings

    with pytest.raises(ValidationError, match="PREFHUB_SECRET_KEY"):
        Settings(environment="production", secret_key=DEV_SECRET_KEY)
    assert Settings(environment="development", secret_key=DEV_SECRET_KEY).secret_key
