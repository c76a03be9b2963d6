"""The task loop reads its caller as plain columns (``auth.service.LoopCaller``), not ORM
entities; the refusals and the token's bookkeeping stay those of every other route."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from support.api import create_campaign_with_items


def _token_last_used(db, token_id: int):  # type: ignore[no-untyped-def]
    from prefhub.models import ApiToken

    with db() as session:
        return session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


def test_loop_token_use_is_written_once_a_minute_and_refused_once_revoked(as_user, db, unique):
    from prefhub.models import ApiToken

    researcher = as_user("researcher")
    slug = f"loop-token-{unique}"
    create_campaign_with_items(researcher, slug, n_items=3)
    created = researcher.post("/api/auth/tokens", json={"name": "loop"}).json()
    bearer = {"Authorization": f"Bearer {created['token']}"}
    token_id = created["id"]
    assert _token_last_used(db, token_id) is None

    assert researcher.get(f"/api/annotate/{slug}/next", headers=bearer).status_code == 200
    first = _token_last_used(db, token_id)
    assert first is not None
    assert researcher.get(f"/api/annotate/{slug}/next", headers=bearer).status_code == 200
    assert _token_last_used(db, token_id) == first  # within the minute: no write

    with db() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(last_used_at=first - timedelta(minutes=2))
        )
    assert researcher.get(f"/api/annotate/{slug}/next", headers=bearer).status_code == 200
    assert _token_last_used(db, token_id) > first - timedelta(minutes=2)

    assert researcher.delete(f"/api/auth/tokens/{token_id}").status_code == 204
    refused = researcher.get(f"/api/annotate/{slug}/next", headers=bearer)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"


def test_loop_refuses_an_expired_session_and_a_disabled_account(as_user, db, unique):
    from prefhub.kit.time import utcnow
    from prefhub.models import User, UserSession

    researcher = as_user("researcher")
    slug = f"loop-expiry-{unique}"
    create_campaign_with_items(researcher, slug, n_items=3)
    expiring, disabled = as_user(), as_user()
    for annotator in (expiring, disabled):
        assert annotator.get(f"/api/annotate/{slug}/next").status_code == 200

    with db() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.user_id == expiring.user_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        # Directly, as another API process would leave it (the sessions stay).
        session.execute(update(User).where(User.id == disabled.user_id).values(is_active=False))

    for annotator in (expiring, disabled):
        for refused in (
            annotator.get(f"/api/annotate/{slug}/next"),
            annotator.post(
                f"/api/annotate/{slug}/submit",
                json={"assignment_id": 1, "client_id": f"c-{unique}", "answers": {}, "next": True},
            ),
        ):
            assert refused.status_code == 401, refused.text
            assert refused.json()["error"]["code"] == "not_authenticated"
