"""``GET /api/campaigns/{slug}/quality/gold``: gold accuracy per annotator and per gold item."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from prefhub.auth.dependencies import ManagedCampaign
from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.kit.deps import SessionDep
from prefhub.quality.gold import gold_report

router = APIRouter(prefix="/api/campaigns/{slug}/quality", tags=["quality"])


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
    annotators: list[AnnotatorGold] = Field(description="lowest accuracy first")
    items: list[ItemGold] = Field(
        description="lowest accuracy first: a gold item most get wrong may be wrong itself"
    )


@router.get("/gold", response_model=GoldOut)
def get_gold(campaign: ManagedCampaign, session: SessionDep) -> GoldOut:
    """Gold accuracy per annotator and per gold item, from each task's first answer."""
    report = gold_report(session, campaign)
    pseudonym = Pseudonymizer()
    return GoldOut(
        gold_items=report.gold_items,
        annotators=[
            AnnotatorGold(
                annotator=pseudonym(t.key), seen=t.seen, correct=t.correct, accuracy=t.accuracy
            )
            for t in report.annotators
        ],
        items=[
            ItemGold(
                item_id=t.key, external_id=name, seen=t.seen, correct=t.correct, accuracy=t.accuracy
            )
            for t, name in report.items
        ],
    )
