"""In-situ ingestion over HTTP (issue 19): sources, write-only keys, idempotent batches with
per-event errors, redaction and pseudonyms before storage, size and rate limits, erasure and
retention."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prefhub.insitu.derivation import derive_pending
from prefhub.insitu.erasure import enforce_retention
from prefhub.insitu.events import MAX_EVENTS_PER_BATCH
from prefhub.kit.time import utcnow
from prefhub.models import (
    FeedbackSource,
    InsituConversation,
    InsituDerived,
    InsituEvent,
)
from support.insitu import conversation_event as _conversation
from support.insitu import thumbs_event as _thumbs


def _source(client: TestClient, slug: str, **extra: Any) -> str:
    response = client.post(
        "/api/feedback-sources",
        json={"slug": slug, "name": f"Chat {slug}", "consent_basis": "Opt-in in settings", **extra},
    )
    assert response.status_code == 201, response.text
    key = client.post(f"/api/feedback-sources/{slug}/keys", json={"name": "prod"})
    assert key.status_code == 201, key.text
    assert key.json()["key"].startswith("phi_")
    return str(key.json()["key"])


def _post(client: TestClient, slug: str, key: str, body: bytes | list[Any], **headers: str) -> Any:
    content = json.dumps(body).encode() if isinstance(body, list) else body
    return client.post(
        f"/api/ingest/{slug}/events",
        content=content,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **headers},
    )


@pytest.fixture
def researcher(as_user: Callable[..., TestClient]) -> TestClient:
    return as_user("researcher")


def test_resent_batch_stores_nothing_twice(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str, db: Any
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    product = new_client()
    batch = [_conversation("c1"), _thumbs("c1"), _conversation("c2")]
    first = _post(product, slug, key, batch)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 3, "duplicate": 0, "rejected": 0, "errors": []}
    again = _post(product, slug, key, [*batch, _thumbs("c2", "down")])
    assert again.json() == {"accepted": 1, "duplicate": 3, "rejected": 0, "errors": []}
    with db() as session:
        source_id = session.scalar(select(FeedbackSource.id).where(FeedbackSource.slug == slug))
        stored = session.scalars(
            select(InsituEvent.event_id).where(InsituEvent.source_id == source_id)
        ).all()
    assert sorted(stored) == ["c1-c", "c1-t", "c2-c", "c2-t"]
    listed = researcher.get(f"/api/feedback-sources/{slug}").json()
    assert (listed["conversations"], listed["events"]) == (2, 4)


def test_mixed_batch_keeps_the_good_events_and_says_why_each_bad_one_failed(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    bad_rating = {**_thumbs("c1"), "type": "rating", "event_id": "r1", "value": 9}
    unknown = {"type": "telepathy", "event_id": "x1", "conversation_id": "c1"}
    lines = [
        json.dumps(_conversation("c1")),
        "{not json",
        json.dumps(bad_rating),
        "",
        json.dumps(unknown),
        json.dumps(_thumbs("c1")),
    ]
    response = _post(
        new_client(),
        slug,
        key,
        "\n".join(lines).encode(),
        **{"Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["accepted"], result["duplicate"], result["rejected"]) == (2, 0, 3)
    by_index = {error["index"]: error for error in result["errors"]}
    assert by_index[1]["code"] == "invalid_json"
    assert by_index[2] == {
        "index": 2,
        "event_id": "r1",
        "code": "invalid_event",
        "field": "value",
        "message": by_index[2]["message"],
    }
    assert by_index[4]["code"] == "unknown_type" and by_index[4]["event_id"] == "x1"


def test_text_is_redacted_and_the_user_kept_only_as_a_pseudonym(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str, db: Any
) -> None:
    slug = f"chat-{unique}"
    key = _source(
        researcher,
        slug,
        redaction={"custom_patterns": [{"label": "TICKET", "pattern": r"TCK-\d{6}"}]},
    )
    conversation = _conversation("c1", user="alice@example.com")
    conversation["messages"][0]["content"] = (
        "Mail me at alice.smith@example.com or call +44 20 7946 0958 about TCK-123456"
    )
    conversation["parameters"] = {"system": "Customer card 4111 1111 1111 1111"}
    comment = {
        "type": "comment",
        "event_id": "c1-comment",
        "conversation_id": "c1",
        "user_id": "alice@example.com",
        "message_id": "c1-a1",
        "text": "from 192.168.13.7, see https://bob:hunter2@example.net/x",
    }
    assert _post(new_client(), slug, key, [conversation, comment]).json()["accepted"] == 2
    with db() as session:
        rows = session.execute(
            select(InsituEvent.payload, InsituEvent.user_pseudonym, InsituEvent.redactions)
            .join(FeedbackSource, FeedbackSource.id == InsituEvent.source_id)
            .where(FeedbackSource.slug == slug)
            .order_by(InsituEvent.event_id)
        ).all()
    stored = json.dumps([row.payload for row in rows])
    for secret in ("alice", "7946", "123456", "4111", "192.168", "hunter2"):
        assert secret not in stored
    for placeholder in ("[EMAIL]", "[PHONE]", "[TICKET]", "[CARD]", "[IP]", "[CREDENTIALS]"):
        assert placeholder in stored
    pseudonyms = {row.user_pseudonym for row in rows}
    assert len(pseudonyms) == 1 and next(iter(pseudonyms)).startswith("usr-")
    assert "user_id" not in rows[0].payload
    assert rows[0].redactions == {"email": 1, "phone": 1, "TICKET": 1, "payment_card": 1}


def test_the_same_user_has_unrelated_pseudonyms_in_two_sources(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str, db: Any
) -> None:
    product = new_client()
    for name in ("a", "b"):
        key = _source(researcher, f"{name}-{unique}")
        _post(product, f"{name}-{unique}", key, [_conversation("c1", user="u-42")])
    with db() as session:
        pseudonyms = session.scalars(
            select(InsituEvent.user_pseudonym)
            .join(FeedbackSource, FeedbackSource.id == InsituEvent.source_id)
            .where(FeedbackSource.slug.in_([f"a-{unique}", f"b-{unique}"]))
        ).all()
    assert len(set(pseudonyms)) == 2


def test_gzip_batches_are_inflated_and_bombs_refused(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    product = new_client()
    packed = gzip.compress(json.dumps([_conversation("c1"), _thumbs("c1")]).encode())
    response = _post(product, slug, key, packed, **{"Content-Encoding": "gzip"})
    assert response.json()["accepted"] == 2, response.text
    from prefhub.settings import get_settings

    bomb = gzip.compress(b"[" + b" " * (get_settings().ingest_max_bytes + 10) + b"]")
    refused = _post(product, slug, key, bomb, **{"Content-Encoding": "gzip"})
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "batch_too_large"
    broken = _post(product, slug, key, b"not gzip at all", **{"Content-Encoding": "gzip"})
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_batch"
    brotli = _post(product, slug, key, b"[]", **{"Content-Encoding": "br"})
    assert brotli.status_code == 415


def test_batches_over_the_limits_are_refused_whole(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    product = new_client()
    many = [_thumbs(f"c{i}") for i in range(MAX_EVENTS_PER_BATCH + 1)]
    response = _post(product, slug, key, many)
    assert response.status_code == 413 and response.json()["error"]["code"] == "batch_too_large"
    assert _post(product, slug, key, b'{"an": "object"}').json()["error"]["code"] == (
        "invalid_batch"
    )
    text = _post(product, slug, key, b"[]", **{"Content-Type": "text/plain"})
    assert text.status_code == 415
    detail = researcher.get(f"/api/feedback-sources/{slug}").json()
    assert detail["events"] == 0


def test_the_key_writes_to_its_source_only_and_reads_nothing(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    _source(researcher, f"other-{unique}")
    product = new_client()
    product.headers["Authorization"] = f"Bearer {key}"
    for path in (
        "/api/auth/me",
        "/api/feedback-sources",
        f"/api/feedback-sources/{slug}",
        f"/api/feedback-sources/{slug}/keys",
        "/api/campaigns",
        "/api/annotate/campaigns",
    ):
        response = product.get(path)
        assert response.status_code == 401, (path, response.text)
    erase = product.post(f"/api/feedback-sources/{slug}/erasure", json={"user_id": "u"})
    assert erase.status_code == 401
    elsewhere = _post(product, f"other-{unique}", key, [_conversation("c1")])
    assert elsewhere.status_code == 404
    assert elsewhere.json()["error"]["code"] == "source_not_found"
    nobody = _post(new_client(), slug, "phi_made-up", [_conversation("c1")])
    assert nobody.status_code == 401
    token = researcher.post("/api/auth/tokens", json={"name": "script"}).json()["token"]
    user_token = _post(new_client(), slug, token, [_conversation("c1")])
    assert user_token.status_code == 401


def test_a_revoked_key_stops_at_once(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    key_id = researcher.get(f"/api/feedback-sources/{slug}/keys").json()["keys"][0]["id"]
    assert researcher.delete(f"/api/feedback-sources/{slug}/keys/{key_id}").status_code == 204
    assert _post(new_client(), slug, key, [_conversation("c1")]).status_code == 401
    listed = researcher.get(f"/api/feedback-sources/{slug}/keys").json()["keys"]
    assert listed[0]["revoked_at"] is not None and "key" not in listed[0]


def test_another_researcher_cannot_see_or_change_the_source(
    researcher: TestClient, as_user: Callable[..., TestClient], unique: str
) -> None:
    slug = f"chat-{unique}"
    _source(researcher, slug)
    stranger = as_user("researcher")
    assert stranger.get(f"/api/feedback-sources/{slug}").status_code == 404
    assert stranger.post(f"/api/feedback-sources/{slug}/keys", json={"name": "x"}).status_code == (
        404
    )
    assert slug not in {s["slug"] for s in stranger.get("/api/feedback-sources").json()["sources"]}
    assert as_user("admin").get(f"/api/feedback-sources/{slug}").status_code == 200
    assert as_user("annotator").get("/api/feedback-sources").status_code == 403


def test_a_pattern_that_cannot_run_in_linear_time_is_refused(
    researcher: TestClient, unique: str
) -> None:
    response = researcher.post(
        "/api/feedback-sources",
        json={
            "slug": f"chat-{unique}",
            "name": "x",
            "redaction": {"custom_patterns": [{"label": "BAD", "pattern": r"(a+)+\1"}]},
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_redaction_policy"


def test_rate_limit_per_key_refuses_with_retry_after_and_stores_nothing(
    researcher: TestClient,
    new_client: Callable[[], TestClient],
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefhub.settings import get_settings

    monkeypatch.setattr(get_settings(), "ingest_events_per_minute", 5)
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    second_key = researcher.post(f"/api/feedback-sources/{slug}/keys", json={"name": "b"}).json()
    product = new_client()
    assert _post(product, slug, key, [_conversation(f"c{i}") for i in range(4)]).status_code == 200
    refused = _post(product, slug, key, [_conversation("c8"), _conversation("c9")])
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Each key has its own allowance.
    assert _post(product, slug, second_key["key"], [_conversation("c9")]).status_code == 200
    assert researcher.get(f"/api/feedback-sources/{slug}").json()["events"] == 5


def test_erasure_by_user_id_leaves_no_trace(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str, db: Any
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    product = new_client()
    batch = [
        _conversation("c1", user="u-1"),
        _thumbs("c1"),  # no user_id on it: still the user's conversation
        _conversation("c2", user="u-2"),
        _thumbs("c2"),
    ]
    assert _post(product, slug, key, batch).json()["accepted"] == 4
    with db() as session:
        source_id = session.scalar(select(FeedbackSource.id).where(FeedbackSource.slug == slug))
        derive_pending(session, source_id)
    response = researcher.post(f"/api/feedback-sources/{slug}/erasure", json={"user_id": "u-1"})
    assert response.json() == {
        "conversations": 1,
        "events": 2,
        "derived": 1,
        "verification_items": 0,
    }
    with db() as session:
        left = session.scalars(
            select(InsituConversation.external_id).where(InsituConversation.source_id == source_id)
        ).all()
        events = session.scalars(
            select(InsituEvent.event_id).where(InsituEvent.source_id == source_id)
        ).all()
        derived = session.scalar(
            select(func.count())
            .select_from(InsituDerived)
            .where(InsituDerived.source_id == source_id)
        )
    assert left == ["c2"] and sorted(events) == ["c2-c", "c2-t"] and derived == 1
    again = researcher.post(f"/api/feedback-sources/{slug}/erasure", json={"user_id": "u-1"})
    assert again.json() == {
        "conversations": 0,
        "events": 0,
        "derived": 0,
        "verification_items": 0,
    }


def test_retention_removes_conversations_older_than_the_source_keeps(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str, db: Any
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug, retention_days=30)
    assert (
        _post(new_client(), slug, key, [_conversation("old"), _conversation("new")]).json()[
            "accepted"
        ]
        == 2
    )
    with db() as session:
        source_id = session.scalar(select(FeedbackSource.id).where(FeedbackSource.slug == slug))
        old = session.scalar(
            select(InsituConversation).where(
                InsituConversation.source_id == source_id, InsituConversation.external_id == "old"
            )
        )
        assert old is not None
        old.last_event_at = utcnow() - timedelta(days=31)
    with db() as session:
        assert enforce_retention(session, utcnow()) >= 1
    with db() as session:
        left = session.scalars(
            select(InsituEvent.event_id).where(InsituEvent.source_id == source_id)
        ).all()
    assert left == ["new-c"]


def test_derived_rows_keep_their_identity_when_the_conversation_grows(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str, db: Any
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    product = new_client()
    _post(product, slug, key, [_conversation("c1"), _thumbs("c1", "down")])
    with db() as session:
        source_id = session.scalar(select(FeedbackSource.id).where(FeedbackSource.slug == slug))
        assert derive_pending(session, source_id) == 1
    with db() as session:
        first = session.execute(
            select(InsituDerived.id, InsituDerived.signal, InsituDerived.row).where(
                InsituDerived.source_id == source_id
            )
        ).one()
    assert first.signal == "thumbs" and first.row["label"] is False
    assert first.row["prompt"] == [["user", "How do I reset my router?"]]
    edit = {
        "type": "edit",
        "event_id": "c1-e",
        "conversation_id": "c1",
        "message_id": "c1-a1",
        "content": "Unplug it, hold reset for 30 s, plug it back in.",
    }
    _post(product, slug, key, [edit])
    with db() as session:
        assert derive_pending(session, source_id) == 1
        rows = session.execute(
            select(InsituDerived.id, InsituDerived.signal, InsituDerived.row).where(
                InsituDerived.source_id == source_id
            )
        ).all()
    by_signal = {row.signal: row for row in rows}
    assert by_signal["thumbs"].id == first.id  # the same row, not made again
    assert by_signal["edit"].row["chosen"].startswith("Unplug it")
    assert by_signal["edit"].row["rejected"] == "Hold the reset button 10 s."


def test_the_source_page_counts_volume_types_and_signals(
    researcher: TestClient, new_client: Callable[[], TestClient], unique: str
) -> None:
    slug = f"chat-{unique}"
    key = _source(researcher, slug)
    batch = [
        _conversation("c1"),
        _thumbs("c1"),
        _conversation("c2"),
        _thumbs("c2", "down"),
    ]
    assert _post(new_client(), slug, key, batch).json()["accepted"] == 4
    stats = researcher.get(f"/api/feedback-sources/{slug}/stats", params={"days": 7})
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["volume"] == [{"day": utcnow().date().isoformat(), "events": 4, "conversations": 2}]
    assert body["event_types"] == {"conversation": 2, "thumbs": 2}
    assert body["signals"] == [
        {
            "signal": "thumbs",
            "kind": "kto",
            "rows": 2,
            "mean_confidence": 0.9,
            "verified": 0,
            "confirmed": 0,
            "overturned": 0,
            "agreement": None,
        }
    ]
    assert body["pending_conversations"] == 0
    assert researcher.get(f"/api/feedback-sources/{slug}/stats?days=0").status_code == 422
