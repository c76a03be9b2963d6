"""What annotators and researchers see of trees: task payloads and nested trees."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.assignments.schemas import TaskCampaign
from prefhub.campaigns.answers import shown_labels
from prefhub.campaigns.service import spec_of
from prefhub.kit.content import plain_text
from prefhub.models import (
    Campaign,
    ConversationTree,
    ReviewState,
    TreeMessage,
    TreeMessageRevision,
    TreeTask,
    TreeTaskKind,
    User,
)
from prefhub.trees import service
from prefhub.trees.schemas import (
    FlaggedMessage,
    LabelValue,
    PathMessage,
    ReplyChoice,
    ReplyGuidance,
    Revision,
    TreeDetail,
    TreeNode,
    TreeSummary,
    TreeTaskOut,
)

PREVIEW = 200


def task_payload(
    session: Session, campaign: Campaign, task: TreeTask, annotator: User
) -> TreeTaskOut:
    settings = service.settings_of(campaign)
    spec = spec_of(campaign)
    conversation: list[PathMessage] = []
    replies: list[ReplyChoice] = []
    if task.message_id is not None:
        target = service.get_message(session, task.message_id)
        conversation = [
            PathMessage(id=m.id, role=m.role, content=m.content, mine=m.author_id == annotator.id)
            for m in service.path_to(session, target)
        ]
    if task.kind == TreeTaskKind.rank:
        by_id = {
            m.id: m
            for m in session.scalars(select(TreeMessage).where(TreeMessage.id.in_(task.shown_ids)))
        }
        replies = [
            ReplyChoice(id=message_id, label=label, content=by_id[message_id].content)
            for label, message_id in zip(
                shown_labels(len(task.shown_ids)), task.shown_ids, strict=True
            )
        ]
    return TreeTaskOut(
        id=task.id,
        kind=task.kind,
        expires_at=task.expires_at,
        campaign=TaskCampaign(slug=campaign.slug, name=campaign.name, guidelines=spec.guidelines),
        conversation=conversation,
        replies=replies,
        questions=list(spec.questions) if task.kind == TreeTaskKind.review else [],
        guidance=ReplyGuidance(
            min_length=settings.reply_min_length, max_length=settings.reply_max_length
        ),
        lang=settings.lang,
    )


def summary(tree: ConversationTree, root: TreeMessage | None) -> TreeSummary:
    return TreeSummary(
        id=tree.id,
        state=tree.state,
        size=tree.size,
        lang=tree.lang,
        prompt=plain_text(root.content)[:PREVIEW] if root else "",
        created_at=tree.created_at,
        state_changed_at=tree.state_changed_at,
    )


def roots_of(session: Session, tree_ids: list[int]) -> dict[int, TreeMessage]:
    return {
        m.tree_id: m
        for m in session.scalars(
            select(TreeMessage).where(
                TreeMessage.tree_id.in_(tree_ids), TreeMessage.parent_id.is_(None)
            )
        )
    }


def detail(session: Session, tree: ConversationTree) -> TreeDetail:
    messages = service.messages_of(session, tree.id)
    labels = service.label_summary(session, [m.id for m in messages])
    children: dict[int | None, list[TreeMessage]] = defaultdict(list)
    for m in messages:
        children[m.parent_id].append(m)

    def node(m: TreeMessage) -> TreeNode:
        return TreeNode(
            id=m.id,
            role=m.role,
            content=m.content,
            lang=m.lang,
            depth=m.depth,
            author_id=m.author_id,
            model_name=m.model_name,
            review_state=m.review_state,
            review_count=m.review_count,
            acceptance=m.acceptance,
            ranking_count=m.ranking_count,
            rank=m.rank,
            deleted=m.deleted,
            labels={k: LabelValue(**v) for k, v in labels.get(m.id, {}).items()},
            created_at=m.created_at,
            replies=[node(c) for c in children[m.id]],
        )

    root = children[None][0] if children[None] else None
    return TreeDetail(
        **summary(tree, root).model_dump(),
        halt_reason=tree.halt_reason,
        root=node(root) if root else None,
    )


def revisions(session: Session, message: TreeMessage) -> list[Revision]:
    return [
        Revision(
            revision=r.revision,
            content=r.content,
            edited_by_id=r.edited_by_id,
            created_at=r.created_at,
        )
        for r in session.scalars(
            select(TreeMessageRevision)
            .where(TreeMessageRevision.message_id == message.id)
            .order_by(TreeMessageRevision.revision)
        )
    ]


def flagged(session: Session, campaign: Campaign, limit: int = 200) -> list[FlaggedMessage]:
    """Messages a reviewer flagged (any flag label set by someone), or rejected by review."""
    spec = spec_of(campaign)
    flag_ids = {
        label.id
        for q in spec.questions
        if q.kind == "labels"
        for label in q.labels
        if label.type == "flag"
    }
    messages = list(
        session.scalars(
            select(TreeMessage)
            .join(ConversationTree, ConversationTree.id == TreeMessage.tree_id)
            .where(ConversationTree.campaign_id == campaign.id, TreeMessage.review_count > 0)
            .order_by(TreeMessage.id.desc())
        )
    )
    labels = service.label_summary(session, [m.id for m in messages])
    out = []
    for m in messages:
        flags = {k: v for k, v in labels.get(m.id, {}).items() if k in flag_ids and v["value"]}
        if flags or m.review_state == ReviewState.rejected:
            out.append(
                FlaggedMessage(
                    id=m.id,
                    tree_id=m.tree_id,
                    role=m.role,
                    text=plain_text(m.content)[:PREVIEW],
                    review_state=m.review_state,
                    deleted=m.deleted,
                    flags={k: LabelValue(**v) for k, v in flags.items()},
                )
            )
        if len(out) >= limit:
            break
    return out
