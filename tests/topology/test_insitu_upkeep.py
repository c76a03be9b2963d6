"""The in-situ upkeep runs on its own in a real worker: retention deletes what is older than
the source keeps, and conversations that got events are derived, without anyone exporting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from prefhub.kit.time import utcnow
from prefhub.models import FeedbackSource, InsituConversation, InsituDerived
from support.api import login, make_user
from support.processes import api_server, wait_for


def test_the_embedded_worker_enforces_retention_and_derives(
    migrated: str, db: Any, unique: str, run_dir: Any
) -> None:
    email = f"upkeep-{unique}@example.org"
    make_user(db, email, "researcher")
    slug = f"upkeep-{unique}"
    env = {
        "PREFHUB_DATA_DIR": str(run_dir / f"upkeep-{unique}"),
        "PREFHUB_INSITU_MAINTENANCE_SECONDS": "0.5",
    }
    with api_server(env, run_dir / f"upkeep-{unique}.log") as base:
        with httpx.Client(base_url=base, timeout=30) as researcher:
            login(researcher, email)
            source = {"slug": slug, "name": "Upkeep", "retention_days": 7}
            assert researcher.post("/api/feedback-sources", json=source).status_code == 201
            key = researcher.post(f"/api/feedback-sources/{slug}/keys", json={"name": "k"}).json()
            batch = [
                {
                    "type": "conversation",
                    "event_id": f"{conv}-c",
                    "conversation_id": conv,
                    "model": "m",
                    "messages": [
                        {"id": f"{conv}-u", "role": "user", "content": "Hi?"},
                        {"id": f"{conv}-a", "role": "assistant", "content": "Hello."},
                    ],
                }
                for conv in ("old", "new")
            ] + [
                {
                    "type": "thumbs",
                    "event_id": "new-t",
                    "conversation_id": "new",
                    "message_id": "new-a",
                    "value": "up",
                }
            ]
            sent = httpx.post(
                f"{base}/api/ingest/{slug}/events",
                json=batch,
                headers={"Authorization": f"Bearer {key['key']}"},
            )
            assert sent.json()["accepted"] == 3, sent.text
        with db() as session:
            source_id = session.scalar(select(FeedbackSource.id).where(FeedbackSource.slug == slug))
            old = session.scalar(
                select(InsituConversation).where(
                    InsituConversation.source_id == source_id,
                    InsituConversation.external_id == "old",
                )
            )
            assert old is not None
            old.last_event_at = utcnow() - timedelta(days=8)

        def upkept() -> list[str] | None:
            with db() as session:
                left = session.scalars(
                    select(InsituConversation.external_id).where(
                        InsituConversation.source_id == source_id
                    )
                ).all()
                derived = session.scalars(
                    select(InsituDerived.signal).where(InsituDerived.source_id == source_id)
                ).all()
            return list(derived) if left == ["new"] and derived else None

        assert wait_for(upkept, timeout=60) == ["thumbs"]
