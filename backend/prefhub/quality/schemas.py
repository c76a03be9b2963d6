from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SimulatedPolicy = Literal["none", "excluded", "included", "only_simulated"]


class ModelStanding(BaseModel):
    model: str
    rank: int = Field(description="1 + models whose interval lies wholly above this one's")
    score: float = Field(description="Bradley-Terry log-strength; the models' mean is 0")
    low: float = Field(description="bootstrap 95% interval of the score")
    high: float
    rating: float = Field(description="the score on the Elo-like scale: 1000 + 400 score / ln 10")
    rating_low: float
    rating_high: float
    judgments: float = Field(
        description="comparisons with this model (ties included; a ranking's pairs weigh 2/k)"
    )
    win_rate: float | None = Field(description="wins plus half the ties, over its comparisons")


class WinRateCell(BaseModel):
    model: str
    opponent: str
    wins: float = Field(description="a ranking of k candidates gives each of its pairs 2/k")
    losses: float
    ties: float
    both_bad: float = Field(description="judged both bad: left out of win rates and strengths")
    win_rate: float | None


class Board(BaseModel):
    judgments: float = Field(
        description="pairwise judgments, or a ranking question's weighted pairs (k - 1 each)"
    )
    models: list[ModelStanding]
    matrix: list[WinRateCell]


class GroupBoard(BaseModel):
    group: str
    annotators: int
    board: Board


class LeaderboardOut(BaseModel):
    question: str | None = Field(
        description="the pairwise or ranking question read; null if the campaign has none"
    )
    round: int | None
    rounds: list[int] = Field(description="rounds that have judgments")
    group_by: str | None
    simulated: SimulatedPolicy = Field(
        description="what was done with simulated annotators' judgments, as exports do"
    )
    overall: Board
    groups: list[GroupBoard]


class GroupRate(BaseModel):
    group: str
    judgments: float
    first_win_rate: float = Field(
        description="how often `first` beat `second` in this group (ties half), with one "
        "virtual win each way"
    )


class PairDisagreement(BaseModel):
    first: str
    second: str
    spread: float = Field(description="highest minus lowest group's win rate of `first`")
    judgments: float
    groups: list[GroupRate]


class ItemDisagreement(PairDisagreement):
    item_id: int
    external_id: str
    round: int


class DisagreementOut(BaseModel):
    question: str | None
    round: int | None
    group_by: str
    simulated: SimulatedPolicy
    groups: dict[str, int] = Field(description="each group and how many annotators are in it")
    pairs: list[PairDisagreement] = Field(description="model pairs, widest spread first")
    items: list[ItemDisagreement] = Field(description="items and pairs, widest spread first")
