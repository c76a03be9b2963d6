"""How a tree grows, and the state transitions its judgments cause.

Every change to a tree happens with the tree's row locked (``FOR UPDATE`` on PostgreSQL;
SQLite serialises write transactions), in the transaction of the judgment that causes it, so
two annotators finishing a stage at once see each other's work and the tree moves once.

    initial_prompt_review --(root accepted)--> growing --(goal size)--> ranking --> ready_for_export
            \\--(root rejected)--> aborted_low_grade          any live state --> halted_by_moderator
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.aggregation.rankings import (
    bradley_terry,
    order_by_scores,
    ranked_pairs,
    ranks_from_tiers,
)
from prefhub.campaigns.service import spec_of
from prefhub.campaigns.tree_spec import TreeSettings
from prefhub.kit.time import utcnow
from prefhub.models import (
    Campaign,
    ConversationTree,
    MessageRole,
    ReviewState,
    TreeMessage,
    TreeMessageRevision,
    TreeRanking,
    TreeReview,
    TreeState,
    TreeTask,
    TreeTaskStatus,
    User,
)
from prefhub.trees.exceptions import (
    InvalidTreeAnswer,
    NotATreeCampaign,
    TreeMessageNotFound,
    TreeNotFound,
    TreeStateConflict,
)
from prefhub.trees.model_replies import request_model_replies

LIVE_STATES = (TreeState.initial_prompt_review, TreeState.growing, TreeState.ranking)


def settings_of(campaign: Campaign) -> TreeSettings:
    trees = spec_of(campaign).trees
    if trees is None:
        raise NotATreeCampaign(f"Campaign '{campaign.slug}' is not a conversation-tree campaign")
    return trees


def lock_tree(session: Session, tree_id: int) -> ConversationTree:
    tree = session.scalar(
        select(ConversationTree)
        .where(ConversationTree.id == tree_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if tree is None:
        raise TreeNotFound(f"No tree {tree_id}")
    return tree


def get_message(session: Session, message_id: int) -> TreeMessage:
    message = session.get(TreeMessage, message_id)
    if message is None:
        raise TreeMessageNotFound(f"No message {message_id}")
    return message


def messages_of(session: Session, tree_id: int) -> list[TreeMessage]:
    """Every message of a tree (deleted ones too), parents before children, fresh from the
    database (after this session's own changes are written)."""
    session.flush()
    return list(
        session.scalars(
            select(TreeMessage)
            .where(TreeMessage.tree_id == tree_id)
            .order_by(TreeMessage.depth, TreeMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def path_to(session: Session, message: TreeMessage) -> list[TreeMessage]:
    """The conversation from the root down to ``message``, inclusive."""
    by_id = {m.id: m for m in messages_of(session, message.tree_id)}
    path = [by_id[message.id]]
    while path[-1].parent_id is not None:
        path.append(by_id[path[-1].parent_id])
    return path[::-1]


def _transition(tree: ConversationTree, state: TreeState) -> None:
    tree.state = state
    tree.state_changed_at = utcnow()


# ---------------------------------------------------------------- growing


def start_tree(
    session: Session, campaign: Campaign, author: User, content: list[dict[str, Any]]
) -> tuple[ConversationTree, TreeMessage]:
    """A new tree from an initial prompt, waiting for its review (or growing at once when
    the campaign asks for no prompt reviews)."""
    settings = settings_of(campaign)
    reviewed = settings.reviews_needed_prompt > 0
    tree = ConversationTree(
        campaign_id=campaign.id,
        state=TreeState.initial_prompt_review if reviewed else TreeState.growing,
        lang=settings.lang,
        size=0,
        state_changed_at=utcnow(),
    )
    session.add(tree)
    session.flush()
    root = TreeMessage(
        tree_id=tree.id,
        parent_id=None,
        role=MessageRole.prompter,
        content=content,
        lang=settings.lang,
        depth=0,
        author_id=author.id,
        review_state=ReviewState.pending if reviewed else ReviewState.accepted,
    )
    session.add(root)
    session.flush()
    if not reviewed:
        _accepted(session, campaign, tree, root, settings)
    return tree, root


def live_children(messages: Iterable[TreeMessage], parent_id: int) -> list[TreeMessage]:
    """Replies that count: not deleted, not rejected by review."""
    return [
        m
        for m in messages
        if m.parent_id == parent_id and not m.deleted and m.review_state != ReviewState.rejected
    ]


def can_take_reply(
    tree: ConversationTree,
    parent: TreeMessage,
    messages: list[TreeMessage],
    settings: TreeSettings,
    leased: int = 0,
) -> bool:
    return (
        tree.state == TreeState.growing
        and parent.review_state == ReviewState.accepted
        and not parent.deleted
        and parent.depth < settings.max_depth
        and len(live_children(messages, parent.id)) + leased < settings.max_children
    )


def add_reply(
    session: Session,
    campaign: Campaign,
    parent: TreeMessage,
    content: list[dict[str, Any]],
    *,
    author: User | None = None,
    model_name: str | None = None,
    generation_request_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> TreeMessage:
    """Reply to ``parent`` in the other role. The caller holds the tree's lock."""
    settings = settings_of(campaign)
    tree = session.get_one(ConversationTree, parent.tree_id)
    messages = messages_of(session, tree.id)
    if not can_take_reply(tree, parent, messages, settings):
        raise TreeStateConflict(
            f"Message {parent.id} takes no more replies (tree {tree.state.value}, "
            f"depth {parent.depth}, {len(live_children(messages, parent.id))} replies)"
        )
    reviewed = settings.reviews_needed_reply > 0
    reply = TreeMessage(
        tree_id=tree.id,
        parent_id=parent.id,
        role=(
            MessageRole.assistant if parent.role == MessageRole.prompter else MessageRole.prompter
        ),
        content=content,
        lang=tree.lang,
        depth=parent.depth + 1,
        author_id=author.id if author else None,
        model_name=model_name,
        generation_request_id=generation_request_id,
        review_state=ReviewState.pending if reviewed else ReviewState.accepted,
        extra=extra or {},
    )
    session.add(reply)
    session.flush()
    if not reviewed:
        _accepted(session, campaign, tree, reply, settings)
    return reply


# ---------------------------------------------------------------- reviews


def review_open(tree: ConversationTree, message: TreeMessage) -> bool:
    expected = TreeState.initial_prompt_review if message.parent_id is None else TreeState.growing
    return (
        tree.state == expected
        and message.review_state == ReviewState.pending
        and not message.deleted
    )


def add_review(
    session: Session,
    campaign: Campaign,
    message: TreeMessage,
    reviewer: User,
    *,
    acceptable: bool,
    labels: dict[str, Any],
    task_id: int | None = None,
) -> TreeReview:
    """Record a review; the last one needed decides the message (and, for the root, the tree).
    The caller holds the tree's lock."""
    settings = settings_of(campaign)
    tree = session.get_one(ConversationTree, message.tree_id)
    session.refresh(message)
    if message.author_id == reviewer.id:
        raise TreeStateConflict("Nobody reviews their own message")
    if not review_open(tree, message):
        raise TreeStateConflict(f"Message {message.id} is no longer waiting for reviews")
    review = TreeReview(
        message_id=message.id,
        annotator_id=reviewer.id,
        task_id=task_id,
        acceptable=acceptable,
        labels=labels,
    )
    try:
        with session.begin_nested():
            session.add(review)
    except IntegrityError:
        raise TreeStateConflict(f"You already reviewed message {message.id}") from None
    message.review_count += 1
    needed = (
        settings.reviews_needed_prompt
        if message.parent_id is None
        else (settings.reviews_needed_reply)
    )
    if message.review_count >= needed:
        votes = list(
            session.scalars(
                select(TreeReview.acceptable).where(TreeReview.message_id == message.id)
            )
        )
        message.acceptance = sum(votes) / len(votes)
        if message.acceptance >= settings.acceptance_threshold:
            message.review_state = ReviewState.accepted
            if message.parent_id is None:
                _transition(tree, TreeState.growing)
            _accepted(session, campaign, tree, message, settings)
        else:
            message.review_state = ReviewState.rejected
            if message.parent_id is None:
                _transition(tree, TreeState.aborted_low_grade)
    session.flush()
    return review


def _accepted(
    session: Session,
    campaign: Campaign,
    tree: ConversationTree,
    message: TreeMessage,
    settings: TreeSettings,
) -> None:
    tree.size += 1
    session.flush()
    if tree.state == TreeState.growing and tree.size >= settings.goal_tree_size:
        _start_ranking(session, tree, settings)
    elif (
        tree.state == TreeState.growing
        and message.role == MessageRole.prompter
        and message.depth < settings.max_depth
        and settings.model_replies is not None
    ):
        request_model_replies(session, campaign, message, settings.model_replies)


# ---------------------------------------------------------------- rankings


def sibling_sets(messages: list[TreeMessage]) -> dict[int, list[TreeMessage]]:
    """Parents with two or more accepted, live replies, and those replies."""
    replies: dict[int, list[TreeMessage]] = defaultdict(list)
    for m in messages:
        if m.parent_id is not None and not m.deleted and m.review_state == ReviewState.accepted:
            replies[m.parent_id].append(m)
    alive = {m.id for m in messages if not m.deleted}
    return {p: r for p, r in replies.items() if len(r) >= 2 and p in alive}


def _start_ranking(session: Session, tree: ConversationTree, settings: TreeSettings) -> None:
    _transition(tree, TreeState.ranking)
    _maybe_ready(session, tree, settings)


def _maybe_ready(session: Session, tree: ConversationTree, settings: TreeSettings) -> None:
    """Ready for export once every sibling set has its rankings (at once if there is none)."""
    messages = messages_of(session, tree.id)
    by_id = {m.id: m for m in messages}
    if all(by_id[p].ranking_count >= settings.rankings_needed for p in sibling_sets(messages)):
        _transition(tree, TreeState.ready_for_export)


def add_ranking(
    session: Session,
    campaign: Campaign,
    parent: TreeMessage,
    ranker: User,
    tiers: list[list[int]],
    *,
    shown: list[int],
    task_id: int | None = None,
) -> TreeRanking:
    """Record one ranking of ``parent``'s replies and recompute their consensus ranks. The
    caller holds the tree's lock."""
    settings = settings_of(campaign)
    tree = session.get_one(ConversationTree, parent.tree_id)
    if tree.state != TreeState.ranking:
        raise TreeStateConflict(f"Tree {tree.id} is {tree.state.value}, not ranking")
    messages = messages_of(session, tree.id)
    siblings = sibling_sets(messages).get(parent.id, [])
    if any(m.author_id == ranker.id for m in siblings):
        raise TreeStateConflict("Nobody ranks a set of replies holding their own")
    _check_tiers(tiers, shown)
    ranking = TreeRanking(parent_id=parent.id, annotator_id=ranker.id, task_id=task_id, tiers=tiers)
    try:
        with session.begin_nested():
            session.add(ranking)
    except IntegrityError:
        raise TreeStateConflict(f"You already ranked the replies to {parent.id}") from None
    session.execute(
        update(TreeMessage)
        .where(TreeMessage.id == parent.id)
        .values(ranking_count=TreeMessage.ranking_count + 1)
    )
    recompute_ranks(session, parent.id, siblings, settings.consensus)
    _maybe_ready(session, tree, settings)
    session.flush()
    return ranking


def _check_tiers(tiers: list[list[int]], shown: list[int]) -> None:
    """Every reply shown, ranked exactly once: a partial ranking is no answer."""
    ranked = [i for tier in tiers for i in tier]
    problem = None
    if any(not tier for tier in tiers):
        problem = "empty rank group"
    elif len(ranked) != len(set(ranked)):
        problem = "a reply appears twice"
    elif unknown := sorted(set(ranked) - set(shown)):
        problem = f"reply {unknown[0]} was not shown"
    elif missing := [i for i in shown if i not in ranked]:
        problem = f"rank every reply shown ({', '.join(map(str, missing))} not ranked)"
    if problem:
        raise InvalidTreeAnswer(
            f"answer.ranking: {problem}",
            details=[{"field": "answer.ranking", "message": problem}],
        )


def recompute_ranks(
    session: Session, parent_id: int, siblings: list[TreeMessage], method: str
) -> None:
    """Each reply's ``rank`` among its siblings from the consensus (``method``) of every
    ranking so far; the individual rankings stay as they were given."""
    rankings = [
        [[i for i in tier if i in {s.id for s in siblings}] for tier in tiers]
        for tiers in session.scalars(
            select(TreeRanking.tiers).where(TreeRanking.parent_id == parent_id)
        )
    ]
    ids = [s.id for s in siblings]
    ranks = ranks_from_tiers(consensus(method, ids, rankings)) if rankings else {}
    for sibling in siblings:
        sibling.rank = ranks.get(sibling.id)


def consensus(method: str, items: list[int], rankings: list[list[list[int]]]) -> list[list[int]]:
    """Tiers (best first) from individual rankings: Tideman's ranked pairs, or Bradley-Terry
    strengths (ties where the strengths are equal)."""
    if method == "bradley_terry":
        return order_by_scores(bradley_terry(items, rankings), tolerance=1e-6)
    return ranked_pairs(items, rankings)


# ---------------------------------------------------------------- moderation


def halt(session: Session, tree: ConversationTree, moderator: User, reason: str) -> None:
    if tree.state not in LIVE_STATES:
        raise TreeStateConflict(f"Tree {tree.id} is already {tree.state.value}")
    _transition(tree, TreeState.halted_by_moderator)
    tree.halted_by_id = moderator.id
    tree.halt_reason = reason
    _close_tasks(session, TreeTask.tree_id == tree.id)


def delete_message(session: Session, campaign: Campaign, message: TreeMessage) -> int:
    """Soft-delete a message and its replies; returns how many were deleted."""
    tree = lock_tree(session, message.tree_id)
    messages = messages_of(session, tree.id)
    doomed = {message.id}
    for m in messages:  # parents come before children
        if m.parent_id in doomed:
            doomed.add(m.id)
    for m in messages:
        if m.id in doomed:
            m.deleted = True
    tree.size = sum(1 for m in messages if not m.deleted and m.review_state == ReviewState.accepted)
    if message.parent_id is None and tree.state in LIVE_STATES:
        _transition(tree, TreeState.halted_by_moderator)
        tree.halt_reason = "its initial prompt was deleted"
    _close_tasks(session, TreeTask.message_id.in_(doomed))
    # Ranks among the siblings that remain (also once the tree is ready for export).
    for m in messages:
        if m.id in doomed:
            m.rank = None
    method = settings_of(campaign).consensus
    for parent_id, siblings in sibling_sets(messages).items():
        recompute_ranks(session, parent_id, siblings, method)
    if tree.state == TreeState.ranking:
        _maybe_ready(session, tree, settings_of(campaign))
    session.flush()
    return len(doomed)


def edit_message(
    session: Session, message: TreeMessage, editor: User, content: list[dict[str, Any]]
) -> None:
    """A new text, the old one kept as a revision."""
    session.add(
        TreeMessageRevision(
            message_id=message.id,
            revision=message.revision,
            content=message.content,
            edited_by_id=editor.id,
        )
    )
    message.content = content
    message.revision += 1
    session.flush()


def _close_tasks(session: Session, condition: Any) -> None:
    session.execute(
        update(TreeTask)
        .where(condition, TreeTask.status == TreeTaskStatus.leased)
        .values(status=TreeTaskStatus.expired, finished_at=utcnow())
    )


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class TreeCounts:
    by_state: dict[str, int]
    messages: int


def counts(session: Session, campaign: Campaign) -> TreeCounts:
    by_state = dict(
        session.execute(
            select(ConversationTree.state, func.count())
            .where(ConversationTree.campaign_id == campaign.id)
            .group_by(ConversationTree.state)
        )
        .tuples()
        .all()
    )
    messages = session.scalar(
        select(func.count(TreeMessage.id))
        .join(ConversationTree, ConversationTree.id == TreeMessage.tree_id)
        .where(ConversationTree.campaign_id == campaign.id, TreeMessage.deleted.is_(False))
    )
    return TreeCounts({s.value: by_state.get(s, 0) for s in TreeState}, messages or 0)


def label_summary(session: Session, message_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """Per message, each label's mean value and how many reviews gave it:
    ``{"spam": {"value": 0.5, "count": 2}}`` (flags count as 0/1)."""
    totals: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for message_id, labels in session.execute(
        select(TreeReview.message_id, TreeReview.labels).where(
            TreeReview.message_id.in_(message_ids)
        )
    ):
        for name, value in _flat_labels(labels).items():
            totals[message_id][name].append(float(value))
    return {
        m: {n: {"value": sum(v) / len(v), "count": len(v)} for n, v in sorted(labels.items())}
        for m, labels in totals.items()
    }


def _flat_labels(labels: dict[str, Any]) -> dict[str, float]:
    """Review answers are ``{question_id: {"values": {label: value}}}``: one flat dict."""
    flat: dict[str, float] = {}
    for answer in labels.values():
        for name, value in (answer.get("values") or {}).items():
            if value is not None:
                flat[name] = float(value)
    return flat
