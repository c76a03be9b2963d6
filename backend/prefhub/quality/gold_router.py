"""Gold items: ``GET /api/campaigns/{slug}/quality/gold`` (accuracy per annotator and per gold
item), and the data browser's gold form on one item (``/items/{item_id}/gold``: read, set
expected answers and feedback, or make it an ordinary item again)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from prefhub.auth.dependencies import ManagedCampaign
from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.items.exceptions import ItemNotFound
from prefhub.kit.bounds import PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import Item
from prefhub.quality.exceptions import GoldAnswerInvalid
from prefhub.quality.gold import ExpectedAnswer, ImportGold, gold_report
from prefhub.quality.gold_entry import clear_gold, gold_item, set_gold

router = APIRouter(prefix="/api/campaigns/{slug}", tags=["quality"])


class GoldCounts(BaseModel):
    seen: int = Field(description="gold judgments scored (first answers only)")
    correct: int = Field(description="of them, those meeting every expected answer")
    accuracy: float = Field(description="mean score, 0..1 (partial credit counts)")


class AnnotatorGold(GoldCounts):
    annotator: str = Field(description="a stable pseudonym, never an e-mail")


class ItemGold(GoldCounts):
    item_id: int
    external_id: str


class GoldOut(BaseModel):
    gold_items: int = Field(description="gold items with expected answers")
    annotators_scored: int = Field(description="annotators with a scored gold answer")
    items_scored: int = Field(description="gold items with a scored answer")
    annotators: list[AnnotatorGold] = Field(
        description="lowest accuracy first, at most `limit` of them"
    )
    items: list[ItemGold] = Field(
        description="lowest accuracy first, at most `limit` of them: a gold item most get "
        "wrong may be wrong itself"
    )


@router.get("/quality/gold", response_model=GoldOut)
def get_gold(
    campaign: ManagedCampaign,
    session: SessionDep,
    limit: int = Query(100, ge=1, le=10_000, description="rows per list, worst first"),
) -> GoldOut:
    """Gold accuracy per annotator and per gold item, from each task's first answer; the
    worst first (those are the ones to look at), ``limit`` of each."""
    report = gold_report(session, campaign)
    pseudonym = Pseudonymizer()
    # Built with model_construct: the numbers come from our own tallies, and validating
    # thousands of rows one by one cost more than the query that made them.
    return GoldOut.model_construct(
        gold_items=report.gold_items,
        annotators_scored=len(report.annotators),
        items_scored=len(report.items),
        annotators=[
            AnnotatorGold.model_construct(
                annotator=pseudonym(t.key), seen=t.seen, correct=t.correct, accuracy=t.accuracy
            )
            for t in report.annotators[:limit]
        ],
        items=[
            ItemGold.model_construct(
                item_id=t.key, external_id=name, seen=t.seen, correct=t.correct, accuracy=t.accuracy
            )
            for t, name in report.items[:limit]
        ],
    )


class ItemGoldState(BaseModel):
    """An item's gold state: expected answers name candidates by import letter (A = the
    candidate imported first, as the data browser lists them)."""

    item_id: int
    is_gold: bool
    expected: dict[str, ExpectedAnswer] | None = Field(
        description="question id -> expected answer; null: nothing is scored"
    )
    feedback: str | None


class ItemGoldChanged(ItemGoldState):
    rescored: int = Field(
        description="the item's judgments whose gold score was re-computed (or, on DELETE, "
        "cleared) in the same transaction"
    )


def _state(item: Item) -> dict[str, object]:
    return {
        "item_id": item.id,
        "is_gold": item.is_gold,
        "expected": item.gold_expected,
        "feedback": item.gold_feedback,
    }


@router.get("/items/{item_id}/gold", response_model=ItemGoldState, responses=errors(ItemNotFound))
def get_item_gold(campaign: ManagedCampaign, item_id: PathId, session: SessionDep) -> ItemGoldState:
    """The item's expected answers and feedback, for the data browser's gold form."""
    return ItemGoldState.model_validate(_state(gold_item(session, campaign, item_id)))


@router.put(
    "/items/{item_id}/gold",
    response_model=ItemGoldChanged,
    responses=errors(ItemNotFound, GoldAnswerInvalid),
)
def put_item_gold(
    campaign: ManagedCampaign, item_id: PathId, gold: ImportGold, session: SessionDep
) -> ItemGoldChanged:
    """Make the item gold with these expected answers (the import's ``gold`` object, checked
    the same way) and feedback; its judgments so far are re-scored against them at once."""
    state = set_gold(session, campaign, item_id, gold)
    return ItemGoldChanged.model_validate({**_state(state.item), "rescored": state.rescored})


@router.delete(
    "/items/{item_id}/gold", response_model=ItemGoldChanged, responses=errors(ItemNotFound)
)
def delete_item_gold(
    campaign: ManagedCampaign, item_id: PathId, session: SessionDep
) -> ItemGoldChanged:
    """Make the item an ordinary one again; its judgments' gold scores are cleared."""
    state = clear_gold(session, campaign, item_id)
    return ItemGoldChanged.model_validate({**_state(state.item), "rescored": state.rescored})
