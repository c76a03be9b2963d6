"""The knobs of a conversation-tree campaign (``trees:`` in its spec)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from prefhub.generation.schemas import SamplingParams


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TreeTaskWeights(_Strict):
    """How often each task type is offered, relative to the others, when it has work."""

    initial_prompt: float = Field(default=1.0, ge=0, le=100)
    assistant_reply: float = Field(default=4.0, ge=0, le=100)
    prompter_reply: float = Field(default=3.0, ge=0, le=100)
    review: float = Field(default=4.0, ge=0, le=100)
    rank: float = Field(default=3.0, ge=0, le=100)


class ModelReplies(_Strict):
    """Models add assistant replies to every accepted prompter message, through generation."""

    models: list[str] = Field(min_length=1, max_length=8, description="model endpoint names")
    per_message: int = Field(default=1, ge=1, le=8, description="replies per model")
    params: SamplingParams = Field(default_factory=dict, description="sampling parameters")


class TreeSettings(_Strict):
    goal_tree_size: int = Field(
        default=12, ge=2, le=1000, description="accepted messages before ranking starts"
    )
    max_depth: int = Field(default=4, ge=1, le=50, description="the root prompt is depth 0")
    max_children: int = Field(default=3, ge=1, le=10, description="replies per message")
    reviews_needed_prompt: int = Field(default=2, ge=0, le=20)
    reviews_needed_reply: int = Field(default=2, ge=0, le=20)
    acceptance_threshold: float = Field(
        default=0.5, ge=0, le=1, description="share of reviewers who must find it acceptable"
    )
    rankings_needed: int = Field(default=2, ge=1, le=20, description="per set of sibling replies")
    consensus: Literal["ranked_pairs", "bradley_terry"] = Field(
        default="ranked_pairs", description="how sibling rankings combine into each reply's rank"
    )
    lone_reply_sibling_probability: float = Field(
        default=0.75, ge=0, le=1, description="chance a reply task goes to a one-reply message"
    )
    max_active_trees: int = Field(default=10, ge=1, le=100_000)
    max_trees: int | None = Field(
        default=None,
        ge=1,
        le=10_000_000,
        description="stop starting trees after this many "
        "(aborted ones do not count); default no limit",
    )
    weights: TreeTaskWeights = Field(default_factory=TreeTaskWeights)
    reply_min_length: int = Field(default=10, ge=1, le=100_000, description="characters")
    reply_max_length: int = Field(default=4000, ge=1, le=100_000, description="characters")
    lang: str = Field(default="en", min_length=2, max_length=16)
    model_replies: ModelReplies | None = None

    @model_validator(mode="after")
    def _reachable(self) -> TreeSettings:
        if self.reply_min_length > self.reply_max_length:
            raise ValueError("reply_min_length must not exceed reply_max_length")
        capacity = sum(self.max_children**depth for depth in range(self.max_depth + 1))
        if self.goal_tree_size > capacity:
            raise ValueError(
                f"goal_tree_size {self.goal_tree_size} cannot be reached with max_depth "
                f"{self.max_depth} and max_children {self.max_children} (at most {capacity})"
            )
        return self
