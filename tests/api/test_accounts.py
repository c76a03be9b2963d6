"""Accounts: the password policy, changing and resetting passwords, deactivation, ending
sessions, and login throttling shared by every API process through the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from support.api import PASSWORD, login, make_user

NEW_PASSWORD = "lamp-orbit-cactus-velvet"
OTHER_PASSWORD = "horse-staple-river-42"
WINDOW = 15 * 60  # the default PREFHUB_LOGIN_FAILURE_WINDOW_SECONDS


@pytest.fixture
def client_at(migrated):
    """``client_at(address, app=None)``: a browser at that client address. Throttling counts
    failures per address, so these tests use addresses of their own and never lock out the
    ``testclient`` address every other test logs in from."""
    from prefhub.app import create_app

    apps: dict[str, FastAPI] = {}
    clients: list[TestClient] = []

    def make(address: str, app: str = "default") -> TestClient:
        if app not in apps:
            apps[app] = create_app()
        client = TestClient(apps[app], raise_server_exceptions=False, client=(address, 50000))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def address(unique) -> str:
    return f"2001:db8:{unique[:4]}:{unique[4:]}::1"


def _elsewhere(address: str, n: int = 2) -> str:
    return address.replace("::1", f"::{n}")


def _login(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/auth/login", json={"email": email, "password": password})


def _logged_in(client_at, address: str, email: str, password: str = PASSWORD) -> TestClient:
    client = client_at(address)
    login(client, email, password)
    return client


# ---------------------------------------------------------------- password policy


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Xq7#pLm2v!", "short"),
        ("password1234", "common"),
        ("123456789012", "common"),
        ("qwertyuiopasdf", "guessable"),
        ("aaaaaaaaaaaaaaaa", "guessable"),
    ],
)
def test_admin_cannot_create_an_account_with_a_weak_password(as_user, unique, password, why):
    admin = as_user("admin")
    email = f"weak-{why}-{unique}@example.org"
    response = admin.post("/api/users", json={"email": email, "password": password})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "weak_password"
    assert error["message"]
    # Nothing was created: the same e-mail with a strong password is free.
    strong = admin.post("/api/users", json={"email": email, "password": NEW_PASSWORD})
    assert strong.status_code == 201, strong.text


def test_password_made_of_the_persons_own_name_is_refused_for_them_only(as_user, unique):
    admin = as_user("admin")
    password = "quintaviusbrandolph"
    own = admin.post(
        "/api/users",
        json={
            "email": f"quintavius.brandolph-{unique}@example.org",
            "display_name": "Quintavius Brandolph",
            "password": password,
        },
    )
    assert own.status_code == 422
    assert own.json()["error"]["code"] == "weak_password"
    someone_else = admin.post(
        "/api/users", json={"email": f"someone-{unique}@example.org", "password": password}
    )
    assert someone_else.status_code == 201, someone_else.text


def test_account_created_with_a_strong_password_can_log_in(as_user, new_client, unique):
    admin = as_user("admin")
    email = f"strong-{unique}@example.org"
    assert (
        admin.post("/api/users", json={"email": email, "password": NEW_PASSWORD}).status_code == 201
    )
    assert _login(new_client(), email, NEW_PASSWORD).status_code == 200


# ---------------------------------------------------------------- changing one's password


def test_changing_the_password_ends_other_sessions_but_not_this_one(as_user, new_client):
    here = as_user()
    elsewhere = new_client()
    login(elsewhere, here.email)
    response = here.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204, response.text
    assert here.get("/api/auth/me").status_code == 200
    assert elsewhere.get("/api/auth/me").status_code == 401
    assert _login(new_client(), here.email, PASSWORD).status_code == 401
    assert _login(new_client(), here.email, NEW_PASSWORD).status_code == 200


def test_changing_the_password_needs_the_current_one_and_a_strong_new_one(as_user, new_client):
    client = as_user()
    wrong = client.post(
        "/api/auth/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "wrong_password"
    weak = client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "password1234"}
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["code"] == "weak_password"
    # Neither changed anything.
    assert _login(new_client(), client.email, PASSWORD).status_code == 200


def test_api_token_scripts_can_change_the_password_and_every_session_ends(as_user, new_client):
    researcher = as_user("researcher")
    token = researcher.post("/api/auth/tokens", json={"name": "script"}).json()["token"]
    script = new_client()
    script.headers["Authorization"] = f"Bearer {token}"
    response = script.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204, response.text
    assert researcher.get("/api/auth/me").status_code == 401
    assert script.get("/api/auth/me").status_code == 200


# ---------------------------------------------------------------- ending sessions


def test_signing_out_other_sessions_keeps_this_one(as_user, new_client):
    here = as_user()
    others = [new_client(), new_client()]
    for other in others:
        login(other, here.email)
    response = here.post("/api/auth/sessions/end-others")
    assert response.status_code == 200
    assert response.json() == {"ended": 2}
    assert here.get("/api/auth/me").status_code == 200
    assert [o.get("/api/auth/me").status_code for o in others] == [401, 401]


def test_admin_ends_every_session_of_a_user(as_user, new_client):
    admin = as_user("admin")
    annotator = as_user()
    second = new_client()
    login(second, annotator.email)
    response = admin.post(f"/api/users/{annotator.user_id}/sessions/end")
    assert response.status_code == 200
    assert response.json() == {"ended": 2}
    assert annotator.get("/api/auth/me").status_code == 401
    assert second.get("/api/auth/me").status_code == 401
    assert admin.get("/api/auth/me").status_code == 200
    # They can log in again: ending sessions is not deactivation.
    assert _login(new_client(), annotator.email, PASSWORD).status_code == 200


# ---------------------------------------------------------------- password reset


def test_reset_link_sets_a_new_password_once_and_ends_every_session(as_user, new_client, db):
    from prefhub.models import PasswordReset

    admin = as_user("admin")
    annotator = as_user()
    issued = admin.post(f"/api/users/{annotator.user_id}/password-reset")
    assert issued.status_code == 201, issued.text
    body = issued.json()
    token = body["token"]
    assert body["link"] == f"/reset-password#token={token}"
    with db() as session:
        stored = session.scalars(
            select(PasswordReset.token_hash).where(PasswordReset.user_id == annotator.user_id)
        ).all()
    assert len(stored) == 1 and token not in stored[0]

    anonymous = new_client()
    used = anonymous.post(
        "/api/auth/password-reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert used.status_code == 204, used.text
    assert annotator.get("/api/auth/me").status_code == 401
    assert _login(new_client(), annotator.email, PASSWORD).status_code == 401
    assert _login(new_client(), annotator.email, NEW_PASSWORD).status_code == 200

    again = anonymous.post(
        "/api/auth/password-reset", json={"token": token, "new_password": OTHER_PASSWORD}
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_reset_token"
    unknown = anonymous.post(
        "/api/auth/password-reset", json={"token": "x" * 43, "new_password": OTHER_PASSWORD}
    )
    assert unknown.json()["error"]["code"] == "invalid_reset_token"
    assert _login(new_client(), annotator.email, OTHER_PASSWORD).status_code == 401


def test_expired_reset_link_is_refused(as_user, new_client, db):
    from prefhub.kit.time import utcnow
    from prefhub.models import PasswordReset

    admin = as_user("admin")
    annotator = as_user()
    token = admin.post(f"/api/users/{annotator.user_id}/password-reset").json()["token"]
    with db() as session:
        row = session.scalar(
            select(PasswordReset).where(PasswordReset.user_id == annotator.user_id)
        )
        row.expires_at = utcnow() - timedelta(seconds=1)
    response = new_client().post(
        "/api/auth/password-reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_reset_token"
    assert annotator.get("/api/auth/me").status_code == 200


def test_weak_password_does_not_use_up_the_reset_link(as_user, new_client):
    admin = as_user("admin")
    annotator = as_user()
    token = admin.post(f"/api/users/{annotator.user_id}/password-reset").json()["token"]
    anonymous = new_client()
    weak = anonymous.post(
        "/api/auth/password-reset", json={"token": token, "new_password": "123456789012"}
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["code"] == "weak_password"
    strong = anonymous.post(
        "/api/auth/password-reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert strong.status_code == 204


def test_a_new_reset_link_replaces_the_previous_one(as_user, new_client):
    admin = as_user("admin")
    annotator = as_user()
    first = admin.post(f"/api/users/{annotator.user_id}/password-reset").json()["token"]
    second = admin.post(f"/api/users/{annotator.user_id}/password-reset").json()["token"]
    anonymous = new_client()
    old = anonymous.post(
        "/api/auth/password-reset", json={"token": first, "new_password": NEW_PASSWORD}
    )
    assert old.json()["error"]["code"] == "invalid_reset_token"
    new = anonymous.post(
        "/api/auth/password-reset", json={"token": second, "new_password": NEW_PASSWORD}
    )
    assert new.status_code == 204


# ---------------------------------------------------------------- deactivation


def test_deactivated_user_cannot_log_in_and_their_sessions_and_tokens_stop(as_user, new_client):
    admin = as_user("admin")
    researcher = as_user("researcher")
    token = researcher.post("/api/auth/tokens", json={"name": "nb"}).json()["token"]
    script = new_client()
    script.headers["Authorization"] = f"Bearer {token}"
    assert script.get("/api/auth/me").status_code == 200

    response = admin.post(f"/api/users/{researcher.user_id}/deactivate")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert researcher.get("/api/auth/me").status_code == 401
    assert script.get("/api/auth/me").status_code == 401
    refused = _login(new_client(), researcher.email, PASSWORD)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_credentials"

    # Reactivated: they log in again, and the token (never revoked) works again.
    assert admin.post(f"/api/users/{researcher.user_id}/activate").json()["is_active"] is True
    assert _login(new_client(), researcher.email, PASSWORD).status_code == 200
    assert script.get("/api/auth/me").status_code == 200


def test_admin_cannot_deactivate_themselves(as_user):
    admin = as_user("admin")
    response = admin.post(f"/api/users/{admin.user_id}/deactivate")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cannot_deactivate_self"
    assert admin.get("/api/auth/me").status_code == 200


def test_admin_lists_accounts_a_page_at_a_time(as_user, db, unique):
    admin = as_user("admin")
    ids = [make_user(db, f"listed-{unique}-{i}@example.org") for i in range(3)]
    first = admin.get("/api/users", params={"limit": 2}).json()
    assert len(first["users"]) == 2 and first["limit"] == 2 and first["offset"] == 0
    assert first["total"] >= 4
    everyone = admin.get("/api/users", params={"limit": 500}).json()["users"]
    listed = {u["id"]: u for u in everyone}
    assert set(ids) <= set(listed)
    row = listed[ids[0]]
    assert row["email"] == f"listed-{unique}-0@example.org"
    assert row["role"] == "annotator" and row["is_active"] is True and row["created_at"]
    assert "password_hash" not in row
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
        assert admin.get("/api/users", params=bad).status_code == 422


@pytest.mark.parametrize("role", ["annotator", "researcher"])
def test_only_admins_manage_accounts(as_user, role):
    caller = as_user(role)
    target = as_user()
    user_id = target.user_id
    refused = [
        caller.get("/api/users"),
        caller.post(f"/api/users/{user_id}/deactivate"),
        caller.post(f"/api/users/{user_id}/activate"),
        caller.post(f"/api/users/{user_id}/password-reset"),
        caller.post(f"/api/users/{user_id}/sessions/end"),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert {r.json()["error"]["code"] for r in refused} == {"forbidden"}
    assert target.get("/api/auth/me").status_code == 200


def test_unknown_user_is_not_found(as_user):
    admin = as_user("admin")
    response = admin.post("/api/users/999999999/deactivate")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------- login throttling


def test_after_five_failures_even_the_right_password_gets_429(client_at, address, db, unique):
    email = f"locked-{unique}@example.org"
    make_user(db, email)
    client = client_at(address)
    for _ in range(5):
        assert _login(client, email, "wrong password").status_code == 401
    locked = _login(client, email, PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(locked.headers["Retry-After"]) <= WINDOW
    assert "prefhub_session" not in client.cookies
    # The lock is the account's: another address gets it too; another account is fine.
    assert _login(client_at(_elsewhere(address)), email, PASSWORD).status_code == 429
    other = f"free-{unique}@example.org"
    make_user(db, other)
    assert _login(client, other, PASSWORD).status_code == 200


def test_e_mail_is_throttled_whatever_its_case_and_whether_it_exists(client_at, address, unique):
    client = client_at(address)
    for i in range(5):
        email = f"Nobody-{unique}@Example.org" if i % 2 else f"nobody-{unique}@example.org"
        assert _login(client, email, "guess").status_code == 401
    assert _login(client, f"NOBODY-{unique}@example.org", "guess").status_code == 429


def test_a_successful_login_clears_the_accounts_failures(client_at, address, db, unique):
    email = f"clears-{unique}@example.org"
    make_user(db, email)
    client = client_at(address)
    for _ in range(4):
        _login(client, email, "wrong password")
    assert _login(client, email, PASSWORD).status_code == 200
    for _ in range(4):
        assert _login(client, email, "wrong password").status_code == 401
    assert _login(client, email, PASSWORD).status_code == 200


def test_one_address_is_throttled_after_twenty_failures_across_accounts(
    client_at, address, db, unique
):
    email = f"victim-{unique}@example.org"
    make_user(db, email)
    attacker = client_at(address)
    for i in range(20):
        assert _login(attacker, f"guess-{i}-{unique}@example.org", "x").status_code == 401
    locked = _login(attacker, email, PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    # The account itself is not locked: from elsewhere its owner logs in.
    assert _login(client_at(_elsewhere(address)), email, PASSWORD).status_code == 200


def test_throttling_is_shared_by_api_processes(client_at, address, db, unique):
    email = f"shared-{unique}@example.org"
    make_user(db, email)
    first = client_at(address, app="first")
    second = client_at(address, app="second")
    for client in (first, second, first, second, first):
        assert _login(client, email, "wrong password").status_code == 401
    assert _login(second, email, PASSWORD).status_code == 429
    assert _login(first, email, PASSWORD).status_code == 429


def test_failures_older_than_the_window_do_not_count_and_are_pruned(client_at, address, db, unique):
    from prefhub.kit.time import utcnow
    from prefhub.models import LoginFailure

    email = f"old-{unique}@example.org"
    make_user(db, email)
    long_ago = utcnow() - timedelta(seconds=WINDOW + 5)
    with db() as session:
        session.add_all(LoginFailure(key=f"account:{email}", failed_at=long_ago) for _ in range(10))
    client = client_at(address)
    assert _login(client, email, "wrong password").status_code == 401
    with db() as session:
        left = session.scalar(
            select(func.count(LoginFailure.id)).where(LoginFailure.key == f"account:{email}")
        )
    assert left == 1
    assert _login(client, email, PASSWORD).status_code == 200


def test_wrong_current_passwords_count_towards_the_lock(client_at, address, db, unique):
    email = f"change-{unique}@example.org"
    make_user(db, email)
    client = _logged_in(client_at, address, email)
    for _ in range(5):
        response = client.post(
            "/api/auth/password", json={"current_password": "guess", "new_password": NEW_PASSWORD}
        )
        assert response.status_code == 400
    locked = client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert locked.status_code == 429
    assert _login(client_at(_elsewhere(address)), email, PASSWORD).status_code == 429


# ---------------------------------------------------------------- roles


def test_admin_changes_a_role_and_it_takes_effect_at_once(as_user):
    admin = as_user("admin")
    annotator = as_user("annotator")
    assert annotator.get("/api/campaigns").status_code == 403

    response = admin.put(f"/api/users/{annotator.user_id}/role", json={"role": "researcher"})
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "researcher"
    assert annotator.get("/api/auth/me").json()["role"] == "researcher"
    assert annotator.get("/api/campaigns").status_code == 200

    assert (
        admin.put(f"/api/users/{annotator.user_id}/role", json={"role": "boss"}).status_code == 422
    )
    refused = annotator.put(f"/api/users/{annotator.user_id}/role", json={"role": "admin"})
    assert refused.status_code == 403


@pytest.fixture
def only_admin(as_user, db):
    """A logged-in admin who is the only active one: the others are deactivated meanwhile."""
    from sqlalchemy import update

    from prefhub.models import Role, User

    admin = as_user("admin")
    with db() as session:
        others = list(
            session.scalars(
                select(User.id).where(
                    User.role == Role.admin, User.is_active.is_(True), User.id != admin.user_id
                )
            )
        )
        session.execute(update(User).where(User.id.in_(others)).values(is_active=False))
    yield admin
    with db() as session:
        session.execute(update(User).where(User.id.in_(others)).values(is_active=True))


def test_the_last_active_admin_cannot_be_demoted(only_admin, as_user):
    response = only_admin.put(f"/api/users/{only_admin.user_id}/role", json={"role": "annotator"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_admin"
    assert only_admin.get("/api/auth/me").json()["role"] == "admin"

    # With a second admin, the first may step down.
    second = as_user("researcher")
    only_admin.put(f"/api/users/{second.user_id}/role", json={"role": "admin"})
    stepped_down = only_admin.put(
        f"/api/users/{only_admin.user_id}/role", json={"role": "researcher"}
    )
    assert stepped_down.status_code == 200
    assert second.get("/api/users").status_code == 200
