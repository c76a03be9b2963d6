from __future__ import annotations

from pydantic import BaseModel, Field

from prefhub.assignments.schemas import TaskCampaign
from prefhub.campaigns.spec import Question
from prefhub.kit.content import Part
from prefhub.kit.time import UtcDatetime
from prefhub.models import MessageRole, ReviewState, TreeState, TreeTaskKind, TreeTaskStatus


class PathMessage(BaseModel):
    """A message of the conversation shown to an annotator (authors stay anonymous)."""

    id: int
    role: MessageRole
    content: list[Part]
    mine: bool = Field(description="the annotator wrote it")


class ReplyChoice(BaseModel):
    id: int
    label: str
    content: list[Part]


class ReplyGuidance(BaseModel):
    min_length: int
    max_length: int


class TreeTaskOut(BaseModel):
    id: int
    kind: TreeTaskKind
    expires_at: UtcDatetime
    campaign: TaskCampaign
    # Root first. For a review, the last message is the one reviewed; for replies and
    # rankings, the last message is the one replied to.
    conversation: list[PathMessage]
    replies: list[ReplyChoice] = Field(description="the replies to rank, in the order shown")
    questions: list[Question] = Field(description="labels asked in a review")
    guidance: ReplyGuidance
    lang: str


class TreeNextResponse(BaseModel):
    task: TreeTaskOut | None


class TreeSubmitResponse(BaseModel):
    task_id: int
    status: TreeTaskStatus
    tree_id: int | None
    tree_state: TreeState | None
    message_id: int | None = Field(description="the message the answer wrote, if any")


class TreeSkipRequest(BaseModel):
    reason: str = Field(default="", max_length=2000)


# ---------------------------------------------------------------- admin


class LabelValue(BaseModel):
    value: float
    count: int


class TreeNode(BaseModel):
    id: int
    role: MessageRole
    content: list[Part]
    lang: str
    depth: int
    author_id: int | None
    model_name: str | None
    review_state: ReviewState
    review_count: int
    acceptance: float | None
    ranking_count: int
    rank: int | None
    deleted: bool
    labels: dict[str, LabelValue]
    created_at: UtcDatetime
    replies: list[TreeNode]


class TreeSummary(BaseModel):
    id: int
    state: TreeState
    size: int
    lang: str
    prompt: str = Field(description="the start of the initial prompt")
    created_at: UtcDatetime
    state_changed_at: UtcDatetime | None


class TreeList(BaseModel):
    counts: dict[str, int]
    trees: list[TreeSummary]


class TreeDetail(TreeSummary):
    halt_reason: str | None
    root: TreeNode | None


class HaltRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class FlaggedMessage(BaseModel):
    id: int
    tree_id: int
    role: MessageRole
    text: str
    review_state: ReviewState
    deleted: bool
    flags: dict[str, LabelValue]


class FlaggedList(BaseModel):
    messages: list[FlaggedMessage]


class EditMessageRequest(BaseModel):
    text: str = Field(min_length=1, max_length=100_000)


class Revision(BaseModel):
    revision: int
    content: list[Part]
    edited_by_id: int | None
    created_at: UtcDatetime


class RevisionList(BaseModel):
    revisions: list[Revision] = Field(description="earlier texts, oldest first")


class DeleteResult(BaseModel):
    deleted: int


TreeNode.model_rebuild()
