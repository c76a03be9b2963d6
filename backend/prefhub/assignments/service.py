"""Hand items to annotators and take their judgments, correctly under concurrency.

Invariants (held by guarded UPDATEs, not by reading then writing):
- ``items.assigned_count`` (open leases + submissions) never exceeds the campaign's K;
- one assignment per (item, annotator), ever: nobody sees an item twice;
- one judgment per (annotator, client id): a retried submit returns the first one.
On PostgreSQL, candidate items are read ``FOR UPDATE SKIP LOCKED`` so concurrent requests
spread over different rows; on SQLite every write transaction is serialised.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.assignments.exceptions import (
    AlreadySubmitted,
    AssignmentNotFound,
    CampaignNotActive,
    ClientIdReused,
    LeaseExpired,
)
from prefhub.campaigns.answers import validate_answers
from prefhub.campaigns.service import spec_of
from prefhub.kit.time import utcnow
from prefhub.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignStatus,
    Candidate,
    Item,
    ItemStatus,
    Judgment,
    User,
)

# How many queue-head items to consider per request; a random pick among them keeps
# concurrent annotators from all contending for the same row.
QUEUE_WINDOW = 16
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class LeasedTask:
    assignment: Assignment
    item: Item
    candidates: list[Candidate]  # in the order shown


def _k(campaign: Campaign) -> int:
    return spec_of(campaign).redundancy


def expire_leases(session: Session, campaign: Campaign) -> int:
    """Return expired leases' slots to the pool. Safe when two requests race to do it."""
    stale = session.execute(
        select(Assignment.id, Assignment.item_id).where(
            Assignment.campaign_id == campaign.id,
            Assignment.status == AssignmentStatus.leased,
            Assignment.expires_at < utcnow(),
        )
    ).all()
    released = 0
    for assignment_id, item_id in stale:
        changed = session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id, Assignment.status == AssignmentStatus.leased)
            .values(status=AssignmentStatus.expired, finished_at=utcnow())
        ).rowcount
        if changed:
            _release_slot(session, item_id)
            released += 1
    return released


def _release_slot(session: Session, item_id: int) -> None:
    session.execute(
        update(Item)
        .where(Item.id == item_id, Item.assigned_count > 0)
        .values(assigned_count=Item.assigned_count - 1)
    )


def _claim_slot(session: Session, item_id: int, k: int) -> bool:
    """Atomically take one of the item's K slots; False when another request took the last."""
    return bool(
        session.execute(
            update(Item)
            .where(Item.id == item_id, Item.assigned_count < k)
            .values(assigned_count=Item.assigned_count + 1)
        ).rowcount
    )


def _open_lease(session: Session, campaign: Campaign, annotator: User) -> Assignment | None:
    return session.scalar(
        select(Assignment)
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.annotator_id == annotator.id,
            Assignment.status == AssignmentStatus.leased,
            Assignment.expires_at >= utcnow(),
        )
        .order_by(Assignment.id)
        .limit(1)
    )


def _eligible_items_query(campaign: Campaign, annotator: User, k: int):  # type: ignore[no-untyped-def]
    seen = exists().where(Assignment.item_id == Item.id, Assignment.annotator_id == annotator.id)
    # Nobody judges an item holding their own writing.
    authored = exists().where(Candidate.item_id == Item.id, Candidate.author_id == annotator.id)
    return select(Item.id).where(
        Item.campaign_id == campaign.id,
        Item.status == ItemStatus.ready,
        Item.assigned_count < k,
        ~seen,
        ~authored,
    )


