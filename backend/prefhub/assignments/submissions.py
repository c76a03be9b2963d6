"""Take annotators' answers: submit (idempotent), undo within a window, revise later, skip,
report.

Judgments are append-only. Undo and revise re-open the assignment (``reopen``); the next
submission for it is a new judgment that supersedes the previous one (``revision`` + 1), so
nothing is overwritten and the item's counts do not move.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prefhub.assignments.adaptive import count_judgment, slot_cap
from prefhub.assignments.exceptions import (
    AlreadySubmitted,
    AssignmentNotFound,
    ClientIdReused,
    JudgmentNotFound,
    JudgmentSuperseded,
    LeaseExpired,
    UndoExpired,
)
from prefhub.assignments.service import (
    LeasedTask,
    check_eligible,
    claim_slot,
    load_task,
    release_slot,
)
from prefhub.campaigns.answers import validate_answers
from prefhub.campaigns.service import StoredSpec, spec_of
from prefhub.campaigns.spec import CampaignSpec
from prefhub.kit.bounds import INT32_MAX
from prefhub.kit.db import rowcount
from prefhub.kit.time import utcnow
from prefhub.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    Item,
    ItemReport,
    Judgment,
    User,
)
from prefhub.quality import qualification
from prefhub.quality.gold import gold_score_of

_Owned = TypeVar("_Owned", Assignment, Judgment)


def _owned(
    session: Session, kind: type[_Owned], row_id: int, campaign: Campaign, annotator: User
) -> _Owned | None:
    """The annotator's own row in this campaign; None for anyone else's (they never learn it
    exists)."""
    row = session.get(kind, row_id)
    if row is None or row.annotator_id != annotator.id or row.campaign_id != campaign.id:
        return None
    return row


def _own_assignment(
    session: Session, campaign: Campaign, annotator: User, assignment_id: int
) -> Assignment:
    assignment = _owned(session, Assignment, assignment_id, campaign, annotator)
    if assignment is None:
        raise AssignmentNotFound("No such task for you in this campaign")
    return assignment


def current_judgment(session: Session, assignment_id: int) -> Judgment | None:
    """The newest revision for an assignment: the one nothing supersedes."""
    superseded = select(Judgment.supersedes_id).where(Judgment.supersedes_id.is_not(None))
    return session.scalar(
        select(Judgment)
        .where(Judgment.assignment_id == assignment_id, Judgment.id.not_in(superseded))
        .order_by(Judgment.id.desc())
        .limit(1)
    )


def undo_deadline(campaign: StoredSpec, created_at: datetime) -> datetime | None:
    """Until when a judgment stored at ``created_at`` may be undone (None: never)."""
    seconds = spec_of(campaign).undo_seconds
    return created_at + timedelta(seconds=seconds) if seconds else None


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
    spec = spec_of(campaign)
    fresh = _take_fresh(session, campaign, annotator, assignment_id, client_id)
    if fresh is not None:
        assignment, is_gold = fresh
        replaced, scored = None, is_gold
    else:
        taken = _take_checked(session, campaign, annotator, spec, assignment_id, client_id)
        if isinstance(taken, Judgment):
            return taken
        assignment, replaced = taken
        scored = True
    # Answers that fail validation roll back the taking with the whole request.
    clean = validate_answers(spec, answers, len(assignment.shown_order))
    return _store(
        session,
        campaign,
        annotator,
        spec,
        assignment,
        client_id,
        clean,
        time_spent_ms,
        replaced=replaced,
        scored=scored,
    )


def _take_fresh(
    session: Session, campaign: Campaign, annotator: User, assignment_id: int, client_id: str
) -> tuple[Assignment, bool] | None:
    """The common case in one statement: close the annotator's own open lease, never submitted,
    for a client id not seen before, and say whether its item is gold. None for anything else
    (a retry, a re-opened task, someone else's or no assignment, a concurrent copy that closed
    it first), which the checked path sorts out; answers that fail validation afterwards roll
    the close back with the request.

    The guarded update takes the assignment's row lock: a concurrent retry waits here, then
    finds the lease closed. On PostgreSQL the item is read FOR KEY SHARE, as ``gold_score_of``
    does: a concurrent edit making it gold is waited for."""
    retried = select(Judgment.id).where(
        Judgment.annotator_id == annotator.id, Judgment.client_id == client_id
    )
    judged = select(Judgment.id).where(Judgment.assignment_id == Assignment.id)
    is_gold = select(Item.is_gold).where(Item.id == Assignment.item_id)
    if session.get_bind().dialect.name == "postgresql":
        is_gold = is_gold.with_for_update(read=True, key_share=True)
    row = session.execute(
        update(Assignment)
        .where(
            Assignment.id == assignment_id,
            Assignment.annotator_id == annotator.id,
            Assignment.campaign_id == campaign.id,
            Assignment.status == AssignmentStatus.leased,
            ~retried.exists(),
            ~judged.exists(),
        )
        .values(status=AssignmentStatus.submitted, finished_at=utcnow())
        .returning(Assignment, is_gold.scalar_subquery())
    ).first()
    return None if row is None else (row[0], bool(row[1]))


def _take(session: Session, assignment: Assignment) -> bool:
    """Close the lease, if it is still open (``_take_checked``'s ``_take_fresh``)."""
    return bool(
        rowcount(
            session,
            update(Assignment)
            .where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.leased)
            .values(status=AssignmentStatus.submitted, finished_at=utcnow()),
        )
    )


