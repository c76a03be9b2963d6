"""``examples/insitu_chat_client.py``, the script a chat product's engineers copy, against a real
``prefhub serve``: its gzipped JSONL batches arrive with every kind of feedback, and running it
again stores nothing twice (issue 19, point 6)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from prefhub.models import FeedbackSource, InsituConversation, InsituEvent
from support.api import login, make_user
from support.processes import api_server

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "insitu_chat_client.py"
TOTALS = re.compile(
    r"sent (\d+) events of (\d+) conversations: accepted (\d+), duplicate (\d+), rejected (\d+)"
)


def _run_example(base: str, slug: str, key: str) -> tuple[int, int, int, int]:
    """The example as a product engineer runs it (the key from the environment); its totals:
    events sent, accepted, duplicate, rejected."""
    command = [sys.executable, str(EXAMPLE), "--base-url", base, "--source", slug]
    result = subprocess.run(
        [*command, "--conversations", "40", "--batch-size", "25", "--seed", "3"],
        env={**os.environ, "PREFHUB_INGEST_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    totals = TOTALS.search(result.stdout.splitlines()[-1])
    assert totals, result.stdout
    sent, conversations, accepted, duplicate, rejected = map(int, totals.groups())
    assert conversations == 40
    assert result.stdout.count("batch of ") == -(-sent // 25)  # every batch answered
    return sent, accepted, duplicate, rejected


def test_the_example_client_delivers_every_event_once(
    migrated: str, db: Any, unique: str, run_dir: Path
) -> None:
    email = f"example-{unique}@example.org"
    make_user(db, email, "researcher")
    slug = f"example-{unique}"
    env = {"PREFHUB_DATA_DIR": str(run_dir / f"example-{unique}")}
    log = run_dir / f"example-{unique}.log"
    with api_server(env, log, ["--no-embedded-worker", "--no-access-log"]) as base:
        with httpx.Client(base_url=base, timeout=30) as researcher:
            login(researcher, email)
            created = researcher.post("/api/feedback-sources", json={"slug": slug, "name": "Ex"})
            assert created.status_code == 201, created.text
            key = researcher.post(f"/api/feedback-sources/{slug}/keys", json={"name": "example"})
            assert key.status_code == 201, key.text

        sent, accepted, duplicate, rejected = _run_example(base, slug, key.json()["key"])
        assert sent > 40 and (accepted, duplicate, rejected) == (sent, 0, 0)
        with db() as session:
            source_id = session.scalar(select(FeedbackSource.id).where(FeedbackSource.slug == slug))
            types = Counter(
                session.scalars(
                    select(InsituEvent.type).where(InsituEvent.source_id == source_id)
                ).all()
            )
            conversations = session.scalar(
                select(func.count()).where(InsituConversation.source_id == source_id)
            )
            # The users' e-mail addresses were redacted before storage.
            payloads = session.scalars(
                select(InsituEvent.payload).where(
                    InsituEvent.source_id == source_id, InsituEvent.type == "conversation"
                )
            ).all()
        assert sum(types.values()) == sent and conversations == 40
        assert set(types) >= {
            "conversation", "regenerate", "edit", "thumbs", "rating", "copy", "follow_up"
        }  # fmt: skip
        texts = [m["content"] for p in payloads for m in p["messages"]]
        assert any("[EMAIL]" in text for text in texts)
        assert not any("@example.com" in text for text in texts)

        # Run again, as after a crash: the same event ids, nothing stored twice.
        again = _run_example(base, slug, key.json()["key"])
        assert again == (sent, 0, sent, 0)
        with db() as session:
            stored = session.scalar(select(func.count()).where(InsituEvent.source_id == source_id))
        assert stored == sent
