"""Hand items to annotators, correctly under concurrency (submissions: ``submissions.py``).

Invariants (held by guarded UPDATEs, not by reading then writing):
- ``items.assigned_count`` (open leases + submissions) never exceeds the item's cap: the
  campaign's K, or its own number under adaptive redundancy (``adaptive.py``);
- one assignment per (item, annotator), ever: nobody sees an item twice;
- one judgment per (annotator, client id): a retried submit returns the first one.
On PostgreSQL, candidate items are read ``FOR UPDATE SKIP LOCKED`` so concurrent requests
spread over different rows; on SQLite every write transaction is serialised.
"""

from __future__ import annotations

import itertools
import logging
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased

from prefhub.assignments import adaptive, pair_choice
from prefhub.assignments.eligibility import (
    ineligibility_reason,
    may_annotate,
    quota_allows,
    sees_campaign,
)
from prefhub.assignments.exceptions import (
    CampaignNotActive,
    LeaseCapReached,
    NotEligible,
)
from prefhub.assignments.seen import unseen_by
from prefhub.campaigns.answers import LABELS
from prefhub.campaigns.exceptions import CampaignNotFound, SpecNoLongerValid
from prefhub.campaigns.lifecycle import SHOWN_TO_ANNOTATORS
from prefhub.campaigns.service import CampaignColumns, spec_of
from prefhub.campaigns.spec import CampaignSpec
from prefhub.kit.content import prompt_excerpt
from prefhub.kit.db import rowcount
from prefhub.kit.time import utcnow
from prefhub.models import (
    AnnotatorJudgmentCount,
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignItemCount,
    CampaignStatus,
    Candidate,
    Item,
    ItemStatus,
    Judgment,
    User,
)
from prefhub.participation.exceptions import AnnotatorExcluded, OnboardingRequired
from prefhub.participation.service import (
    require_not_excluded,
    require_onboarded,
    target_reached,
)
from prefhub.quality import qualification
from prefhub.quality.gold_supply import unseen_gold

log = logging.getLogger(__name__)

# How many queue-head items to consider per request; a random pick among them keeps
# concurrent annotators from all contending for the same row.
QUEUE_WINDOW = 16
_BUSY = object()
MAX_SUBSETS = 200


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
    ).tuples()
    return _expire(session, stale.all())


def _expire(session: Session, stale: Sequence[tuple[int, int]]) -> int:
    released = 0
    for assignment_id, item_id in stale:
        # An undone submission left open and abandoned keeps its judgment and its slot.
        judged = session.scalar(select(exists().where(Judgment.assignment_id == assignment_id)))
        changed = rowcount(
            session,
            update(Assignment)
            .where(Assignment.id == assignment_id, Assignment.status == AssignmentStatus.leased)
            .values(
                status=AssignmentStatus.submitted if judged else AssignmentStatus.expired,
                finished_at=utcnow(),
            ),
        )
        if changed and not judged:
            release_slot(session, item_id)
            released += 1
    return released


def _expire_and_open_leases(
    session: Session, campaign: Campaign, annotator: User
) -> list[Assignment]:
    """``expire_leases`` and the annotator's open leases (oldest first) in one read: the
    campaign's lapsed leases and the annotator's live ones."""
    now = utcnow()
    leases = session.scalars(
        select(Assignment)
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.status == AssignmentStatus.leased,
            or_(Assignment.expires_at < now, Assignment.annotator_id == annotator.id),
        )
        .order_by(Assignment.id)
    ).all()
    _expire(session, [(a.id, a.item_id) for a in leases if a.expires_at < now])
    return [a for a in leases if a.annotator_id == annotator.id and a.expires_at >= now]


def release_slot(session: Session, item_id: int) -> None:
    session.execute(
        update(Item)
        .where(Item.id == item_id, Item.assigned_count > 0)
        .values(assigned_count=Item.assigned_count - 1)
    )


def claim_slot(session: Session, item_id: int, cap: int | ColumnElement[int]) -> bool:
    """Atomically take one of the item's slots (``cap``: K, or ``adaptive.slot_cap``); False
    when another request took the last."""
    return bool(
        rowcount(
            session,
            update(Item)
            .where(Item.id == item_id, Item.assigned_count < cap)
            .values(assigned_count=Item.assigned_count + 1),
        )
    )


def _open_leases(session: Session, campaign: Campaign, annotator: User) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(
                Assignment.campaign_id == campaign.id,
                Assignment.annotator_id == annotator.id,
                Assignment.status == AssignmentStatus.leased,
                Assignment.expires_at >= utcnow(),
            )
            .order_by(Assignment.id)
        )
    )