def _take_checked(
    session: Session,
    campaign: Campaign,
    annotator: User,
    spec: CampaignSpec,
    assignment_id: int,
    client_id: str,
) -> Judgment | tuple[Assignment, Judgment | None]:
    """Every other case: a retry (its stored judgment comes back), a re-opened task (with the
    judgment the new one supersedes), a lapsed lease, someone else's task."""
    previous = _judgment_by_client_id(session, annotator, client_id)
    if previous is not None:
        return _same_submission(previous, assignment_id)

    assignment = _own_assignment(session, campaign, annotator, assignment_id)
    if not _take(session, assignment):
        session.refresh(assignment)
        previous = _judgment_by_client_id(session, annotator, client_id)
        if previous is not None:
            return _same_submission(previous, assignment_id)
        if assignment.status == AssignmentStatus.submitted:
            raise AlreadySubmitted("This task was already submitted")
        # The lease lapsed and its slot went back to the pool. Keep the work if a slot is free.
        if assignment.status == AssignmentStatus.skipped or not claim_slot(
            session, assignment.item_id, slot_cap(spec, _slots(session, spec, assignment.item_id))
        ):
            raise LeaseExpired("This task expired and went to someone else")
        session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id)
            .values(status=AssignmentStatus.submitted, finished_at=utcnow())
        )
    return assignment, current_judgment(session, assignment.id)


def _store(
    session: Session,
    campaign: Campaign,
    annotator: User,
    spec: CampaignSpec,
    assignment: Assignment,
    client_id: str,
    clean: dict[str, Any],
    time_spent_ms: int | None,
    *,
    replaced: Judgment | None,
    scored: bool,
) -> Judgment:
    """Insert the judgment (a new revision of ``replaced``) and count it. ``scored``: the item
    may be gold (``gold_score_of`` reads it); False when it was read as not gold already."""
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
        revision=replaced.revision + 1 if replaced else 0,
        supersedes_id=replaced.id if replaced else None,
        gold_score=gold_score_of(session, assignment.item_id, clean, assignment.shown_order)
        if scored
        else None,
    )
    session.add(judgment)
    session.flush()
    count_judgment(session, spec, assignment.item_id, new=replaced is None)
    qualification.after_answer(session, campaign, annotator, judgment)
    return judgment


def _slots(session: Session, spec: CampaignSpec, item_id: int) -> int:
    """How many leases an item may hold: K, or no cap for a gold item served at a rate."""
    gold_apart = spec.quality.gold_rate or spec.quality.qualification is not None
    if gold_apart and session.scalar(select(Item.is_gold).where(Item.id == item_id)):
        return INT32_MAX
    return spec.redundancy


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


def undo(
    session: Session, campaign: Campaign, annotator: User, judgment_id: int
) -> tuple[LeasedTask, Judgment]:
    """Re-open a just-submitted task so its answers can be changed (as a new revision)."""
    window = timedelta(seconds=spec_of(campaign).undo_seconds)
    try:
        return reopen(session, campaign, annotator, judgment_id, window=window)
    except JudgmentSuperseded as exc:
        raise UndoExpired("This judgment was already revised") from exc


