"""The agreement report is kept incrementally (``quality.agreement_counts``) and stays exact:
after new judgments, revisions, settling and simulated annotators, each report equals one
built from scratch over the same judgments and the ``krippendorff`` package's alpha; a
deleted item drops out at the next rebuild."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Any

import krippendorff
import numpy as np
import pytest
from sqlalchemy import delete, select, update

from support.api import items, jsonl, judge_next, pairwise_spec
from support.judging import age_judgments, answer_again

CHOICES = ["A", "B", "tie", "both_bad"]


@pytest.fixture
def campaign(as_user, unique, db):  # type: ignore[no-untyped-def]
    """(researcher, slug, annotators) of a 6-item campaign, K=3, undo allowed for an hour;
    the annotators' ``region`` profile answers alternate north and south."""
    from prefhub.models import User

    researcher = as_user("researcher")
    slug = f"agreement-inc-{unique}"
    spec = pairwise_spec(slug, 3, undo_seconds=3600)
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(items(6)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    people = [as_user() for _ in range(3)]
    with db() as session:
        for i, person in enumerate(people):
            session.execute(
                update(User)
                .where(User.id == person.user_id)
                .values(profile={"region": "north" if i % 2 == 0 else "south"})
            )
    return researcher, slug, people


def _report(client: Any, slug: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/campaigns/{slug}/quality/agreement", params=params)
    assert response.status_code == 200, response.text
    return _rounded(response.json())


def _from_scratch(client: Any, slug: str, **params: Any) -> dict[str, Any]:
    """The report a process that never saw the campaign makes: one full build."""
    from prefhub.quality import agreement_counts

    with agreement_counts._lock:
        agreement_counts._states.clear()
    return _report(client, slug, **params)


def _rounded(value: Any) -> Any:
    # Sums are exact integers; only the order of a float division's additions may differ.
    if isinstance(value, float):
        return round(value, 12)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _assert_exact(client: Any, slug: str, **params: Any) -> dict[str, Any]:
    """The served report equals a fresh build's (and the served one stays put when asked
    again: nothing is counted twice)."""
    served = _report(client, slug, **params)
    assert _report(client, slug, **params) == served
    assert _from_scratch(client, slug, **params) == served
    return served


def _package_alpha(db: Any, slug: str) -> float | None:
    """The ``krippendorff`` package's nominal alpha over the current judgments' choices."""
    from prefhub.models import Campaign, Judgment

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        judged = session.execute(
            select(
                Judgment.id,
                Judgment.supersedes_id,
                Judgment.item_id,
                Judgment.annotator_id,
                Judgment.answers,
                Judgment.shown_order,
            ).where(Judgment.campaign_id == campaign_id)
        ).all()
    replaced = {row.supersedes_id for row in judged}
    code = {"tie": 2, "both_bad": 3}
    values: dict[int, dict[int, float]] = defaultdict(dict)
    for row in judged:
        if row.id in replaced:
            continue
        choice = row.answers["preference"]["choice"]
        shown = row.shown_order
        values[row.annotator_id][row.item_id] = (
            code[choice] if choice in code else int(shown["AB".index(choice)] != min(shown[:2]))
        )
    units = sorted({i for row in values.values() for i in row})
    data = np.array([[row.get(i, math.nan) for i in units] for row in values.values()])
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:  # one value only: alpha is undefined
        return None


def _judge(person: Any, slug: str, choice: str) -> int:
    response = judge_next(person, slug, {"preference": {"choice": choice}})
    return int(response.json()["judgment_id"])


def test_a_judgment_after_a_report_is_counted_once_in_the_very_next_report(campaign, db) -> None:  # type: ignore[no-untyped-def]
    researcher, slug, people = campaign
    for person, choices in zip(people[:2], (["A", "B", "A"], ["A", "A", "tie"]), strict=True):
        for choice in choices:
            _judge(person, slug, choice)
    first = _assert_exact(researcher, slug, group_by="region")
    assert first["judgments"] == 6

    _judge(people[2], slug, "B")
    after = _report(researcher, slug, group_by="region")
    assert after["judgments"] == 7
    assert after["measures"][0]["values"] == first["measures"][0]["values"] + 1
    assert after["measures"][0]["alpha"] == pytest.approx(_package_alpha(db, slug), abs=1e-9)
    assert after == _assert_exact(researcher, slug, group_by="region")

    # Settling moves the judgments from "seen" into the settled part: still counted once.
    age_judgments(db, slug)
    settled = _report(researcher, slug, group_by="region")
    assert settled["judgments"] == 7
    _judge(people[2], slug, "tie")
    latest = _assert_exact(researcher, slug, group_by="region")
    assert latest["judgments"] == 8
    assert latest["measures"][0]["alpha"] == pytest.approx(_package_alpha(db, slug), abs=1e-9)
    assert {g["group"] for g in latest["groups"]} == {"north", "south"}


def test_a_revision_replaces_its_old_value(campaign, db) -> None:  # type: ignore[no-untyped-def]
    researcher, slug, people = campaign
    # "tie" means the same whichever candidate was shown first.
    mine = [_judge(people[0], slug, "tie") for _ in range(3)]
    for _ in range(3):
        _judge(people[1], slug, "tie")
    agreeing = _assert_exact(researcher, slug)
    (measure,) = agreeing["measures"]
    assert (measure["units"], measure["raw"]) == (3, 1.0)

    revised = answer_again(people[0], slug, mine[0], "both_bad")
    changed = _assert_exact(researcher, slug)
    (measure,) = changed["measures"]
    assert changed["judgments"] == 6  # the revision replaced its judgment, it did not add one
    assert (measure["units"], measure["values"]) == (3, 6)
    assert measure["raw"] == pytest.approx(2 / 3)
    assert measure["alpha"] == pytest.approx(_package_alpha(db, slug), abs=1e-9)

    # A settled judgment revised, then its revision revised again.
    age_judgments(db, slug)
    assert _report(researcher, slug) == changed
    answer_again(people[0], slug, revised, "tie")
    back = _assert_exact(researcher, slug)
    assert back["judgments"] == 6
    assert back["measures"][0]["raw"] == 1.0


def test_simulated_annotators_joining_keep_the_humans_view_exact(campaign, db) -> None:  # type: ignore[no-untyped-def]
    from prefhub.simulation.service import simulate

    researcher, slug, people = campaign
    for choice in ("A", "B"):
        _judge(people[0], slug, choice)
        _judge(people[1], slug, choice)
    humans = _report(researcher, slug)
    assert (humans["simulated"], humans["judgments"]) == ("none", 4)
    assert simulate(slug, annotators=3, judgments=6, seed=4).judgments == 6
    excluded = _assert_exact(researcher, slug)
    assert excluded["simulated"] == "excluded"
    assert {k: v for k, v in excluded.items() if k != "simulated"} == {
        k: v for k, v in humans.items() if k != "simulated"
    }
    included = _assert_exact(researcher, slug, include_simulated="true")
    assert (included["simulated"], included["judgments"]) == ("included", 10)


def test_a_deleted_item_drops_out_after_a_rebuild(campaign, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from prefhub.models import Assignment, Campaign, Item, Judgment
    from prefhub.quality import agreement_counts

    researcher, slug, people = campaign
    judged = [_judge(people[0], slug, "A") for _ in range(3)]
    for _ in range(3):
        _judge(people[1], slug, "B")
    before = _report(researcher, slug)
    assert before["measures"][0]["units"] == 3

    with db() as session:
        item_id = session.scalar(select(Judgment.item_id).where(Judgment.id == judged[0]))
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        session.execute(delete(Judgment).where(Judgment.item_id == item_id))
        session.execute(delete(Assignment).where(Assignment.item_id == item_id))
        session.execute(delete(Item).where(Item.id == item_id, Item.campaign_id == campaign_id))
    # Until the rebuild the state still counts it (the documented bound) ...
    assert _report(researcher, slug) == before
    # ... and the first request after REBUILD_AFTER rebuilds it in the background, here in a
    # child process as a large campaign's would be.
    every = agreement_counts.REBUILD_AFTER
    monkeypatch.setattr(agreement_counts, "REBUILD_AFTER", 0.0)
    monkeypatch.setattr(agreement_counts, "APART_FROM", 0)
    _report(researcher, slug)
    deadline = time.monotonic() + 180
    while agreement_counts._rebuilding and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not agreement_counts._rebuilding
    monkeypatch.setattr(agreement_counts, "REBUILD_AFTER", every)
    rebuilt = _report(researcher, slug)
    assert (rebuilt["judgments"], rebuilt["measures"][0]["units"]) == (4, 2)
    assert rebuilt == _from_scratch(researcher, slug)