def _eligible_items_query(campaign: Campaign, annotator: User, k: int) -> Select[tuple[int]]:
    # Nobody judges an item holding their own writing.
    authored = exists().where(Candidate.item_id == Item.id, Candidate.author_id == annotator.id)
    spec = spec_of(campaign)
    query = select(Item.id).where(
        Item.campaign_id == campaign.id,
        Item.status == ItemStatus.ready,
        Item.assigned_count < adaptive.slot_cap(spec, k),
        unseen_by(campaign.id, annotator.id),
        ~authored,
    )
    if spec.quality.gold_rate or spec.quality.qualification is not None:
        # Gold items come at their own rate (``_lease_gold``) or in the qualification phase,
        # never from the queue.
        query = query.where(Item.is_gold.is_(False))
    if spec.rounds is not None:
        query = query.where(Item.round.in_(spec.rounds))
    return query


def _gold_items_query(campaign: Campaign, annotator: User) -> Select[tuple[int]]:
    """Gold items the annotator has not seen: served to every annotator, not limited by K
    (an accuracy is only comparable across annotators who answered the same checks)."""
    return unseen_gold(campaign, annotator, spec_of(campaign))


def _lease_gold(
    session: Session, campaign: Campaign, annotator: User, spec: CampaignSpec, rng: random.Random
) -> LeasedTask | None:
    """Lease a random unseen gold item, while the annotator still has real items to judge (a
    stream of gold alone would announce it). The (item, annotator) unique key keeps a
    concurrent request of the same annotator from leasing it twice."""
    regular = _eligible_items_query(campaign, annotator, spec.redundancy).limit(1)
    if session.scalar(regular) is None:
        return None
    item_ids = list(
        session.scalars(_gold_items_query(campaign, annotator).order_by(Item.id).limit(64))
    )
    if not item_ids:
        return None
    return _lease_uncapped(session, campaign, annotator, spec, rng.choice(item_ids), rng)


def _lease_uncapped(
    session: Session,
    campaign: Campaign,
    annotator: User,
    spec: CampaignSpec,
    item_id: int,
    rng: random.Random,
) -> LeasedTask | None:
    """Lease a gold item: counted like any lease (a skip or an expiry gives it back), but
    never capped by K."""
    try:
        with session.begin_nested():
            session.execute(
                update(Item)
                .where(Item.id == item_id)
                .values(assigned_count=Item.assigned_count + 1)
            )
            return _new_lease(session, campaign, annotator, spec, item_id, rng)
    except IntegrityError:
        return None


def _qualification_task(
    session: Session,
    campaign: Campaign,
    annotator: User,
    spec: CampaignSpec,
    rng: random.Random,
    step: qualification.Step,
    *,
    additional: bool,
) -> LeasedTask | None:
    """The qualification phase's next task, as ``qualification.next_step`` decided."""
    if step.kind == "lease" and step.item_id is not None:
        return _lease_uncapped(session, campaign, annotator, spec, step.item_id, rng)
    if step.kind == "held":
        held = _open_leases(session, campaign, annotator)
        if held and not additional:
            return load_task(session, held[0])
        raise LeaseCapReached("Finish the qualification tasks you hold first")
    return None


def check_eligible(campaign: Campaign, annotator: User) -> None:
    if not sees_campaign(annotator, campaign.id):
        raise CampaignNotFound(f"No campaign with slug '{campaign.slug}'")
    if campaign.status == CampaignStatus.paused:
        raise CampaignNotActive(
            f"Campaign '{campaign.slug}' is paused: it gives out no new tasks until its "
            "researchers resume it (a task you already hold can still be submitted)",
            details={"status": campaign.status.value},
        )
    if campaign.status != CampaignStatus.active:
        raise CampaignNotActive(
            f"Campaign '{campaign.slug}' is {campaign.status.value}: it takes no new annotations",
            details={"status": campaign.status.value},
        )
    reason = ineligibility_reason(spec_of(campaign), annotator)
    if reason:
        raise NotEligible(f"You cannot annotate this campaign: {reason}")


