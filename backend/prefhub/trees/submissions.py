"""Answers to tree tasks: each one grows, reviews or ranks a tree in one transaction."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.campaigns.answers import validate_answers
from prefhub.campaigns.service import spec_of
from prefhub.kit.bounds import BodyId
from prefhub.kit.time import utcnow
from prefhub.models import Campaign, TreeTask, TreeTaskStatus, User
from prefhub.trees import service
from prefhub.trees.exceptions import (
    InvalidTreeAnswer,
    TreeTaskClosed,
    TreeTaskNotFound,
    WrongAnswerKind,
)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromptAnswer(_Answer):
    kind: Literal["initial_prompt"]
    text: str = Field(max_length=100_000)


class ReplyAnswer(_Answer):
    kind: Literal["assistant_reply", "prompter_reply"]
    text: str = Field(max_length=100_000)


class ReviewAnswer(_Answer):
    kind: Literal["review"]
    acceptable: bool
    # The campaign's label questions: {question id: {"values": {label: value}}}.
    labels: dict[str, Any] = Field(default_factory=dict)


class RankAnswer(_Answer):
    kind: Literal["rank"]
    # Message ids best first; each inner list holds replies judged equally good.
    ranking: list[list[BodyId]] = Field(min_length=1, max_length=10)


TreeAnswer = Annotated[
    PromptAnswer | ReplyAnswer | ReviewAnswer | RankAnswer, Field(discriminator="kind")
]


class TreeSubmission(_Answer):
    client_id: str = Field(min_length=1, max_length=64, description="makes retries safe")
    answer: TreeAnswer
    time_spent_ms: int | None = Field(default=None, ge=0, le=24 * 3600 * 1000)


def submit(
    session: Session, campaign: Campaign, annotator: User, task_id: int, body: TreeSubmission
) -> TreeTask:
    """Apply the answer. A retry with the same client id returns the first outcome."""
    task = session.scalar(
        select(TreeTask)
        .where(
            TreeTask.id == task_id,
            TreeTask.campaign_id == campaign.id,
            TreeTask.annotator_id == annotator.id,
        )
        # Two copies of one submission queue here; the second finds the first's result.
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if task is None:
        raise TreeTaskNotFound(f"No task {task_id} of yours in '{campaign.slug}'")
    if task.status == TreeTaskStatus.done and task.client_id == body.client_id:
        return task
    if task.status != TreeTaskStatus.leased or task.expires_at < utcnow():
        raise TreeTaskClosed(f"Task {task_id} is {task.status.value}; ask for a new one")
    answer = body.answer
    if answer.kind != task.kind.value:
        raise WrongAnswerKind(f"Task {task_id} is {task.kind.value}, not {answer.kind}")
    task.result_message_id = _apply(session, campaign, annotator, task, answer)
    task.status = TreeTaskStatus.done
    task.client_id = body.client_id
    task.time_spent_ms = body.time_spent_ms
    task.finished_at = utcnow()
    session.flush()
    return task


def skip(session: Session, campaign: Campaign, annotator: User, task_id: int, reason: str) -> None:
    task = session.get(TreeTask, task_id)
    if task is None or task.annotator_id != annotator.id or task.campaign_id != campaign.id:
        raise TreeTaskNotFound(f"No task {task_id} of yours in '{campaign.slug}'")
    if task.status != TreeTaskStatus.leased:
        raise TreeTaskClosed(f"Task {task_id} is {task.status.value}")
    task.status = TreeTaskStatus.skipped
    task.skip_reason = reason
    task.finished_at = utcnow()


def _apply(
    session: Session, campaign: Campaign, annotator: User, task: TreeTask, answer: Any
) -> int | None:
    if isinstance(answer, PromptAnswer):
        _, root = service.start_tree(session, campaign, annotator, _text(campaign, answer.text))
        task.tree_id = root.tree_id
        return root.id
    assert task.tree_id is not None and task.message_id is not None
    service.lock_tree(session, task.tree_id)
    target = service.get_message(session, task.message_id)
    if isinstance(answer, ReplyAnswer):
        reply = service.add_reply(
            session, campaign, target, _text(campaign, answer.text), author=annotator
        )
        return reply.id
    if isinstance(answer, ReviewAnswer):
        labels = validate_answers(spec_of(campaign), {**answer.labels}, shown_count=1)
        service.add_review(
            session,
            campaign,
            target,
            annotator,
            acceptable=answer.acceptable,
            labels=labels,
            task_id=task.id,
        )
        return None
    service.add_ranking(
        session, campaign, target, annotator, answer.ranking, shown=task.shown_ids, task_id=task.id
    )
    return None


def _text(campaign: Campaign, text: str) -> list[dict[str, Any]]:
    settings = service.settings_of(campaign)
    stripped = text.strip()
    if not settings.reply_min_length <= len(stripped) <= settings.reply_max_length:
        message = (
            f"between {settings.reply_min_length} and {settings.reply_max_length} characters, "
            f"not {len(stripped)}"
        )
        raise InvalidTreeAnswer(
            f"answer.text: {message}", details=[{"field": "answer.text", "message": message}]
        )
    return [{"type": "text", "text": stripped}]