def next_task(
    session: Session, campaign: Campaign, annotator: User, rng: random.Random | None = None
) -> LeasedTask | None:
    """Resume the annotator's open lease, or lease the best item they may still judge."""
    if campaign.status != CampaignStatus.active:
        raise CampaignNotActive(f"Campaign '{campaign.slug}' is {campaign.status.value}")
    rng = rng or random.SystemRandom()
    expire_leases(session, campaign)
    current = _open_lease(session, campaign, annotator)
    if current is not None:
        return _load_task(session, current)

    spec = spec_of(campaign)
    k = spec.redundancy
    query = (
        _eligible_items_query(campaign, annotator, k)
        # Items nearer completion first, so campaigns finish; then priority and age.
        .order_by(Item.judgment_count.desc(), Item.priority.desc(), Item.id)
        .limit(QUEUE_WINDOW)
    )
    passes = [query]
    if session.get_bind().dialect.name == "postgresql":
        # First skip rows other requests are claiming; if that leaves nothing, look again
        # without skipping, so "nothing left" is never reported because of a passing lock.
        passes.insert(0, query.with_for_update(skip_locked=True, of=Item))
    for attempt in passes:
        item_ids = list(session.scalars(attempt))
        rng.shuffle(item_ids)
        for item_id in item_ids:
            task = _try_lease(session, campaign, annotator, item_id, rng)
            if task is not None:
                return task
    return None


def _try_lease(
    session: Session, campaign: Campaign, annotator: User, item_id: int, rng: random.Random
) -> LeasedTask | None:
    spec = spec_of(campaign)
    if not _claim_slot(session, item_id, spec.redundancy):
        return None
    try:
        with session.begin_nested():
            assignment = Assignment(
                campaign_id=campaign.id,
                item_id=item_id,
                annotator_id=annotator.id,
                status=AssignmentStatus.leased,
                shown_order=_choose_shown_order(session, item_id, rng, spec.candidates_per_task),
                expires_at=utcnow() + timedelta(minutes=spec.lease_minutes),
            )
            session.add(assignment)
            session.flush()
    except IntegrityError:
        # The same annotator leased this item in a concurrent request: give the slot back.
        _release_slot(session, item_id)
        return None
    return _load_task(session, assignment)


def _choose_shown_order(session: Session, item_id: int, rng: random.Random, size: int) -> list[int]:
    """Pick the least-compared subset of the item's candidates, in a random order."""
    ids = list(
        session.scalars(
            select(Candidate.id).where(Candidate.item_id == item_id).order_by(Candidate.position)
        )
    )
    if len(ids) > size:
        shown_before = Counter(
            frozenset(order)
            for order in session.scalars(
                select(Assignment.shown_order).where(
                    Assignment.item_id == item_id,
                    Assignment.status.in_([AssignmentStatus.leased, AssignmentStatus.submitted]),
                )
            )
        )
        subsets = list(itertools.combinations(ids, size))
        fewest = min(shown_before[frozenset(s)] for s in subsets)
        ids = list(rng.choice([s for s in subsets if shown_before[frozenset(s)] == fewest]))
    rng.shuffle(ids)
    return ids


def _load_task(session: Session, assignment: Assignment) -> LeasedTask:
    item = session.get_one(Item, assignment.item_id)
    by_id = {
        c.id: c
        for c in session.scalars(select(Candidate).where(Candidate.id.in_(assignment.shown_order)))
    }
    return LeasedTask(assignment, item, [by_id[cid] for cid in assignment.shown_order])


def task_payload(campaign: Campaign, task: LeasedTask) -> dict[str, Any]:
    """What the annotator sees: anonymised candidates labelled A, B, ... in the shown order."""
    spec = spec_of(campaign)
    return {
        "assignment_id": task.assignment.id,
        "item_id": task.item.id,
        "expires_at": task.assignment.expires_at,
        "campaign": {"slug": campaign.slug, "name": campaign.name, "guidelines": spec.guidelines},
        "context": task.item.context,
        "candidates": [
            {"label": LABELS[i], "content": c.content} for i, c in enumerate(task.candidates)
        ],
        "questions": [q.model_dump() for q in spec.questions],
    }


