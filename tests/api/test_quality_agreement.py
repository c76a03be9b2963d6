"""The agreement endpoint on real judgments: a simulated population whose concise and thorough
groups judge a terse against a verbose answer in opposite ways agrees more within each group
than overall; alpha matches the ``krippendorff`` package on the same answers."""

from __future__ import annotations

import math
from collections import defaultdict

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from support.api import jsonl, pairwise_spec

VERBOSE = " ".join(["This answer explains every step in careful detail."] * 8)


@pytest.fixture
def contested(as_user, unique):  # type: ignore[no-untyped-def]
    """(researcher client, slug) of a campaign of contested items the population judged."""
    from prefhub.simulation.service import simulate

    researcher = as_user("researcher")
    slug = f"agreement-{unique}"
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, 12))
    assert created.status_code == 201, created.text
    rows = [
        {
            "id": f"split-{i}",
            "prompt": f"Question {i}?",
            "candidates": [
                {"content": "Yes.", "model": "terse"},
                {"content": f"{VERBOSE} ({i})", "model": "verbose"},
            ],
        }
        for i in range(8)
    ]
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    assert simulate(slug, annotators=30, judgments=8 * 12, seed=5).judgments == 96
    return researcher, slug


def test_groups_agree_more_within_than_overall_on_the_contested_question(contested) -> None:  # type: ignore[no-untyped-def]
    researcher, slug = contested
    response = researcher.get(
        f"/api/campaigns/{slug}/quality/agreement", params={"group_by": "group"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["simulated"] == "only_simulated"
    assert body["judgments"] == 96
    (overall,) = body["measures"]
    assert (overall["measure"], overall["level"], overall["units"]) == ("preference", "nominal", 8)
    by_group = {g["group"]: g for g in body["groups"] if g["measure"] == "preference"}
    assert set(by_group) == {"concise", "thorough", "structured"}
    for name in ("concise", "thorough"):
        assert by_group[name]["raw"] > overall["raw"], (name, by_group[name], overall)
        assert by_group[name]["alpha"] is None or by_group[name]["alpha"] > overall["alpha"]
    assert overall["alpha"] < 0.3
    points = [p for p in body["timeline"] if p["measure"] == "preference"]
    assert sum(p["units"] for p in points) == 8


def test_alpha_from_the_endpoint_equals_the_krippendorff_package(contested) -> None:  # type: ignore[no-untyped-def]
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Campaign, Judgment

    researcher, slug = contested
    body = researcher.get(f"/api/campaigns/{slug}/quality/agreement").json()
    with unit_of_work(read_only=True) as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        judged = session.execute(
            select(
                Judgment.item_id, Judgment.annotator_id, Judgment.answers, Judgment.shown_order
            ).where(Judgment.campaign_id == campaign_id)
        ).all()
    # The package's nominal codes: 0 the pair's lower-id candidate won, 1 the other, 2 a tie,
    # 3 both bad (what ``quality.agreement`` documents), straight from the answers.
    code = {"tie": 2, "both_bad": 3}
    values: dict[int, dict[int, float]] = defaultdict(dict)
    for item_id, annotator, answers, shown in judged:
        choice = answers["preference"]["choice"]
        values[annotator][item_id] = (
            code[choice] if choice in code else int(shown["AB".index(choice)] != min(shown[:2]))
        )
    items = sorted({i for row in values.values() for i in row})
    data = np.array([[row.get(i, math.nan) for i in items] for row in values.values()], dtype=float)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert body["measures"][0]["alpha"] == pytest.approx(float(expected), abs=1e-9)


def test_bad_agreement_params_are_refused_with_a_stable_code(contested) -> None:  # type: ignore[no-untyped-def]
    researcher, slug = contested
    for params, code in [
        ({"group_by": "no_such_field"}, "unknown_group_field"),
        ({"group_by": "1bad"}, "validation_error"),
        ({"bucket": "hour"}, "validation_error"),
        ({"include_simulated": "maybe"}, "validation_error"),
    ]:
        response = researcher.get(f"/api/campaigns/{slug}/quality/agreement", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["error"]["code"] == code, (params, response.text)
