"""A researcher marks an item gold from the data browser, or makes it an ordinary item again.

Expected answers are checked as the import checks them (``quality.gold.expected_problems``),
against the item's own candidates. Judgments already made on the item are re-scored in the same
transaction: setting answers scores them all (each as if it were submitted now), clearing them
sets their ``gold_score`` back to null, so the gold report never mixes old and new answers.
The item's row is locked first (FOR UPDATE), so two edits of one item apply one after the other,
and a judgment being submitted meanwhile is scored against the answers that win
(``gold.gold_score_of`` reads the item under FOR KEY SHARE). What was already decided from the
old scores stays: a qualification phase passed or failed is not re-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.items.exceptions import ItemNotFound
from prefhub.models import Campaign, Candidate, Item, ItemStatus, Judgment
from prefhub.quality.exceptions import GoldAnswerInvalid
from prefhub.quality.gold import ImportGold, expected_problems, score

# Judgments re-scored per statement: bounds the memory of one step, whatever the item's count.
RESCORE_CHUNK = 1000


@dataclass(frozen=True)
class GoldState:
    item: Item
    rescored: int  # judgments whose gold_score was (re)computed or cleared


def gold_item(session: Session, campaign: Campaign, item_id: int, *, lock: bool = False) -> Item:
    """The campaign's item ``item_id``; 404 for another campaign's, or one still importing."""
    query = select(Item).where(
        Item.id == item_id, Item.campaign_id == campaign.id, Item.status != ItemStatus.importing
    )
    item = session.scalar(query.with_for_update() if lock else query)
    if item is None:
        raise ItemNotFound(f"No item {item_id} in campaign '{campaign.slug}'")
    return item


def set_gold(session: Session, campaign: Campaign, item_id: int, gold: ImportGold) -> GoldState:
    """Make the item gold with these expected answers and feedback, and re-score its
    judgments. Empty ``expected``: a gold item nothing scores (as ``"gold": true`` imports)."""
    item = gold_item(session, campaign, item_id, lock=True)
    positions = _positions(session, item.id)
    problems = expected_problems(spec_of(campaign), gold, len(positions))
    if problems:
        raise GoldAnswerInvalid(
            f"{problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            details=[{"field": p.field, "message": p.message} for p in problems],
        )
    expected = gold.model_dump(mode="json", exclude_none=True)["expected"] or None
    item.is_gold = True
    item.gold_expected = expected
    item.gold_feedback = gold.feedback
    session.flush()
    return GoldState(item, _rescore(session, item.id, expected, positions))


def clear_gold(session: Session, campaign: Campaign, item_id: int) -> GoldState:
    """Make the item an ordinary one: no expected answers, no feedback, and its judgments'
    gold scores cleared (they no longer count in the gold report)."""
    item = gold_item(session, campaign, item_id, lock=True)
    item.is_gold = False
    item.gold_expected = None
    item.gold_feedback = None
    session.flush()
    cleared = session.execute(
        update(Judgment)
        .where(Judgment.item_id == item.id, Judgment.gold_score.is_not(None))
        .values(gold_score=None)
    )
    return GoldState(item, int(getattr(cleared, "rowcount", 0) or 0))


def _positions(session: Session, item_id: int) -> dict[int, int]:
    return dict(
        session.execute(
            select(Candidate.id, Candidate.position).where(Candidate.item_id == item_id)
        )
        .tuples()
        .all()
    )


def _rescore(
    session: Session, item_id: int, expected: dict[str, Any] | None, positions: dict[int, int]
) -> int:
    """Score every judgment of the item (every revision, as submit would have) against
    ``expected``, a chunk at a time by id."""
    done, after = 0, 0
    while True:
        rows = session.execute(
            select(Judgment.id, Judgment.answers, Judgment.shown_order)
            .where(Judgment.item_id == item_id, Judgment.id > after)
            .order_by(Judgment.id)
            .limit(RESCORE_CHUNK)
        ).all()
        if not rows:
            return done
        session.execute(
            update(Judgment),
            [
                {
                    "id": judgment_id,
                    "gold_score": score(expected, answers, shown_order, positions)
                    if expected
                    else None,
                }
                for judgment_id, answers, shown_order in rows
            ],
        )
        done += len(rows)
        after = rows[-1][0]
