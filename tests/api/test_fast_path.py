"""The task loop's fast path (``assignments/fast_path.py``) changes nothing but its cost: one
scripted session (fresh leases, submits with and without next, a resend, a bad answer, a
resumed task, a lapsed lease, an undo, a skip, the queue running dry) runs with the fast path
and with it switched off, and both store the same rows and give the same answers, ids and
times aside."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from support.api import create_campaign_with_items

CHOICE = {"preference": {"choice": "A"}}
# What differs between two runs by construction: ids, client ids, times, the campaign.
_RUN_SPECIFIC = {
    "client_id",
    "assignment_id",
    "item_id",
    "judgment_id",
    "expires_at",
    "undo_until",
    "campaign",
}


def _normal(value: Any) -> Any:
    """A response without its run-specific parts; candidates by content (the order shown is
    random), without their labels."""
    if isinstance(value, dict):
        out = {k: _normal(v) for k, v in value.items() if k not in _RUN_SPECIFIC}
        if "candidates" in out:
            out["candidates"] = sorted(repr(c["content"]) for c in out["candidates"])
        return out
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _lapse(db, assignment_id: int) -> None:  # type: ignore[no-untyped-def]
    from prefhub.models import Assignment

    with db() as session:
        lease = session.get_one(Assignment, assignment_id)
        lease.expires_at = lease.expires_at - timedelta(days=1)


def _script(as_user, db, slug: str) -> list[Any]:  # type: ignore[no-untyped-def]
    """One session of two annotators; every response, normalised."""
    create_campaign_with_items(as_user("researcher"), slug, n_items=4, redundancy=2)
    ann, other = as_user(), as_user()
    seen: list[Any] = []

    def record(response) -> Any:  # type: ignore[no-untyped-def]
        body = response.json() if response.content else None
        seen.append((response.status_code, _normal(body)))
        return body

    def submit(client, task, client_id=None, answers=CHOICE, **extra):  # type: ignore[no-untyped-def]
        return record(
            client.post(
                f"/api/annotate/{slug}/submit",
                json={
                    "assignment_id": task["assignment_id"],
                    "client_id": client_id or str(uuid.uuid4()),
                    "answers": answers,
                    "time_spent_ms": 1200,
                    **extra,
                },
            )
        )

    task = record(ann.get(f"/api/annotate/{slug}/next"))["task"]
    assert task is not None
    record(ann.get(f"/api/annotate/{slug}/next"))  # resumed
    submit(ann, task, answers={"preference": {"choice": "Z"}}, next=True)  # refused, 422
    client_id = str(uuid.uuid4())
    first = submit(ann, task, client_id=client_id, next=True)
    again = submit(ann, task, client_id=client_id, next=True)  # a resend: the same judgment
    assert again["judgment_id"] == first["judgment_id"]
    task = first["next"]["task"]
    other_task = record(other.get(f"/api/annotate/{slug}/next"))["task"]
    submit(other, other_task)  # without next
    lapsing = record(other.get(f"/api/annotate/{slug}/next"))["task"]
    _lapse(db, lapsing["assignment_id"])  # its slot goes back to the pool at the next lease
    undone = record(
        ann.post(f"/api/annotate/{slug}/undo", json={"judgment_id": first["judgment_id"]})
    )
    submit(ann, undone["task"], answers={"preference": {"choice": "B"}}, next=True)
    record(
        ann.post(
            f"/api/annotate/{slug}/skip",
            json={"assignment_id": task["assignment_id"], "reason": "unsure"},
        )
    )
    for client in (ann, other, ann, other, ann, other):
        response = record(client.get(f"/api/annotate/{slug}/next"))
        while response.get("task") is not None:
            response = submit(client, response["task"], next=True)["next"]
    return seen


def _stored(db, slug: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The campaign's rows, keyed by item external id and annotator order of arrival."""
    from prefhub.models import (
        AnnotatorJudgmentCount,
        Assignment,
        Campaign,
        CampaignItemCount,
        Candidate,
        Item,
        Judgment,
    )

    with db() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        items = {
            i.id: i for i in session.scalars(select(Item).where(Item.campaign_id == campaign.id))
        }
        candidates = select(Candidate.id, Candidate.position).where(
            Candidate.item_id.in_(list(items))
        )
        position = {cid: pos for cid, pos in session.execute(candidates).all()}
        assignments = list(
            session.scalars(
                select(Assignment)
                .where(Assignment.campaign_id == campaign.id)
                .order_by(Assignment.id)
            )
        )
        people = {a.annotator_id: None for a in assignments}
        who = {person: n for n, person in enumerate(people)}

        def shown(order: list[int]) -> list[int]:
            return sorted(position[c] for c in order)

        judgments = session.scalars(
            select(Judgment).where(Judgment.campaign_id == campaign.id).order_by(Judgment.id)
        )
        by_id = {j.id: j for j in judgments}
        return {
            "items": sorted(
                (i.external_id, i.status.value, i.assigned_count, i.judgment_count)
                for i in items.values()
            ),
            "assignments": [
                (
                    items[a.item_id].external_id,
                    who[a.annotator_id],
                    a.status.value,
                    shown(a.shown_order),
                    a.finished_at is None,
                    a.skip_reason,
                )
                for a in assignments
            ],
            "judgments": [
                (
                    items[j.item_id].external_id,
                    who[j.annotator_id],
                    j.revision,
                    j.supersedes_id is not None and by_id[j.supersedes_id].revision,
                    shown(j.shown_order),
                    sorted(j.answers),
                    j.time_spent_ms,
                    j.gold_score,
                    j.campaign_version,
                )
                for j in by_id.values()
            ],
            "counters": (
                sorted(
                    (who[c.annotator_id], c.judgments)
                    for c in session.scalars(
                        select(AnnotatorJudgmentCount).where(
                            AnnotatorJudgmentCount.campaign_id == campaign.id
                        )
                    )
                ),
                # Spread over several rows (``models.counters``): their sums are the counts.
                session.execute(
                    select(
                        func.sum(CampaignItemCount.items_total),
                        func.sum(CampaignItemCount.items_complete),
                    ).where(CampaignItemCount.campaign_id == campaign.id)
                )
                .one()
                ._tuple(),
            ),
        }


def test_the_fast_path_stores_and_answers_what_the_general_path_does(
    as_user, unique, db, monkeypatch: pytest.MonkeyPatch
):
    from prefhub.assignments import fast_path

    leased_fast: list[object] = []
    lease_next = fast_path.lease_next

    def counting_lease_next(*args: Any, **kwargs: Any) -> Any:
        fresh = lease_next(*args, **kwargs)
        leased_fast.append(fresh)
        return fresh

    monkeypatch.setattr(fast_path, "lease_next", counting_lease_next)
    fast = _script(as_user, db, f"fast-{unique}")
    fast_rows = _stored(db, f"fast-{unique}")
    assert sum(fresh is not None for fresh in leased_fast) >= 5, "the fast path was not taken"

    monkeypatch.setattr(fast_path, "ENABLED", False)
    leased_fast.clear()
    general = _script(as_user, db, f"general-{unique}")
    general_rows = _stored(db, f"general-{unique}")
    assert leased_fast == []

    assert fast == general
    assert fast_rows == general_rows
    assert fast_rows["judgments"], "the script stored nothing"
    statuses = {assignment[2] for assignment in fast_rows["assignments"]}
    assert {"expired", "skipped", "submitted"} <= statuses, "the script missed a case"
