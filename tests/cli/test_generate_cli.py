"""`prefhub models add` and `prefhub generate --wait` against the fake OpenAI server."""

from __future__ import annotations

import re

from sqlalchemy import select

from support.api import jsonl
from support.fake_openai import FakeOpenAI


def test_generate_waits_with_progress_and_opens_rounds(cli, owner, unique, tmp_path, db):
    from prefhub.models import Campaign, Candidate, Item

    slug = f"gen-cli-{unique}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: gen\nslug: {slug}\nquestions:\n  - kind: pairwise\n")
    assert cli("campaigns", "create", str(spec), "--owner", owner).exit_code == 0
    data = tmp_path / "prompts.jsonl"
    data.write_bytes(jsonl([{"id": f"p{i}", "prompt": f"Prompt {i}"} for i in range(3)]))
    assert "imported 3 items" in cli("import", slug, str(data)).output
    with FakeOpenAI() as fake:
        added = cli(
            "models", "add", f"m-{unique}", "--base-url", fake.base_url, "--model", "fake-model"
        )
        assert added.exit_code == 0, added.output
        first = cli("generate", slug, "--model", f"m-{unique}", "--n", "2", "--wait")
        assert first.exit_code == 0, first.output
        assert re.search(r"job \d+ succeeded: 6 stored, 0 failed", first.output)
        second = cli(
            "generate",
            slug,
            "--model",
            f"m-{unique}",
            "--n",
            "2",
            "--new-round",
            "--item",
            "p1",
            "--wait",
        )
        assert re.search(r"job \d+ succeeded: 2 stored, 0 failed", second.output), second.output
        unknown = cli("generate", slug, "--model", f"m-{unique}", "--item", "nope")
        assert unknown.exit_code != 0 and "not in round 1" in unknown.output
        assert fake.count(path="/chat/completions") == 8
    with db() as session:
        rows = session.execute(
            select(Item.external_id, Item.status, Candidate.round)
            .join(Campaign)
            .join(Candidate, Candidate.item_id == Item.id)
            .where(Campaign.slug == slug)
        ).all()
    assert sorted({(r.external_id, r.status.value, r.round) for r in rows}) == [
        ("p0", "ready", 0),
        ("p1", "ready", 0),
        ("p1~r1", "ready", 1),
        ("p2", "ready", 0),
    ]