def submit(
    session: Session,
    campaign: Campaign,
    annotator: User,
    *,
    assignment_id: int,
    client_id: str,
    answers: dict[str, Any],
    time_spent_ms: int | None,
) -> Judgment:
    """Store one judgment. A retried submit (same client id) returns the stored one."""
    previous = _judgment_by_client_id(session, annotator, client_id)
    if previous is not None:
        return _same_submission(previous, assignment_id)

    assignment = session.get(Assignment, assignment_id)
    if (
        assignment is None
        or assignment.annotator_id != annotator.id
        or assignment.campaign_id != campaign.id
    ):
        raise AssignmentNotFound("No such task for you in this campaign")
    clean = validate_answers(spec_of(campaign), answers)
    k = _k(campaign)

    # The guarded update takes the assignment's row lock: a concurrent retry waits here and
    # then finds the first copy's judgment below.
    took = session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.leased)
        .values(status=AssignmentStatus.submitted, finished_at=utcnow())
    ).rowcount
    if not took:
        session.refresh(assignment)
        previous = _judgment_by_client_id(session, annotator, client_id)
        if previous is not None:
            return _same_submission(previous, assignment_id)
        if assignment.status == AssignmentStatus.submitted:
            raise AlreadySubmitted("This task was already submitted")
        # The lease lapsed and its slot went back to the pool. Keep the work if a slot is free.
        if assignment.status == AssignmentStatus.skipped or not _claim_slot(
            session, assignment.item_id, k
        ):
            raise LeaseExpired("This task expired and went to someone else")
        session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id)
            .values(status=AssignmentStatus.submitted, finished_at=utcnow())
        )

    judgment = Judgment(
        client_id=client_id,
        assignment_id=assignment.id,
        campaign_id=campaign.id,
        item_id=assignment.item_id,
        annotator_id=annotator.id,
        campaign_version=campaign.version,
        answers=clean,
        shown_order=assignment.shown_order,
        time_spent_ms=time_spent_ms,
    )
    session.add(judgment)
    session.flush()
    session.execute(
        update(Item)
        .where(Item.id == assignment.item_id)
        .values(
            judgment_count=Item.judgment_count + 1,
            status=case(
                (Item.judgment_count + 1 >= k, ItemStatus.complete.value), else_=Item.status
            ),
        )
    )
    return judgment


def _judgment_by_client_id(session: Session, annotator: User, client_id: str) -> Judgment | None:
    return session.scalar(
        select(Judgment).where(
            Judgment.annotator_id == annotator.id, Judgment.client_id == client_id
        )
    )


def _same_submission(previous: Judgment, assignment_id: int) -> Judgment:
    if previous.assignment_id != assignment_id:
        raise ClientIdReused("This client_id was already used for another task")
    return previous


def skip(
    session: Session, campaign: Campaign, annotator: User, assignment_id: int, reason: str
) -> None:
    assignment = session.get(Assignment, assignment_id)
    if (
        assignment is None
        or assignment.annotator_id != annotator.id
        or assignment.campaign_id != campaign.id
    ):
        raise AssignmentNotFound("No such task for you in this campaign")
    took = session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.leased)
        .values(status=AssignmentStatus.skipped, finished_at=utcnow(), skip_reason=reason)
    ).rowcount
    if took:
        _release_slot(session, assignment.item_id)
    elif assignment.status == AssignmentStatus.submitted:
        raise AlreadySubmitted("This task was already submitted")


@dataclass(frozen=True)
class AnnotatorProgress:
    my_judgments: int
    items_total: int
    items_complete: int


def annotator_progress(session: Session, campaign: Campaign, annotator: User) -> AnnotatorProgress:
    mine = session.scalar(
        select(func.count(Judgment.id)).where(
            Judgment.campaign_id == campaign.id, Judgment.annotator_id == annotator.id
        )
    )
    total, complete = session.execute(
        select(
            func.count(Item.id),
            func.coalesce(func.sum(case((Item.status == ItemStatus.complete, 1), else_=0)), 0),
        ).where(Item.campaign_id == campaign.id)
    ).one()
    return AnnotatorProgress(int(mine or 0), int(total), int(complete))


def available_count(session: Session, campaign: Campaign, annotator: User) -> int:
    query = _eligible_items_query(campaign, annotator, _k(campaign))
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def annotatable_campaigns(session: Session) -> list[Campaign]:
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.status == CampaignStatus.active)
            .order_by(Campaign.priority.desc(), Campaign.id)
        )
    )


def own_judgments(
    session: Session, campaign: Campaign, annotator: User, *, limit: int, offset: int
) -> list[Judgment]:
    return list(
        session.scalars(
            select(Judgment)
            .where(and_(Judgment.campaign_id == campaign.id, Judgment.annotator_id == annotator.id))
            .order_by(Judgment.id)
            .limit(limit)
            .offset(offset)
        )
    )
