from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from support.api import PASSWORD, login, make_user

NEW_PASSWORD = "lamp-orbit-cactus-velvet"


@pytest.mark.parametrize("password", ["a", "password1234", "123456789012"])
def test_users_create_refuses_a_weak_password(cli, unique, db, password):
    from prefhub.models import User

    email = f"weak-cli-{unique}@example.org"
    result = cli("users", "create", email, "--password", password)
    assert result.exit_code == 1
    assert "error:" in result.output
    with db() as session:
        assert session.scalar(select(User.id).where(User.email == email)) is None


def test_users_reset_password_prints_a_link_that_sets_a_new_password(cli, unique, db, new_client):
    email = f"reset-cli-{unique}@example.org"
    make_user(db, email)
    session_before = new_client()
    login(session_before, email)
    result = cli("users", "reset-password", email, "--base-url", "https://prefhub.example/")
    assert result.exit_code == 0, result.output
    match = re.search(r"https://prefhub\.example/reset-password#token=(\S+)", result.output)
    assert match, result.output
    used = new_client().post(
        "/api/auth/password-reset", json={"token": match[1], "new_password": NEW_PASSWORD}
    )
    assert used.status_code == 204, used.text
    assert session_before.get("/api/auth/me").status_code == 401
    login(new_client(), email, NEW_PASSWORD)


def test_users_deactivate_activate_and_end_sessions(cli, unique, db, new_client):
    email = f"deact-cli-{unique}@example.org"
    make_user(db, email)
    browser = new_client()
    login(browser, email)

    ended = cli("users", "end-sessions", email)
    assert ended.exit_code == 0 and "ended 1 sessions" in ended.output
    assert browser.get("/api/auth/me").status_code == 401

    login(browser, email)
    assert cli("users", "deactivate", email).exit_code == 0
    assert browser.get("/api/auth/me").status_code == 401
    body = {"email": email, "password": PASSWORD}
    assert new_client().post("/api/auth/login", json=body).status_code == 401

    assert cli("users", "activate", email).exit_code == 0
    login(new_client(), email)


def test_account_commands_name_an_unknown_e_mail(cli, unique):
    for command in ("reset-password", "deactivate", "activate", "end-sessions"):
        result = cli("users", command, f"nobody-{unique}@example.org")
        assert result.exit_code == 1
        assert f"nobody-{unique}@example.org" in result.output


def test_users_set_role(cli, unique, db):
    from prefhub.models import Role, User

    email = f"role-cli-{unique}@example.org"
    user_id = make_user(db, email)
    result = cli("users", "set-role", email, "researcher")
    assert result.exit_code == 0, result.output
    assert "is now researcher" in result.output
    with db() as session:
        assert session.get(User, user_id).role == Role.researcher  # type: ignore[union-attr]
    unknown = cli("users", "set-role", email, "boss")
    assert unknown.exit_code == 1 and "unknown role" in unknown.output