def revise(
    session: Session, campaign: Campaign, annotator: User, judgment_id: int
) -> tuple[LeasedTask, Judgment]:
    """Re-open any of the annotator's past judgments (its latest revision) while the campaign
    is active. The next submit is validated against, and stored under, the current spec version.

    Gold items are revisable like the rest: refusing them would tell annotators which items are
    attention checks, and the first answer stays stored (revision 0) for whoever scores them.
    """
    judgment = _own_judgment(session, campaign, annotator, judgment_id)
    check_eligible(campaign, annotator)
    return reopen(session, campaign, annotator, judgment.id, window=None)


def reopen(
    session: Session,
    campaign: Campaign,
    annotator: User,
    judgment_id: int,
    *,
    window: timedelta | None,
) -> tuple[LeasedTask, Judgment]:
    """Lease a judged task to its annotator again, with the judgment it will supersede.

    ``window`` is how long after the judgment it may be re-opened (undo); None, at any time
    (revise). Only the latest revision may be: an older one is 409 ``judgment_superseded``.
    Re-opening what is already open extends the lease (a reload asks again).
    """
    judgment = _own_judgment(session, campaign, annotator, judgment_id)
    current = current_judgment(session, judgment.assignment_id)
    if current is None or current.id != judgment.id:
        raise JudgmentSuperseded(
            f"Judgment {judgment.id} was revised since: revise the latest one",
            details={"latest_judgment_id": current.id if current else None},
        )
    if window is not None and utcnow() >= judgment.created_at + window:
        raise UndoExpired("The undo window for this judgment has passed")
    lease = timedelta(minutes=spec_of(campaign).lease_minutes)
    session.execute(
        update(Assignment)
        .where(
            Assignment.id == judgment.assignment_id,
            Assignment.status.in_([AssignmentStatus.submitted, AssignmentStatus.leased]),
        )
        .values(status=AssignmentStatus.leased, expires_at=utcnow() + lease, finished_at=None)
    )
    assignment = session.get_one(Assignment, judgment.assignment_id)
    session.refresh(assignment)
    return load_task(session, assignment), judgment


def _own_judgment(
    session: Session, campaign: Campaign, annotator: User, judgment_id: int
) -> Judgment:
    judgment = _owned(session, Judgment, judgment_id, campaign, annotator)
    if judgment is None:
        raise JudgmentNotFound("No such judgment of yours in this campaign")
    return judgment


def _release(session: Session, assignment: Assignment, reason: str) -> bool:
    took = rowcount(
        session,
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.leased)
        .values(status=AssignmentStatus.skipped, finished_at=utcnow(), skip_reason=reason),
    )
    if took:
        release_slot(session, assignment.item_id)
    elif assignment.status == AssignmentStatus.submitted:
        raise AlreadySubmitted("This task was already submitted")
    return bool(took)


def skip(
    session: Session, campaign: Campaign, annotator: User, assignment_id: int, reason: str
) -> None:
    """Give the task back. A re-opened (undone or revised) task is closed instead: its
    stored answer stands, as if it had not been re-opened."""
    assignment = _own_assignment(session, campaign, annotator, assignment_id)
    if current_judgment(session, assignment.id) is None:
        _release(session, assignment, reason)
        return
    kept = rowcount(
        session,
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.leased)
        .values(status=AssignmentStatus.submitted, finished_at=utcnow()),
    )
    if not kept:
        raise AlreadySubmitted("This task was already submitted; it cannot be skipped")


def report(
    session: Session, campaign: Campaign, annotator: User, assignment_id: int, reason: str
) -> ItemReport:
    """Record that an item is broken or unanswerable, and release the task."""
    assignment = _own_assignment(session, campaign, annotator, assignment_id)
    row = ItemReport(
        campaign_id=campaign.id,
        item_id=assignment.item_id,
        assignment_id=assignment.id,
        annotator_id=annotator.id,
        reason=reason,
    )
    session.add(row)
    if current_judgment(session, assignment.id) is None:
        _release(session, assignment, f"reported: {reason}")
    session.flush()
    return row
