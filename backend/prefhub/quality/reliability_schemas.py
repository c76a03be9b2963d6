"""Request and response bodies of the annotators' reliability endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from prefhub.campaigns.spec import QualityRule
from prefhub.kit.time import UtcDatetime


class EvidenceOut(BaseModel):
    value: float | None = Field(description="the measure; null while there is no evidence")
    n: int = Field(description="observations it rests on (gold items, shared items, tasks ...)")
    p_value: float | None = Field(
        default=None, description="left_share: two-sided binomial test against 0.5"
    )


class AnnotatorOut(BaseModel):
    user_id: int
    username: str = Field(description="display name, else e-mail")
    group: str | None = Field(
        description="the annotator group or profile answer peer agreement was measured in, "
        "or the viewpoint the answers placed them in"
    )
    judgments: int
    score: float | None = Field(description="0..1; gold weighs most, then peer agreement")
    standing: Literal["ok", "flagged", "excluded"]
    standing_reason: str | None
    standing_source: Literal["rule", "researcher", "qualification"] | None
    evidence: dict[str, EvidenceOut] = Field(
        description="score, gold_accuracy, peer_agreement, left_share, position_bias_p, "
        "speed_ratio, straight_lining, skip_rate, report_rate"
    )
    fired_rules: list[str] = Field(description="the campaign's rules that fire, with why")


class AnnotatorsOut(BaseModel):
    annotators: list[AnnotatorOut] = Field(description="lowest score first")
    rules: list[QualityRule]
    grouping: str = Field(
        description="what peer agreement groups by: annotator_group, a profile field, or "
        "viewpoints (found in the answers)"
    )
    computed_at: UtcDatetime


class StandingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    standing: Literal["ok", "flagged", "excluded"]
    reason: str = Field(default="", max_length=500)