def next_task(
    session: Session,
    campaign: Campaign,
    annotator: User,
    rng: random.Random | None = None,
    *,
    additional: bool = False,
) -> LeasedTask | None:
    """Resume the annotator's oldest open lease, or lease the best item they may still judge.

    ``additional`` asks for one more lease while holding others (prefetching clients), up to
    the campaign's ``max_open_leases``.
    """
    if campaign.status != CampaignStatus.active and not additional:
        # Paused or closed: a task the annotator held before is still theirs to finish (a
        # reload must not lose it); only new tasks are refused.
        held = _expire_and_open_leases(session, campaign, annotator)
        if held and sees_campaign(annotator, campaign.id):
            return load_task(session, held[0])
    check_eligible(campaign, annotator)
    require_onboarded(session, campaign, annotator)
    require_not_excluded(session, campaign, annotator)
    if target_reached(session, campaign, annotator):
        return None
    rng = rng or random.SystemRandom()
    spec = spec_of(campaign)
    open_leases = _expire_and_open_leases(session, campaign, annotator)
    if open_leases and not additional:
        return load_task(session, open_leases[0])
    if len(open_leases) >= spec.max_open_leases:
        raise LeaseCapReached(f"You already hold {len(open_leases)} open task(s) here")
    if spec.quality.qualification is not None:
        step = qualification.next_step(
            session, campaign, annotator, spec.quality.qualification, rng
        )
        if step.kind != "passed":
            return _qualification_task(
                session, campaign, annotator, spec, rng, step, additional=additional
            )

    if spec.quality.gold_rate and rng.random() < spec.quality.gold_rate:
        task = _lease_gold(session, campaign, annotator, spec, rng)
        if task is not None:
            return task
    if not spec.quotas:
        task = _lease_first_free(session, campaign, annotator, spec, rng)
        if task is not None:
            return task
    return _lease_from_window(session, campaign, annotator, spec, rng)


# What GET /next answers with an error instead of a task.
NEXT_REFUSALS = (
    CampaignNotActive,
    CampaignNotFound,
    LeaseCapReached,
    NotEligible,
    OnboardingRequired,
    AnnotatorExcluded,
)


@dataclass(frozen=True)
class NextAfterSubmit:
    task: LeasedTask | None


def next_after_submit(
    session: Session, campaign: Campaign, annotator: User
) -> NextAfterSubmit | None:
    """What ``next_task`` answers right after a submit (a retried submit resumes the lease the
    first one took), or None where it would refuse: the client then asks GET /next, which
    tells why. The refusals are raised before anything of their own is written."""
    session.flush()  # what the submit decided (an exclusion) is what the checks must read
    try:
        return NextAfterSubmit(next_task(session, campaign, annotator))
    except NEXT_REFUSALS:
        return None


def _queue(campaign: Campaign, annotator: User, k: int) -> Select[tuple[int]]:
    return (
        _eligible_items_query(campaign, annotator, k)
        # Items nearer completion first, so campaigns finish; then priority and age.
        .order_by(Item.judgment_count.desc(), Item.priority.desc(), Item.id)
    )


def _lease_first_free(
    session: Session, campaign: Campaign, annotator: User, spec: CampaignSpec, rng: random.Random
) -> LeasedTask | None:
    """The common case in one statement: claim a slot on the first eligible item no other
    request is claiming (``SKIP LOCKED`` spreads concurrent requests over the queue head)."""
    k = spec.redundancy
    head = _queue(campaign, annotator, k).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE leaves the key-share locks of judgment inserts unblocked.
        head = head.with_for_update(skip_locked=True, key_share=True)
    item_id = session.scalar(
        update(Item)
        .where(
            Item.id == head.correlate(None).scalar_subquery(),
            Item.assigned_count < adaptive.slot_cap(spec, k),
        )
        .values(assigned_count=Item.assigned_count + 1)
        .returning(Item.id)
    )
    if item_id is None:
        return None
    return _new_lease(session, campaign, annotator, spec, item_id, rng)


def _new_lease(
    session: Session,
    campaign: Campaign,
    annotator: User,
    spec: CampaignSpec,
    item_id: int,
    rng: random.Random,
) -> LeasedTask | None:
    """Insert the lease of an item whose slot was just claimed: the item and its candidates are
    read once, for the order shown and for the task."""
    item, candidates = _item_with_candidates(session, item_id)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # The (item, annotator) key: a concurrent request of the same annotator leased it already.
    # DO NOTHING instead of a savepoint; the slot just claimed goes back.
    assignment = session.scalar(
        dialect.insert(Assignment)
        .values(
            campaign_id=campaign.id,
            item_id=item_id,
            annotator_id=annotator.id,
            status=AssignmentStatus.leased,
            shown_order=pair_choice.informative_pair(session, campaign.id, spec, item_id, rng)
            or choose_shown_order(
                session, item_id, [c.id for c in candidates], rng, spec.candidates_per_task
            ),
            expires_at=utcnow() + timedelta(minutes=spec.lease_minutes),
        )
        .on_conflict_do_nothing()
        .returning(Assignment)
    )
    if assignment is None:
        release_slot(session, item_id)
        return None
    return _task_of(assignment, item, candidates)


