"""The campaign spec: what a researcher designs, stored and versioned with the campaign.

A task screen is a list of questions shown together. Question kinds form a discriminated union
on ``kind``; each kind's answer shape lives in ``answers.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from prefhub.campaigns.participation_spec import Participation
from prefhub.campaigns.tree_spec import TreeSettings
from prefhub.kit.bounds import Int32

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MAX_SHOWN = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Choice(_Strict):
    """A named option: an aspect, a reason category, a label."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class Scale(_Strict):
    """An integer scale with optional labelled anchors, e.g. 0 = "useless" … 4 = "perfect"."""

    min: int = Field(default=0, ge=-100, le=100)
    max: int = Field(default=4, ge=-100, le=100)
    anchors: dict[int, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.min >= self.max:
            raise ValueError(f"scale min ({self.min}) must be below max ({self.max})")
        outside = [a for a in self.anchors if not self.min <= a <= self.max]
        if outside:
            raise ValueError(f"anchors {outside} lie outside {self.min}..{self.max}")
        return self


class _Question(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=1, max_length=2000)
    help: str = Field(default="", max_length=4000, description="Markdown shown under the prompt")


class PairwiseQuestion(_Question):
    """A vs B, with optional tie, "both are bad", strength and per-aspect choices."""

    kind: Literal["pairwise"] = "pairwise"
    id: str = Field(default="preference", pattern=ID_PATTERN)
    prompt: str = Field(default="Which response is better?", min_length=1, max_length=2000)
    allow_tie: bool = True
    allow_both_bad: bool = True
    strength: bool = Field(default=False, description="ask slight / clear / strong")
    aspects: list[Choice] = Field(default_factory=list, max_length=12)


class RankingQuestion(_Question):
    """Order the shown candidates best first; ties share a rank."""

    kind: Literal["ranking"] = "ranking"
    id: str = Field(default="ranking", pattern=ID_PATTERN)
    prompt: str = Field(default="Rank the responses, best first.", min_length=1, max_length=2000)
    allow_ties: bool = True
    allow_none_acceptable: bool = True


class BinaryQuestion(_Question):
    """Thumbs up or down for each candidate (unpaired, KTO-style)."""

    kind: Literal["binary"] = "binary"
    id: str = Field(default="acceptable", pattern=ID_PATTERN)
    prompt: str = Field(default="Is this response acceptable?", min_length=1, max_length=2000)


DEFAULT_REASONS = [
    Choice(id="incorrect", label="Factually incorrect"),
    Choice(id="harmful", label="Harmful or unsafe"),
    Choice(id="off_topic", label="Ignores the request"),
    Choice(id="low_quality", label="Poorly written"),
]


class NegativeOnlyQuestion(_Question):
    """Mark only the unacceptable candidates, each with reason categories."""

    kind: Literal["negative_only"] = "negative_only"
    id: str = Field(default="unacceptable", pattern=ID_PATTERN)
    prompt: str = Field(
        default="Mark every response that is unacceptable.", min_length=1, max_length=2000
    )
    reasons: list[Choice] = Field(default_factory=lambda: list(DEFAULT_REASONS), max_length=20)
    require_reason: bool = True


class RatingAttribute(Choice):
    scale: Scale = Field(default_factory=Scale)
    required: bool = True


class RatingQuestion(_Question):
    """Scores per candidate on researcher-defined attributes."""

    kind: Literal["rating"] = "rating"
    id: str = Field(default="rating", pattern=ID_PATTERN)
    prompt: str = Field(default="Rate each response.", min_length=1, max_length=2000)
    attributes: list[RatingAttribute] = Field(min_length=1, max_length=12)


class TextQuestion(_Question):
    """Free text: a rationale, a critique, or a refined response; per item or per candidate."""

    kind: Literal["text"] = "text"
    id: str = Field(default="rationale", pattern=ID_PATTERN)
    prompt: str = Field(default="Explain your choice.", min_length=1, max_length=2000)
    purpose: Literal["rationale", "critique", "refinement"] = "rationale"
    target: Literal["item", "candidate"] = "item"
    required: bool = False
    min_length: int = Field(default=0, ge=0, le=100_000)
    max_length: int = Field(default=5000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _lengths(self) -> TextQuestion:
        if self.min_length > self.max_length:
            raise ValueError("min_length must not exceed max_length")
        return self


class LabelSpec(Choice):
    type: Literal["flag", "scale"] = "flag"
    scale: Scale | None = None

    @model_validator(mode="after")
    def _scale_for_scales(self) -> LabelSpec:
        if self.type == "scale" and self.scale is None:
            self.scale = Scale()
        if self.type == "flag" and self.scale is not None:
            raise ValueError(f"label '{self.id}' is a flag and takes no scale")
        return self


DEFAULT_LABELS = [
    LabelSpec(id="spam", label="Spam"),
    LabelSpec(id="not_appropriate", label="Not appropriate"),
    LabelSpec(id="pii", label="Contains personal data"),
    LabelSpec(id="quality", label="Quality", type="scale", scale=Scale(min=0, max=4)),
]


class LabelsQuestion(_Question):
    """Flags and scales on a message: the prompt's last message or each candidate."""

    kind: Literal["labels"] = "labels"
    id: str = Field(default="labels", pattern=ID_PATTERN)
    prompt: str = Field(default="Label the message.", min_length=1, max_length=2000)
    target: Literal["prompt", "candidates"] = "candidates"
    labels: list[LabelSpec] = Field(
        default_factory=lambda: list(DEFAULT_LABELS), min_length=1, max_length=30
    )


Question = Annotated[
    PairwiseQuestion
    | RankingQuestion
    | BinaryQuestion
    | NegativeOnlyQuestion
    | RatingQuestion
    | TextQuestion
    | LabelsQuestion,
    Field(discriminator="kind"),
]


class Eligibility(_Strict):
    """Who may take this campaign's tasks; empty means everyone."""

    languages: list[str] = Field(
        default_factory=list, description="annotator must speak one of these"
    )
    profile: dict[str, list[str]] = Field(
        default_factory=dict,
        description="profile answer must be one of the listed values, per profile field",
    )
    groups: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=20,
        description="annotator must be in one of these annotator groups (by name)",
    )


class GroupQuota(_Strict):
    """At most ``max_share`` of an item's K judgments from annotators sharing ``field``."""

    field: str = Field(min_length=1, max_length=64)
    max_share: float = Field(gt=0, le=1)


class MediaDisplay(_Strict):
    """How the candidates' images, audio and video play; the defaults change nothing."""

    autoplay: bool = Field(
        default=False,
        description="start each audio/video as the task opens (if the browser lets it)",
    )
    loop: bool = Field(default=False, description="restart each audio/video when it ends")
    require_full_playback: bool = Field(
        default=False,
        description="no answer is submitted until every candidate audio/video played to its end",
    )
    image_fit: Literal["contain", "cover", "original"] = Field(
        default="contain",
        description="contain: the whole image in its column; cover: a fixed box, cropped; "
        "original: natural size, scrolling when wider",
    )


class DisplaySettings(_Strict):
    """How a task screen shows the candidates; changing it never invalidates stored answers."""

    layout: Literal["auto", "side_by_side", "stacked"] = Field(
        default="auto",
        description="auto: side by side when there is room; side_by_side: always in columns; "
        "stacked: one under the other",
    )
    media: MediaDisplay = Field(default_factory=MediaDisplay)


class Qualification(_Strict):
    """A qualification phase: each annotator's first tasks are gold items, with the expected
    answer's feedback shown after each; below the pass mark they are stopped politely (crowd
    entry: sent back with the screen-out code) and their judgments kept but marked."""

    tasks: int = Field(ge=1, le=50, description="gold tasks each annotator answers first")
    pass_mark: float = Field(
        default=0.8, ge=0, le=1, description="mean gold score needed to go on (0 to 1)"
    )
    screen_out_code: str | None = Field(
        default=None,
        max_length=100,
        description="crowd entry: the code an annotator who did not pass is sent back with",
    )


QualityMeasure = Literal[
    "score",
    "gold_accuracy",
    "peer_agreement",
    "left_share",
    "position_bias_p",
    "speed_ratio",
    "straight_lining",
    "skip_rate",
    "report_rate",
]


class QualityRule(_Strict):
    """When an annotator's measure passes a threshold (with enough evidence), flag them for a
    look, or exclude them: no more tasks, and their judgments left out of training exports."""

    measure: QualityMeasure
    below: float | None = Field(default=None, description="the rule fires below this value")
    above: float | None = Field(default=None, description="the rule fires above this value")
    min_evidence: int = Field(
        default=10,
        ge=1,
        le=100_000,
        description="judgments the measure rests on (gold items for gold_accuracy) before the "
        "rule applies",
    )
    action: Literal["flag", "exclude"] = "flag"

    @model_validator(mode="after")
    def _one_threshold(self) -> QualityRule:
        if (self.below is None) == (self.above is None):
            raise ValueError("a quality rule has exactly one of below and above")
        return self


class QualitySettings(_Strict):
    """Quality checks mixed into the annotators' streams, and the rules applied to them."""

    gold_rate: float = Field(
        default=0,
        ge=0,
        le=0.5,
        description="share of tasks that are gold items (unannounced, scored on submit); "
        "0: gold items are served like any other item, K times",
    )
    qualification: Qualification | None = Field(
        default=None, description="gold tasks with feedback before an annotator's first real task"
    )
    rules: list[QualityRule] = Field(default_factory=list, max_length=20)


class AdaptiveRedundancy(_Strict):
    """Judgments where they are needed: an item whose first judgments all agree stops early,
    one in disagreement goes to more annotators, up to a cap."""

    agree_after: int = Field(
        ge=2, le=100, description="stop serving an item once this many judgments all agree"
    )
    max_judgments: int = Field(
        ge=2, le=100, description="an item in disagreement goes to at most this many annotators"
    )

    @model_validator(mode="after")
    def _ordered(self) -> AdaptiveRedundancy:
        if self.agree_after > self.max_judgments:
            raise ValueError("agree_after must not exceed max_judgments")
        return self


class CampaignSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(pattern=SLUG_PATTERN, description="lower-case letters, digits and dashes")
    guidelines: str = Field(default="", max_length=100_000, description="Markdown")
    questions: list[Question] = Field(min_length=1, max_length=20)
    redundancy: int = Field(default=3, ge=1, le=100, description="K judgments per item")
    min_candidates: int = Field(
        default=2, ge=1, le=MAX_SHOWN, description="an item is ready with this many candidates"
    )
    max_candidates_shown: int = Field(
        default=4, ge=2, le=MAX_SHOWN, description="candidates per task without a pairwise question"
    )
    lease_minutes: int = Field(default=30, ge=1, le=24 * 60)
    max_open_leases: int = Field(default=1, ge=1, le=50, description="per annotator")
    undo_seconds: int = Field(default=60, ge=0, le=3600, description="undo window after submit")
    priority: int = Field(default=0, ge=-100, le=100)
    rounds: list[Int32] | None = Field(
        default=None,
        max_length=100,
        description="annotate only items of these generation rounds; default every round",
    )
    eligibility: Eligibility = Field(default_factory=Eligibility)
    quotas: list[GroupQuota] = Field(default_factory=list, max_length=5)
    participation: Participation = Field(
        default_factory=Participation,
        description="consent, a profile survey and crowd-platform entry",
    )
    display: DisplaySettings = Field(
        default_factory=DisplaySettings, description="candidate layout and media playback"
    )
    quality: QualitySettings = Field(
        default_factory=QualitySettings,
        description="gold items, a qualification phase and rules for annotator quality",
    )
    adaptive: AdaptiveRedundancy | None = Field(
        default=None,
        description="stop items that agree early and send disagreements to more annotators; "
        "redundancy stays the number of judgments an item gets before either",
    )
    pair_selection: Literal["balanced", "narrow_intervals"] = Field(
        default="balanced",
        description="which candidates a pairwise task shows: balanced (fewest shown first) or "
        "narrow_intervals (the model pair whose leaderboard interval is widest)",
    )
    trees: TreeSettings | None = Field(
        default=None,
        description="a conversation-tree campaign: annotators and models grow trees; "
        "its questions are the labels asked when reviewing a message",
    )

    @model_validator(mode="after")
    def _unique_question_ids(self) -> CampaignSpec:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError(f"question ids must be unique, got {ids}")
        if self.trees is not None and any(
            q.kind != "labels" or q.target != "prompt" for q in self.questions
        ):
            raise ValueError(
                "a tree campaign's questions are labels on the reviewed message: "
                "kind labels, target prompt"
            )
        comparative = [q.kind for q in self.questions if q.kind in ("pairwise", "ranking")]
        if comparative and self.min_candidates < 2:
            raise ValueError(f"{comparative[0]} questions need min_candidates of at least 2")
        if self.min_candidates > self.max_candidates_shown:
            raise ValueError("min_candidates must not exceed max_candidates_shown")
        if self.adaptive is not None and not (
            self.adaptive.agree_after <= self.redundancy <= self.adaptive.max_judgments
        ):
            raise ValueError("adaptive redundancy needs agree_after <= redundancy <= max_judgments")
        return self

    @property
    def candidates_per_task(self) -> int:
        """A pairwise question fixes two; otherwise up to ``max_candidates_shown``."""
        if any(q.kind == "pairwise" for q in self.questions):
            return 2
        return self.max_candidates_shown
