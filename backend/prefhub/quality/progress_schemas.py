from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from prefhub.kit.time import UtcDatetime


class ProgressPointOut(BaseModel):
    start: UtcDatetime = Field(description="start of the hour or day (UTC)")
    judgments: int = Field(description="first submissions in the bucket")
    cumulative: int = Field(description="first submissions up to the bucket's end")
    gold_judged: int = Field(description="of them, judgments of gold items that were scored")
    gold_accuracy: float | None = Field(description="mean gold score in the bucket (0..1)")


class ThroughputOut(BaseModel):
    judgments_last_hour: int
    judgments_per_hour_last_day: float = Field(description="judgments in the last 24 h / 24")
    annotators_last_hour: int = Field(description="annotators who submitted in the last hour")
    annotators_last_day: int


class ProgressOut(BaseModel):
    bucket: Literal["hour", "day"] = Field(
        description="the timeline's buckets: hours while the judgments span up to 3 days"
    )
    items: int
    items_complete: int
    judgments: int = Field(description="first submissions (a revision is not counted again)")
    judgments_target: int = Field(
        description="the judgments the items want: items times the campaign's redundancy, or "
        "under adaptive redundancy the sum of each item's number"
    )
    median_seconds: float | None = Field(
        description="median time spent per judgment (quarter-second resolution)"
    )
    gold_judged: int
    gold_accuracy: float | None = Field(description="mean gold score overall; null without gold")
    throughput: ThroughputOut
    timeline: list[ProgressPointOut]