def _lease_from_window(
    session: Session, campaign: Campaign, annotator: User, spec: CampaignSpec, rng: random.Random
) -> LeasedTask | None:
    """Try the queue head item by item: needed for quotas (checked in Python under the row
    lock), and to wait for rows others were claiming before saying nothing is left."""
    query = _queue(campaign, annotator, spec.redundancy).limit(
        QUEUE_WINDOW * (4 if spec.quotas else 1)
    )
    item_ids = list(session.scalars(query))
    rng.shuffle(item_ids)
    busy = []
    for item_id in item_ids:
        task = _try_lease(session, campaign, annotator, item_id, rng, wait=False)
        if task is _BUSY:
            busy.append(item_id)
        elif isinstance(task, LeasedTask):
            return task
    # Rows others were claiming may still have a slot: wait for them (briefly) rather than
    # report "nothing left" because of a passing lock.
    if busy and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL lock_timeout = '1s'"))
    for item_id in busy:
        task = _try_lease(session, campaign, annotator, item_id, rng, wait=True)
        if isinstance(task, LeasedTask):
            return task
    return None


class _NoLease(Exception):
    def __init__(self, outcome: object | None) -> None:
        self.outcome = outcome


# PostgreSQL's lock_not_available (lock_timeout) and deadlock_detected.
_LOCK_CONFLICTS = {"55P03", "40P01"}


def _try_lease(
    session: Session,
    campaign: Campaign,
    annotator: User,
    item_id: int,
    rng: random.Random,
    *,
    wait: bool,
) -> LeasedTask | object | None:
    """Lease ``item_id`` if it has a free slot; ``_BUSY`` when another request holds its row.

    Each attempt runs in a savepoint: a failed one rolls back its slot claim and its row lock,
    so a request never holds locks on items it did not lease (two requests waiting on each
    other's leftovers would deadlock).
    """
    spec = spec_of(campaign)
    postgres = session.get_bind().dialect.name == "postgresql"
    try:
        with session.begin_nested():
            if postgres:
                # FOR NO KEY UPDATE leaves the key-share locks of judgment inserts unblocked.
                locked = session.scalar(
                    select(Item.id)
                    .where(Item.id == item_id)
                    .with_for_update(skip_locked=not wait, key_share=True)
                )
                if locked is None:
                    raise _NoLease(_BUSY)
            # Under that lock (or SQLite's write lock) a group count cannot go stale.
            if spec.quotas and not quota_allows(session, spec, item_id, annotator):
                raise _NoLease(None)
            if not claim_slot(session, item_id, adaptive.slot_cap(spec, spec.redundancy)):
                raise _NoLease(None)
            return _new_lease(session, campaign, annotator, spec, item_id, rng)
    except _NoLease as no:
        return no.outcome
    except IntegrityError:
        # The same annotator leased this item in a concurrent request.
        return None
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) in _LOCK_CONFLICTS:
            return _BUSY
        raise


def choose_shown_order(
    session: Session | Connection, item_id: int, ids: list[int], rng: random.Random, size: int
) -> list[int]:
    """Pick the least-compared subset of the item's candidates (``ids``, by position), in a
    random order."""
    size = min(size, len(ids))
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
        if math.comb(len(ids), size) > MAX_SUBSETS:
            # Too many subsets to count: a uniform random draw balances in expectation.
            picked = rng.sample(ids, size)
            rng.shuffle(picked)
            return picked
        subsets = list(itertools.combinations(ids, size))
        fewest = min(shown_before[frozenset(s)] for s in subsets)
        ids = list(rng.choice([s for s in subsets if shown_before[frozenset(s)] == fewest]))
    else:
        ids = list(ids)
    rng.shuffle(ids)
    return ids


def _item_with_candidates(session: Session, item_id: int) -> tuple[Item, list[Candidate]]:
    """The item and its candidates by position, in one statement."""
    rows = session.execute(
        select(Item, Candidate)
        .join(Candidate, Candidate.item_id == Item.id)
        .where(Item.id == item_id)
        .order_by(Candidate.position)
    ).all()
    if not rows:  # an item without candidates (none is imported so; read it alone)
        return session.get_one(Item, item_id), []
    return rows[0][0], [candidate for _, candidate in rows]


