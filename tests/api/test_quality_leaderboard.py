"""The model leaderboard and group-disagreement endpoints, on real judgments.

A simulated population (``prefhub simulate``: concise, thorough and structured annotators) judges
items where a terse and a verbose model answer, which the concise and the thorough groups judge
in opposite ways (the planted disagreement), and items where two models answer alike. Human
judgments, undone and revised, check that the incrementally kept counts always equal a recount
from the database.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from support.api import jsonl, judge_next, pairwise_spec

VERBOSE = " ".join(["This answer explains every step in careful detail."] * 8)


def _planted_rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(6):
        rows.append(
            {
                "id": f"split-{i}",
                "prompt": f"Question {i}?",
                "candidates": [
                    {"content": "Yes.", "model": "terse"},
                    {"content": f"{VERBOSE} ({i})", "model": "verbose"},
                ],
            }
        )
        rows.append(
            {
                "id": f"alike-{i}",
                "prompt": f"Another question {i}?",
                "candidates": [
                    {"content": f"The answer is {i}, in short.", "model": "twin-a"},
                    {"content": f"The answer is {i}, in brief.", "model": "twin-b"},
                ],
            }
        )
    return rows


@pytest.fixture
def planted(as_user, unique):  # type: ignore[no-untyped-def]
    """(researcher client, slug) of a campaign the simulated population judged fully."""
    from prefhub.simulation.service import simulate

    researcher = as_user("researcher")
    slug = f"quality-{unique}"
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, 12))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_planted_rows()), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    result = simulate(slug, annotators=30, judgments=12 * 12, seed=11)
    assert result.judgments == 144
    return researcher, slug


def test_group_disagreement_ranks_the_planted_pair_and_items_first(planted) -> None:  # type: ignore[no-untyped-def]
    researcher, slug = planted
    response = researcher.get(
        f"/api/campaigns/{slug}/quality/group-disagreement", params={"group_by": "group"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["simulated"] == "only_simulated"
    assert set(body["groups"]) == {"concise", "thorough", "structured"}
    top = body["pairs"][0]
    assert {top["first"], top["second"]} == {"terse", "verbose"}
    assert top["spread"] > 0.7
    assert body["pairs"][1]["spread"] < top["spread"] / 2
    rates = {g["group"]: g["first_win_rate"] for g in top["groups"]}
    terse_rate = (lambda r: r) if top["first"] == "terse" else (lambda r: 1 - r)
    assert terse_rate(rates["concise"]) > 0.8
    assert terse_rate(rates["thorough"]) < 0.2
    # Every planted item ranks above every item where the models answer alike.
    ranked = [item["external_id"] for item in body["items"]]
    assert sorted(ranked[:6]) == [f"split-{i}" for i in range(6)], ranked
    assert all(
        {item["first"], item["second"]} == {"terse", "verbose"} for item in body["items"][:6]
    )


def test_leaderboard_per_group_reverses_where_the_groups_disagree(planted) -> None:  # type: ignore[no-untyped-def]
    researcher, slug = planted
    response = researcher.get(
        f"/api/campaigns/{slug}/quality/leaderboard", params={"group_by": "group"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["question"] == "preference" and body["rounds"] == [0]
    overall = body["overall"]
    assert {m["model"] for m in overall["models"]} == {"terse", "verbose", "twin-a", "twin-b"}
    assert overall["judgments"] == 144
    for model in overall["models"]:
        assert model["low"] <= model["score"] <= model["high"]
        assert model["rating_low"] <= model["rating"] <= model["rating_high"]
    boards = {g["group"]: g["board"] for g in body["groups"]}
    assert set(boards) == {"concise", "thorough", "structured"}

    def standing(group: str, model: str) -> dict[str, Any]:
        return next(m for m in boards[group]["models"] if m["model"] == model)

    # The concise group ranks terse above verbose with intervals apart; the thorough one the
    # other way round.
    assert standing("concise", "terse")["low"] > standing("concise", "verbose")["high"]
    assert standing("thorough", "verbose")["low"] > standing("thorough", "terse")["high"]
    cell = next(c for c in overall["matrix"] if (c["model"], c["opponent"]) == ("terse", "verbose"))
    back = next(c for c in overall["matrix"] if (c["model"], c["opponent"]) == ("verbose", "terse"))
    assert cell["wins"] == back["losses"] and cell["ties"] == back["ties"]
    assert cell["win_rate"] + back["win_rate"] == pytest.approx(1.0)


ROTATION = ("alpha", "beta", "gamma")


def _rotating_rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"r{i}",
            "prompt": f"Prompt {i}?",
            "candidates": [
                {"content": f"First answer {i}.", "model": ROTATION[i % 3]},
                {"content": f"Second answer {i}.", "model": ROTATION[(i + 1) % 3]},
            ],
        }
        for i in range(n)
    ]


def _recount(db: Any, slug: str) -> Counter[tuple[str, str, str]]:
    """(model, opponent, outcome) of every current judgment, straight from the database."""
    from prefhub.models import Campaign, Candidate, Judgment

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        judgments = session.scalars(
            select(Judgment).where(Judgment.campaign_id == campaign_id)
        ).all()
        superseded = {j.supersedes_id for j in judgments if j.supersedes_id is not None}
        models = dict(
            session.execute(
                select(Candidate.id, Candidate.model_name).where(
                    Candidate.id.in_({c for j in judgments for c in j.shown_order})
                )
            )
            .tuples()
            .all()
        )
    tally: Counter[tuple[str, str, str]] = Counter()
    for j in judgments:
        if j.id in superseded:
            continue
        a, b = (models[c] for c in j.shown_order)
        choice = j.answers["preference"]["choice"]
        if choice == "A":
            tally[a, b, "win"] += 1
            tally[b, a, "loss"] += 1
        elif choice == "B":
            tally[b, a, "win"] += 1
            tally[a, b, "loss"] += 1
        else:
            tally[a, b, choice] += 1
            tally[b, a, choice] += 1
    return tally


def _served(client: Any, slug: str) -> Counter[tuple[str, str, str]]:
    response = client.get(f"/api/campaigns/{slug}/quality/leaderboard")
    assert response.status_code == 200, response.text
    tally: Counter[tuple[str, str, str]] = Counter()
    for cell in response.json()["overall"]["matrix"]:
        for outcome, key in (("win", "wins"), ("loss", "losses"), ("tie", "ties")):
            tally[cell["model"], cell["opponent"], outcome] += cell[key]
        tally[cell["model"], cell["opponent"], "both_bad"] += cell["both_bad"]
    return +tally


def _age_judgments(db: Any, slug: str) -> None:
    """Make every judgment old enough to be folded into the cached base."""
    from prefhub.kit.time import utcnow
    from prefhub.models import Campaign, Judgment

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        session.execute(
            update(Judgment)
            .where(Judgment.campaign_id == campaign_id)
            .values(created_at=utcnow() - timedelta(minutes=5))
        )


def test_counts_stay_exact_through_new_judgments_undo_and_revision(as_user, unique, db) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"quality-inc-{unique}"
    spec = pairwise_spec(slug, 3, undo_seconds=3600)
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_rotating_rows(9)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    rng = random.Random(5)
    people = [as_user() for _ in range(3)]

    def judge(person: Any, n: int) -> list[int]:
        return [
            judge_next(
                person, slug, {"preference": {"choice": rng.choice(["A", "B", "tie", "both_bad"])}}
            ).json()["judgment_id"]
            for _ in range(n)
        ]

    first = judge(people[0], 4) + judge(people[1], 4)
    assert _served(researcher, slug) == _recount(db, slug)  # nothing settled yet
    _age_judgments(db, slug)
    assert _served(researcher, slug) == _recount(db, slug)  # folded into the base
    judge(people[2], 3)
    assert _served(researcher, slug) == _recount(db, slug)  # base + recent

    # A settled judgment revised: its old revision leaves the counts.
    revised = answer_again(people[0], slug, first[0], "both_bad")
    assert _served(researcher, slug) == _recount(db, slug)
    _age_judgments(db, slug)
    assert _served(researcher, slug) == _recount(db, slug)
    # The revision revised again, and a just-made judgment undone and answered anew.
    answer_again(people[0], slug, revised, "A")
    latest = judge(people[1], 1)[0]
    undone = people[1].post(f"/api/annotate/{slug}/undo", json={"judgment_id": latest})
    assert undone.status_code == 200, undone.text
    resubmit(people[1], slug, undone.json()["task"]["assignment_id"], "B")
    assert _served(researcher, slug) == _recount(db, slug)
    _age_judgments(db, slug)
    assert _served(researcher, slug) == _recount(db, slug)
    assert sum(_served(researcher, slug).values()) == 2 * 12  # 12 current judgments, 2 sides


def resubmit(person: Any, slug: str, assignment_id: int, choice: str) -> int:
    response = person.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": assignment_id,
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": choice}},
            "time_spent_ms": 1000,
        },
    )
    assert response.status_code == 200, response.text
    return int(response.json()["judgment_id"])


def answer_again(person: Any, slug: str, judgment_id: int, choice: str) -> int:
    """Undo a judgment (within the campaign's long undo window) and answer it anew."""
    reopened = person.post(f"/api/annotate/{slug}/undo", json={"judgment_id": judgment_id})
    assert reopened.status_code == 200, reopened.text
    return resubmit(person, slug, reopened.json()["task"]["assignment_id"], choice)


def test_simulated_judgments_are_left_out_beside_human_ones_unless_asked(
    as_user, unique, db
) -> None:  # type: ignore[no-untyped-def]
    from prefhub.simulation.service import simulate

    researcher = as_user("researcher")
    slug = f"quality-sim-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug, 3)).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_rotating_rows(6)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    assert simulate(slug, annotators=3, judgments=6, seed=2).judgments == 6
    url = f"/api/campaigns/{slug}/quality/leaderboard"
    only = researcher.get(url).json()
    assert (only["simulated"], only["overall"]["judgments"]) == ("only_simulated", 6)
    judge_next(as_user(), slug, {"preference": {"choice": "A"}})
    human = researcher.get(url).json()
    assert (human["simulated"], human["overall"]["judgments"]) == ("excluded", 1)
    both = researcher.get(url, params={"include_simulated": "true"}).json()
    assert (both["simulated"], both["overall"]["judgments"]) == ("included", 7)
    assert researcher.get(url, params={"round": 1}).json()["overall"]["judgments"] == 0


def test_a_campaign_without_judgments_has_an_empty_leaderboard(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"quality-empty-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug, 3)).status_code == 201
    body = researcher.get(f"/api/campaigns/{slug}/quality/leaderboard").json()
    assert body["overall"] == {"judgments": 0, "models": [], "matrix": []}
    assert body["rounds"] == [] and body["groups"] == []


BAD_PARAMETERS = [
    ("leaderboard", {"group_by": "no_such_field"}, "unknown_group_field"),
    ("group-disagreement", {"group_by": "no_such_field"}, "unknown_group_field"),
    ("leaderboard", {"question": "nope"}, "unknown_question"),
    ("leaderboard", {"group_by": "has space"}, "validation_error"),
    ("leaderboard", {"group_by": "x" * 65}, "validation_error"),
    ("leaderboard", {"round": -1}, "validation_error"),
    ("leaderboard", {"round": 2**31}, "validation_error"),
    ("leaderboard", {"include_simulated": "maybe"}, "validation_error"),
    ("group-disagreement", {}, "validation_error"),
    ("group-disagreement", {"group_by": "group", "limit": 0}, "validation_error"),
    ("group-disagreement", {"group_by": "group", "limit": 201}, "validation_error"),
]


def test_bad_quality_parameters_are_refused_with_a_stable_code(planted) -> None:  # type: ignore[no-untyped-def]
    researcher, slug = planted
    for path, params, code in BAD_PARAMETERS:
        response = researcher.get(f"/api/campaigns/{slug}/quality/{path}", params=params)
        assert response.status_code == 422, (path, params, response.text)
        error = response.json()["error"]
        assert error["code"] == code, (path, params, error)
        if code == "unknown_group_field":
            fields = set(error["details"]["fields"])
            assert {"group", "age_band", "country", "annotator_group"} <= fields


def test_groups_can_be_the_annotator_groups_people_belong_to(planted, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from prefhub.models import AnnotatorGroup, AnnotatorGroupMember, User

    researcher, slug = planted
    url = f"/api/campaigns/{slug}/quality/group-disagreement"
    nobody = researcher.get(url, params={"group_by": "annotator_group"})
    assert nobody.status_code == 200, nobody.text
    assert nobody.json()["groups"] == {} and nobody.json()["items"] == []
    with db() as session:
        sims = session.execute(
            select(User.id, User.profile).where(User.email.like(f"sim-{slug}-%"))
        ).all()
        names = {}
        for group in ("concise", "thorough"):
            row = AnnotatorGroup(name=f"{group}-{slug}"[:64], description="")
            session.add(row)
            session.flush()
            names[group] = row.id
        for user_id, profile in sims:
            if profile["group"] in names:
                session.add(AnnotatorGroupMember(group_id=names[profile["group"]], user_id=user_id))
    body = researcher.get(
        f"/api/campaigns/{slug}/quality/group-disagreement",
        params={"group_by": "annotator_group"},
    ).json()
    assert set(body["groups"]) == {f"concise-{slug}", f"thorough-{slug}"}
    assert {body["pairs"][0]["first"], body["pairs"][0]["second"]} == {"terse", "verbose"}
