"""A small campaign the CLI's quality commands read: six items where three models answer,
judged twice each by simulated annotators (``prefhub simulate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.api import jsonl

MODELS = ("north", "south", "east")


def simulated_pairwise_campaign(cli: Any, owner: str, slug: str, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: Q\nslug: {slug}\nredundancy: 2\nquestions:\n  - kind: pairwise\n")
    assert cli("campaigns", "create", str(spec), "--owner", owner).exit_code == 0
    rows = [
        {
            "id": f"i{i}",
            "prompt": f"Prompt {i}?",
            "candidates": [
                {"content": "Short.", "model": MODELS[i % 3]},
                {"content": "A much longer answer, " * (i + 2), "model": MODELS[(i + 1) % 3]},
            ],
        }
        for i in range(6)
    ]
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(rows))
    assert cli("import", slug, str(data)).exit_code == 0
    assert cli("simulate", slug, "--annotators", "6", "--judgments", "12").exit_code == 0