def _task_of(assignment: Assignment, item: Item, candidates: list[Candidate]) -> LeasedTask:
    by_id = {c.id: c for c in candidates}
    return LeasedTask(assignment, item, [by_id[cid] for cid in assignment.shown_order])


def load_task(session: Session, assignment: Assignment) -> LeasedTask:
    item, candidates = _item_with_candidates(session, assignment.item_id)
    return _task_of(assignment, item, candidates)


def task_payload(campaign: Campaign, task: LeasedTask) -> dict[str, Any]:
    """What the annotator sees: anonymised candidates labelled A, B, ... in the shown order."""
    return task_payload_of(
        campaign,
        assignment_id=task.assignment.id,
        item_id=task.item.id,
        expires_at=task.assignment.expires_at,
        context=task.item.context,
        contents=[c.content for c in task.candidates],
    )


def task_payload_of(
    campaign: CampaignColumns,
    *,
    assignment_id: int,
    item_id: int,
    expires_at: datetime,
    context: list[Any],
    contents: list[list[Any]],
) -> dict[str, Any]:
    """``task_payload`` from the task's columns (the contents of its candidates as shown)."""
    spec = spec_of(campaign)
    return {
        "assignment_id": assignment_id,
        "item_id": item_id,
        "expires_at": expires_at,
        "campaign": {"slug": campaign.slug, "name": campaign.name, "guidelines": spec.guidelines},
        "context": context,
        "candidates": [{"label": LABELS[i], "content": c} for i, c in enumerate(contents)],
        "questions": [q.model_dump() for q in spec.questions],
        "display": spec.display.model_dump(),
    }


@dataclass(frozen=True)
class AnnotatorProgress:
    my_judgments: int
    items_total: int
    items_complete: int


def annotator_progress(session: Session, campaign: Campaign, annotator: User) -> AnnotatorProgress:
    """The annotator's judgments and the campaign's items, total and complete, in one statement
    over the counter rows the database's triggers keep (``models.counters``): a few rows read
    by primary key, however many items the campaign holds."""
    mine = select(AnnotatorJudgmentCount.judgments).where(
        AnnotatorJudgmentCount.campaign_id == campaign.id,
        AnnotatorJudgmentCount.annotator_id == annotator.id,
    )
    counts = session.execute(
        select(
            mine.scalar_subquery(),
            func.sum(CampaignItemCount.items_total),
            func.sum(CampaignItemCount.items_complete),
        ).where(CampaignItemCount.campaign_id == campaign.id)
    ).one()
    return AnnotatorProgress(*(int(n or 0) for n in counts))


def available_count(session: Session, campaign: Campaign, annotator: User) -> int:
    """Items this annotator could still get (quotas aside, which depend on who comes first)."""
    query = _eligible_items_query(campaign, annotator, _k(campaign))
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def annotatable_campaigns(session: Session, annotator: User) -> list[Campaign]:
    """Active campaigns open to the annotator, and paused ones (listed as paused)."""
    campaigns = session.scalars(
        select(Campaign)
        .where(Campaign.status.in_(SHOWN_TO_ANNOTATORS))
        .order_by(Campaign.priority.desc(), Campaign.id)
    )
    return [c for c in campaigns if _open_to(c, annotator)]


def _open_to(campaign: Campaign, annotator: User) -> bool:
    try:
        return may_annotate(campaign, annotator)
    except SpecNoLongerValid:
        # A spec stored under rules that have since been tightened: that campaign is closed
        # until it is saved again, and every other campaign stays listed.
        log.warning("campaign %s has a spec that no longer validates", campaign.slug)
        return False


def own_judgments(
    session: Session, campaign: Campaign, annotator: User, *, limit: int, offset: int
) -> list[tuple[Judgment, str, bool]]:
    """The annotator's judgments in the campaign, task by task in the order they were given
    (an item's revisions together, oldest first), each with its item's prompt excerpt (so they
    recognise what they judged) and whether it is the latest revision (the one that counts)."""
    newer = aliased(Judgment)
    superseded = exists().where(newer.supersedes_id == Judgment.id)
    rows = session.execute(
        select(Judgment, Item.context, ~superseded)
        .join(Item, Item.id == Judgment.item_id)
        .where(and_(Judgment.campaign_id == campaign.id, Judgment.annotator_id == annotator.id))
        .order_by(Judgment.assignment_id, Judgment.id)
        .limit(limit)
        .offset(offset)
    ).tuples()
    return [(judgment, prompt_excerpt(context), bool(latest)) for judgment, context, latest in rows]
