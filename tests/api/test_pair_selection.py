"""Active pair selection (spec ``pair_selection: narrow_intervals``): items with four candidates
from four models, two of them close in strength and the others far apart. Simulated annotators
prefer by the models' true Bradley-Terry strengths, with the same seeds for a balanced and a
narrow-intervals campaign; at the same number of judgments the leaderboard of the second is
surer where it was in doubt, and the engine's guarantees hold in both."""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

from sqlalchemy import select

from support.api import jsonl, make_user, pairwise_spec

TRUE_STRENGTH = {"close-a": 0.0, "close-b": 0.3, "strong": 2.5, "weak": -2.5}
CLOSE = ("close-a", "close-b")
K, N_ITEMS, N_ANNOTATORS = 4, 60, 12
JUDGMENTS = 200


def _campaign(client: Any, slug: str, pair_selection: str) -> None:
    spec = pairwise_spec(slug, redundancy=K, pair_selection=pair_selection)
    created = client.post("/api/campaigns", json=spec)
    assert created.status_code == 201, created.text
    rows = [
        {
            "id": f"item-{i}",
            "prompt": f"Question {i}?",
            "candidates": [
                {"content": f"Answer of {model} to {i}.", "model": model} for model in TRUE_STRENGTH
            ],
        }
        for i in range(N_ITEMS)
    ]
    imported = client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _simulate(slug: str, annotator_ids: list[int], seed: int) -> Counter[tuple[str, str]]:
    """Judge ``JUDGMENTS`` tasks; the model pairs shown, sorted by name, with their counts."""
    from prefhub.assignments import service, submissions
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.models import User

    rng = random.Random(seed)
    shown: Counter[tuple[str, str]] = Counter()
    for step in range(JUDGMENTS):
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug)
            annotator = session.get_one(User, rng.choice(annotator_ids))
            task = service.next_task(
                session, campaign, annotator, random.Random(seed * 1000 + step)
            )
            assert task is not None
            left, right = (c.model_name or "" for c in task.candidates)
            p_left = 1 / (1 + math.exp(TRUE_STRENGTH[right] - TRUE_STRENGTH[left]))
            submissions.submit(
                session,
                campaign,
                annotator,
                assignment_id=task.assignment.id,
                client_id=f"pairs-{slug}-{step}",
                answers={"preference": {"choice": "A" if rng.random() < p_left else "B"}},
                time_spent_ms=1000,
            )
        shown[(left, right) if left < right else (right, left)] += 1
    return shown


def _close_gap_interval(slug: str, samples: int = 200) -> float:
    """The width of the 95% Poisson-bootstrap interval of the close pair's Bradley-Terry score
    difference (what decides their order on the leaderboard), fitted over every model, from
    the counts the leaderboard reads."""
    from prefhub.aggregation.bootstrap import games_to_counts, poisson
    from prefhub.aggregation.rankings import bradley_terry
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.quality import counts
    from prefhub.quality.leaderboard import Tally, record

    tally: Tally = {}
    with unit_of_work() as session:
        campaign_id = get_by_slug(session, slug).id
        for (_, _, first, second, choice), n in counts.pair_counts(
            session, campaign_id, "preference"
        ).items():
            record(tally, first, second, choice, n)
    cells = sorted((pair, (g.first_wins, g.second_wins, g.ties)) for pair, g in tally.items())
    models = sorted(TRUE_STRENGTH)
    rng = random.Random(0)
    gaps = []
    for _ in range(samples):
        resampled = {pair: tuple(float(poisson(rng, n)) for n in games) for pair, games in cells}
        scores = bradley_terry(models, games_to_counts(resampled))
        gaps.append(scores[CLOSE[1]] - scores[CLOSE[0]])
    gaps.sort()
    return gaps[int(0.975 * (samples - 1))] - gaps[int(0.025 * (samples - 1))]


def _check_guarantees(db: Any, slug: str) -> None:
    from prefhub.models import Assignment, Campaign, Candidate, Item, Judgment

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        counters = session.execute(
            select(Item.assigned_count, Item.judgment_count).where(Item.campaign_id == campaign_id)
        ).all()
        judged = session.execute(
            select(Judgment.annotator_id, Judgment.item_id).where(
                Judgment.campaign_id == campaign_id
            )
        ).all()
        orders = session.scalars(
            select(Assignment.shown_order).where(Assignment.campaign_id == campaign_id)
        ).all()
        models = dict(session.execute(select(Candidate.id, Candidate.model_name)).tuples().all())
    assert all(assigned == judgments <= K for assigned, judgments in counters)
    assert len(set(judged)) == len(judged) == JUDGMENTS
    assert all(len(order) == 2 and models[order[0]] != models[order[1]] for order in orders)


def test_narrow_intervals_compares_the_close_pair_more_and_narrows_its_interval(
    as_user, db, unique
) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    annotators = [make_user(db, f"pairs-{unique}-{i}@example.org") for i in range(N_ANNOTATORS)]
    outcome = {}
    for seed in (3, 4):
        for selection in ("balanced", "narrow_intervals"):
            slug = f"pairs-{selection.replace('_', '-')}-{seed}-{unique}"
            _campaign(researcher, slug, selection)
            shown = _simulate(slug, annotators, seed)
            _check_guarantees(db, slug)
            outcome[seed, selection] = (shown, _close_gap_interval(slug))

    for seed in (3, 4):
        balanced_shown, balanced_gap = outcome[seed, "balanced"]
        narrow_shown, narrow_gap = outcome[seed, "narrow_intervals"]
        # Balanced spreads judgments over all six pairs; narrow spends most on the close pair
        # (after a few comparisons show the others far apart) and little on the far extremes.
        assert balanced_shown[CLOSE] < JUDGMENTS / 4, balanced_shown
        assert narrow_shown[CLOSE] > JUDGMENTS / 2, narrow_shown
        assert narrow_shown[("strong", "weak")] < balanced_shown[("strong", "weak")], narrow_shown
        # The interval that decides whether the close pair ranks apart: much narrower.
        assert narrow_gap < 0.75 * balanced_gap, (seed, narrow_gap, balanced_gap)
