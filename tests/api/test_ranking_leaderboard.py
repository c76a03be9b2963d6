"""A ranking campaign gets a model leaderboard: each ranking of k candidates counts as its
k(k-1)/2 pairs, each weighing 2/k (k - 1 comparisons per ranking), kept incrementally."""

from __future__ import annotations

import random
from typing import Any

import pytest

from support.api import jsonl, judge_next

# Planted order, best first.
MODELS = ("gold-model", "silver-model", "bronze-model")


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"rank-{i}",
            "prompt": f"Question {i}?",
            "candidates": [
                {"content": f"{model} answers question {i}.", "model": model} for model in MODELS
            ],
        }
        for i in range(n)
    ]


def _spec(slug: str) -> dict[str, Any]:
    return {
        "name": f"Campaign {slug}",
        "slug": slug,
        "redundancy": 3,
        "questions": [{"kind": "ranking", "id": "order", "prompt": "Rank them."}],
    }


def test_a_ranking_campaign_ranks_models_in_the_planted_order(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"ranking-board-{unique}"
    assert researcher.post("/api/campaigns", json=_spec(slug)).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_rows(9)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    rng = random.Random(3)

    def rank(task: dict[str, Any]) -> dict[str, Any]:
        by_model = {
            next(m for m in MODELS if c["content"][0]["text"].startswith(m)): c["label"]
            for c in task["candidates"]
        }
        order = list(MODELS)
        if rng.random() < 0.2:  # a little noise: the two best swapped
            order[0], order[1] = order[1], order[0]
        tiers = [[by_model[m]] for m in order]
        if rng.random() < 0.1:  # and sometimes the two worst tied
            tiers = [tiers[0], tiers[1] + tiers[2]]
        return {"order": {"ranking": tiers}}

    people = [as_user() for _ in range(3)]
    for person in people:
        for _ in range(8):
            judge_next(person, slug, rank)

    response = researcher.get(f"/api/campaigns/{slug}/quality/leaderboard")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["question"] == "order"
    board = body["overall"]
    assert [m["model"] for m in board["models"]] == list(MODELS)
    # 24 rankings of 3: 3 pairs each at weight 2/3, so 2 comparisons per ranking.
    assert board["judgments"] == pytest.approx(48)
    for model in board["models"]:
        # Each model is in 2 of each ranking's 3 pairs: 24 * 2 * 2/3, without float noise.
        assert model["judgments"] == 32
        assert model["low"] <= model["score"] <= model["high"]
    cell = next(
        c for c in board["matrix"] if (c["model"], c["opponent"]) == ("gold-model", "bronze-model")
    )
    assert (
        cell["wins"] == pytest.approx(16) and cell["losses"] == 0
    )  # gold always beat bronze: 24 * 2/3
    assert board["models"][0]["win_rate"] > 0.7 > board["models"][2]["win_rate"]

    # One more ranking shows up in the next answer (the counts are kept incrementally).
    extra = as_user()
    judge_next(extra, slug, rank)
    again = researcher.get(f"/api/campaigns/{slug}/quality/leaderboard").json()
    assert again["overall"]["judgments"] == pytest.approx(50)

    # Naming a question that is neither pairwise nor ranking is a 422 with its code.
    wrong = researcher.get(
        f"/api/campaigns/{slug}/quality/leaderboard", params={"question": "nonsense"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "unknown_question"
    assert wrong.json()["error"]["details"]["ranking_questions"] == ["order"]
