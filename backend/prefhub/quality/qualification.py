"""The qualification phase: each annotator's first tasks are gold items, answered with feedback,
and decide whether they go on.

While an annotator is neither qualified nor excluded, every task they get is an unseen gold
item with expected answers (``next_step``), up to the phase's ``tasks``: a lease held open
counts, a lapsed or skipped one does not. The N-th answer decides (``after_answer``): a mean
gold score at or above the pass mark sets ``qualified_at`` and real tasks follow; below it the
annotator's standing becomes ``excluded`` (source ``qualification``): they get no more tasks,
and their judgments stay, marked by that standing. Both run under a lock on the annotator's
participant row, so two tabs (or prefetched leases) of one annotator get no more than N gold
tasks and never reach a real task before the decision.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.campaigns.answers import LABELS
from prefhub.campaigns.service import spec_of
from prefhub.campaigns.spec import Qualification
from prefhub.kit.time import utcnow
from prefhub.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignParticipant,
    Candidate,
    Item,
    Judgment,
    User,
)
from prefhub.participation.service import EXCLUDED, QUALIFICATION, find, require_not_excluded
from prefhub.quality.gold_supply import unseen_gold

# How many unseen gold items to draw the next one from at random.
DRAW_WINDOW = 64


def _qualifying_item() -> ColumnElement[bool]:
    """Gold items with expected answers: the only ones a qualification answer is scored on."""
    return and_(Item.is_gold.is_(True), Item.gold_expected.is_not(None))


# ---------------------------------------------------------------- serving


@dataclass(frozen=True)
class Step:
    """What the annotator's next task is while the phase runs.

    ``passed``: real tasks (the phase is over, or was passed just now); ``lease``: the gold item
    ``item_id``; ``held``: every qualification task is handed out, and open in another tab;
    ``stopped``: nothing to serve (no unseen gold left, or excluded just now).
    """

    kind: Literal["passed", "lease", "held", "stopped"]
    item_id: int | None = None


def next_step(
    session: Session, campaign: Campaign, annotator: User, rules: Qualification, rng: random.Random
) -> Step:
    participant = _locked_participant(session, campaign, annotator)
    # Read again under the lock: a concurrent submit may have just decided.
    require_not_excluded(session, campaign, annotator)
    if participant.qualified_at is not None:
        return Step("passed")
    scores = _scores(session, campaign, annotator)
    if len(scores) >= rules.tasks:
        # Answered before the phase asked for this few (the spec changed): decide now.
        return Step("passed") if _decide(participant, rules, scores) else Step("stopped")
    if _taken(session, campaign, annotator) >= rules.tasks:
        return Step("held")
    unseen = list(
        session.scalars(_unseen_gold(campaign, annotator).order_by(Item.id).limit(DRAW_WINDOW))
    )
    if unseen:
        return Step("lease", rng.choice(unseen))
    if _taken(session, campaign, annotator) > len(scores):
        return Step("held")
    # Out of gold (skipped or lapsed ones are not served again): what was answered decides.
    if scores and _decide(participant, rules, scores):
        return Step("passed")
    return Step("stopped")


def after_answer(session: Session, campaign: Campaign, annotator: User, judgment: Judgment) -> None:
    """On a new judgment: the N-th qualification answer (or the last one the gold allows)
    decides whether the annotator goes on."""
    rules = spec_of(campaign).quality.qualification
    if rules is None or judgment.revision != 0 or not _is_qualifying(session, judgment.item_id):
        return
    participant = _locked_participant(session, campaign, annotator)
    if participant.qualified_at is not None or participant.standing == EXCLUDED:
        return
    scores = _scores(session, campaign, annotator)
    out_of_gold = session.scalar(_unseen_gold(campaign, annotator).limit(1)) is None and _taken(
        session, campaign, annotator
    ) <= len(scores)
    if len(scores) >= rules.tasks or out_of_gold:
        _decide(participant, rules, scores)


def _decide(
    participant: CampaignParticipant, rules: Qualification, scores: list[float | None]
) -> bool:
    """Pass or stop the annotator on their first ``rules.tasks`` answers; whether they passed.
    An answer that could not be scored (its candidates were not all shown) counts for neither."""
    counted = scores[: rules.tasks]
    scored = [s for s in counted if s is not None]
    mean = sum(scored) / len(scored) if scored else 1.0
    now = utcnow()
    if mean >= rules.pass_mark:
        participant.qualified_at = now
        return True
    right = sum(1 for s in scored if s >= 1.0)
    participant.standing = EXCLUDED
    participant.standing_source = QUALIFICATION
    participant.standing_reason = (
        f"qualification {right} of {len(counted)} right ({mean:.2f}), "
        f"pass mark {rules.pass_mark:.2f}"
    )
    participant.standing_at = now
    return False


def _locked_participant(
    session: Session, campaign: Campaign, annotator: User
) -> CampaignParticipant:
    """The annotator's participant row, created if need be, locked until the transaction ends
    (SQLite: its one writer at a time already serialises the phase's reads and writes)."""
    query = (
        select(CampaignParticipant)
        .where(
            CampaignParticipant.campaign_id == campaign.id,
            CampaignParticipant.user_id == annotator.id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    participant = session.scalar(query)
    if participant is None:
        try:
            with session.begin_nested():
                session.add(CampaignParticipant(campaign_id=campaign.id, user_id=annotator.id))
        except IntegrityError:
            pass  # a concurrent request of the same annotator created it
        participant = session.scalar(query)
    assert participant is not None  # created above, or by the request that raced us
    return participant


def _scores(session: Session, campaign: Campaign, annotator: User) -> list[float | None]:
    """The annotator's answers on qualifying gold items, first answers only, in the order given."""
    return list(
        session.scalars(
            select(Judgment.gold_score)
            .join(Item, Item.id == Judgment.item_id)
            .where(
                Judgment.campaign_id == campaign.id,
                Judgment.annotator_id == annotator.id,
                Judgment.revision == 0,
                _qualifying_item(),
            )
            .order_by(Judgment.id)
        )
    )


def _taken(session: Session, campaign: Campaign, annotator: User) -> int:
    """Qualification tasks handed out: answered, or leased and not lapsed."""
    count = session.scalar(
        select(func.count(Assignment.id))
        .join(Item, Item.id == Assignment.item_id)
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.annotator_id == annotator.id,
            _qualifying_item(),
            or_(
                Assignment.status == AssignmentStatus.submitted,
                and_(
                    Assignment.status == AssignmentStatus.leased,
                    Assignment.expires_at >= utcnow(),
                ),
            ),
        )
    )
    return int(count or 0)


def _unseen_gold(campaign: Campaign, annotator: User) -> Select[tuple[int]]:
    return unseen_gold(campaign, annotator, spec_of(campaign)).where(_qualifying_item())


def _is_qualifying(session: Session, item_id: int) -> bool:
    return session.scalar(select(Item.id).where(Item.id == item_id, _qualifying_item())) is not None


# ---------------------------------------------------------------- feedback


@dataclass(frozen=True)
class Feedback:
    """What an annotator is told after a qualification answer."""

    correct: bool
    score: float | None
    expected: dict[str, Any]  # question id -> expected answer, in the labels the annotator saw
    explanation: str | None  # the gold item's feedback text
    answered: int  # this was answer ``answered`` of ``tasks``
    tasks: int
    outcome: Literal["pending", "passed", "failed"]


def feedback(session: Session, campaign: Campaign, judgment: Judgment) -> Feedback | None:
    """The feedback on ``judgment`` if it is one of its annotator's qualification answers (a
    retried submit gets the same); None for any other judgment."""
    rules = spec_of(campaign).quality.qualification
    if rules is None or judgment.revision != 0:
        return None
    item = session.get_one(Item, judgment.item_id)
    if not item.is_gold or not item.gold_expected:
        return None
    answered = session.scalar(
        select(func.count(Judgment.id))
        .join(Item, Item.id == Judgment.item_id)
        .where(
            Judgment.campaign_id == campaign.id,
            Judgment.annotator_id == judgment.annotator_id,
            Judgment.revision == 0,
            Judgment.id <= judgment.id,
            _qualifying_item(),
        )
    )
    answered = int(answered or 0)
    if answered > rules.tasks:
        return None  # a gold item mixed in after the phase: never announced
    participant = find(session, campaign, session.get_one(User, judgment.annotator_id))
    outcome: Literal["pending", "passed", "failed"] = "pending"
    if participant is not None and participant.standing == EXCLUDED:
        outcome = "failed"
    elif participant is not None and participant.qualified_at is not None:
        outcome = "passed"
    positions = dict(
        session.execute(
            select(Candidate.id, Candidate.position).where(Candidate.item_id == item.id)
        )
        .tuples()
        .all()
    )
    return Feedback(
        correct=judgment.gold_score is not None and judgment.gold_score >= 1.0,
        score=judgment.gold_score,
        expected=in_shown_labels(item.gold_expected, judgment.shown_order, positions),
        explanation=item.gold_feedback,
        answered=answered,
        tasks=rules.tasks,
        outcome=outcome,
    )


def in_shown_labels(
    expected: dict[str, Any], shown_order: list[int], positions: dict[int, int]
) -> dict[str, Any]:
    """Expected answers (which name candidates by import letter) renamed to the labels one
    annotator saw: through ``shown_order`` (candidate ids as shown) and ``positions`` (candidate
    id -> import position). A candidate that was not shown is left out; words such as "tie"
    stay as they are."""
    to_shown = {
        LABELS[positions[cid]]: LABELS[i] for i, cid in enumerate(shown_order) if cid in positions
    }

    def is_letter(value: Any) -> bool:
        return isinstance(value, str) and len(value) == 1 and value in LABELS

    def rename(value: Any) -> Any:
        if isinstance(value, list):
            return [to_shown.get(v, v) for v in value if not is_letter(v) or v in to_shown]
        if isinstance(value, dict):
            return {
                to_shown.get(k, k): v for k, v in value.items() if not is_letter(k) or k in to_shown
            }
        return value

    return {
        qid: {field: rename(value) for field, value in answer.items()}
        for qid, answer in expected.items()
        if isinstance(answer, dict)
    }
