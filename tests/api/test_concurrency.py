"""Concurrent annotators through the service layer: no over-assignment, nothing lost."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

from sqlalchemy import func, select

from support.api import create_campaign_with_items, make_user
from support.audit import judgments_and_item_counters


def _worker(slug: str, annotator_id: int, results: list, errors: list) -> None:
    from prefhub.assignments import service, submissions
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.models import User

    try:
        while True:
            with unit_of_work() as session:
                campaign = get_by_slug(session, slug)
                user = session.get_one(User, annotator_id)
                task = service.next_task(session, campaign, user)
                if task is None:
                    return
                judgment = submissions.submit(
                    session,
                    campaign,
                    user,
                    assignment_id=task.assignment.id,
                    client_id=str(uuid.uuid4()),
                    answers={"preference": {"choice": "A"}},
                    time_spent_ms=1,
                )
            results.append((annotator_id, task.item.id, judgment.id))
    except Exception as exc:  # surfaced by the assertion below
        errors.append(repr(exc))


def test_concurrent_annotators_never_over_assign_or_lose_judgments(as_user, db, unique):
    slug = f"race-{unique}"
    k, n_items, n_annotators = 3, 12, 8
    create_campaign_with_items(as_user("researcher"), slug, n_items=n_items, redundancy=k)
    ids = [make_user(db, f"racer-{unique}-{i}@example.org") for i in range(n_annotators)]
    results: list = []
    errors: list = []
    threads = [threading.Thread(target=_worker, args=(slug, i, results, errors)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(results) == n_items * k
    per_item = Counter(item_id for _, item_id, _ in results)
    assert set(per_item.values()) == {k}
    assert len({(a, i) for a, i, _ in results}) == len(results)
    stored, counters = judgments_and_item_counters(db, slug)
    assert stored == n_items * k
    assert counters == {(k, k)}


def test_simultaneous_retries_of_one_submission_store_it_once(as_user, db, unique):
    from prefhub.assignments import service, submissions
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Judgment, User

    slug = f"retry-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=1, redundancy=1)
    annotator_id = make_user(db, f"retrier-{unique}@example.org")
    with unit_of_work() as session:
        task = service.next_task(
            session, get_by_slug(session, slug), session.get_one(User, annotator_id)
        )
        assignment_id = task.assignment.id
    client_id = str(uuid.uuid4())
    outcomes: list = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        barrier.wait()
        try:
            with unit_of_work() as session:
                judgment = submissions.submit(
                    session,
                    get_by_slug(session, slug),
                    session.get_one(User, annotator_id),
                    assignment_id=assignment_id,
                    client_id=client_id,
                    answers={"preference": {"choice": "B"}},
                    time_spent_ms=5,
                )
                outcomes.append(judgment.id)
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(set(outcomes)) == 1 and isinstance(outcomes[0], int), outcomes
    with db() as session:
        assert (
            session.scalar(select(func.count(Judgment.id)).where(Judgment.client_id == client_id))
            == 1
        )
