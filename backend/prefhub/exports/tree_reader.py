"""Conversation trees as export records, loaded a batch of trees at a time.

Only what an export may show leaves this module: authors and rankers are pseudonyms, and a
tree holds only its visible messages (not deleted, not rejected, under a visible parent).

Who took part in a tree counts its hidden parts too: a review that rejected a reply shaped
what the tree shows, and the ``judgments`` format exports it. An export that leaves out
simulated work leaves out every tree a simulated annotator took part in, as a tree's
messages, reviews and rankings build on each other.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.models import (
    ConversationTree,
    ReviewState,
    TreeMessage,
    TreeRanking,
    TreeReview,
    TreeState,
)
from prefhub.trees.service import label_summary

TREE_BATCH = 50
# Bound on the ids of one IN (...) list: SQLite and PostgreSQL both cap bound parameters.
ID_CHUNK = 5000


@dataclass(frozen=True)
class MessageRecord:
    id: int
    parent_id: int | None
    role: str  # prompter | assistant
    content: list[dict[str, Any]]
    lang: str
    depth: int
    author: str | None  # pseudonym; None for a model's message
    model_name: str | None
    review_state: str
    review_count: int
    rank: int | None
    labels: dict[str, dict[str, float]]


@dataclass(frozen=True)
class RankingRecord:
    id: int
    parent_id: int
    annotator: str
    tiers: list[list[int]]
    created_at: str


@dataclass
class TreeRecord:
    id: int
    state: str
    lang: str
    created_at: str
    messages: list[MessageRecord]  # parents before children, by (depth, id)
    rankings: list[RankingRecord]  # by id
    reviewers: set[str] = field(default_factory=set)  # pseudonyms
    left_out: Counter[str] = field(default_factory=Counter)
    # Pseudonyms of everyone who wrote, reviewed or ranked in the tree, hidden parts included.
    contributors: set[str] = field(default_factory=set)

    def children(self) -> dict[int | None, list[MessageRecord]]:
        replies: dict[int | None, list[MessageRecord]] = defaultdict(list)
        for message in self.messages:
            replies[message.parent_id].append(message)
        return replies

    def path_to(self, message: MessageRecord) -> list[MessageRecord]:
        """Root to ``message``, inclusive."""
        by_id = {m.id: m for m in self.messages}
        path = [message]
        while path[-1].parent_id is not None:
            path.append(by_id[path[-1].parent_id])
        return path[::-1]


def dense_ranks(siblings: list[MessageRecord]) -> dict[int, int]:
    """Consensus ranks re-numbered 0, 1, 2… over the siblings exported, so a reply deleted
    after ranking leaves no gap; replies without a rank get none."""
    ranks = sorted({m.rank for m in siblings if m.rank is not None})
    dense = {rank: i for i, rank in enumerate(ranks)}
    return {m.id: dense[m.rank] for m in siblings if m.rank is not None}


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds") + "Z"


def count_trees(session: Session, campaign_id: int, states: list[TreeState]) -> int:
    return int(
        session.scalar(
            select(func.count(ConversationTree.id)).where(
                ConversationTree.campaign_id == campaign_id, ConversationTree.state.in_(states)
            )
        )
        or 0
    )


def has_media(session: Session, campaign_id: int, states: list[TreeState]) -> bool:
    """Whether any message an export of these trees may show holds a non-text part."""
    result = session.execute(
        select(TreeMessage.content)
        .join(ConversationTree, ConversationTree.id == TreeMessage.tree_id)
        .where(
            ConversationTree.campaign_id == campaign_id,
            ConversationTree.state.in_(states),
            TreeMessage.deleted.is_(False),
            TreeMessage.review_state != ReviewState.rejected,
        )
        .execution_options(yield_per=1000)
    )
    try:
        return any(part.get("type") != "text" for (content,) in result for part in content)
    finally:
        result.close()


def tree_contributors(session: Session, campaign_id: int, states: list[TreeState]) -> set[int]:
    """The user ids of everyone who wrote, reviewed or ranked in the campaign's trees in these
    states, hidden parts included (as ``TreeRecord.contributors``)."""
    in_trees = (
        select(TreeMessage.id)
        .join(ConversationTree, ConversationTree.id == TreeMessage.tree_id)
        .where(ConversationTree.campaign_id == campaign_id, ConversationTree.state.in_(states))
    )
    authors = select(TreeMessage.author_id).where(
        TreeMessage.id.in_(in_trees), TreeMessage.author_id.is_not(None)
    )
    reviewers = select(TreeReview.annotator_id).where(TreeReview.message_id.in_(in_trees))
    rankers = select(TreeRanking.annotator_id).where(TreeRanking.parent_id.in_(in_trees))
    return set(session.scalars(union(authors, reviewers, rankers)))


def iter_trees(
    session: Session, campaign_id: int, states: list[TreeState], pseudonym: Pseudonymizer
) -> Iterator[list[TreeRecord]]:
    """Batches of trees in id order (keyset pagination): constant memory, same order each run."""
    after_id = 0
    while True:
        trees = session.execute(
            select(
                ConversationTree.id,
                ConversationTree.state,
                ConversationTree.lang,
                ConversationTree.created_at,
            )
            .where(
                ConversationTree.campaign_id == campaign_id,
                ConversationTree.state.in_(states),
                ConversationTree.id > after_id,
            )
            .order_by(ConversationTree.id)
            .limit(TREE_BATCH)
        ).all()
        if not trees:
            return
        yield _load(session, trees, pseudonym)
        after_id = trees[-1].id


def _load(session: Session, trees: Sequence[Any], pseudonym: Pseudonymizer) -> list[TreeRecord]:
    tree_ids = [t.id for t in trees]
    records = {
        t.id: TreeRecord(t.id, t.state.value, t.lang, _iso(t.created_at), [], []) for t in trees
    }
    visible: dict[int, TreeMessage] = {}
    for message in session.scalars(
        select(TreeMessage)
        .where(TreeMessage.tree_id.in_(tree_ids))
        .order_by(TreeMessage.tree_id, TreeMessage.depth, TreeMessage.id)
    ):
        if message.author_id is not None:
            records[message.tree_id].contributors.add(pseudonym(message.author_id))
        # Parents come first, so a message whose parent is hidden is hidden with it.
        if message.deleted:
            records[message.tree_id].left_out["deleted"] += 1
        elif message.review_state == ReviewState.rejected:
            records[message.tree_id].left_out["rejected"] += 1
        elif message.parent_id is not None and message.parent_id not in visible:
            records[message.tree_id].left_out["under_hidden_parent"] += 1
        else:
            visible[message.id] = message
    labels: dict[int, dict[str, dict[str, Any]]] = {}
    ids = list(visible)
    for start in range(0, len(ids), ID_CHUNK):
        labels |= label_summary(session, ids[start : start + ID_CHUNK])
    for m in visible.values():
        records[m.tree_id].messages.append(
            MessageRecord(
                id=m.id,
                parent_id=m.parent_id,
                role=m.role.value,
                content=m.content,
                lang=m.lang,
                depth=m.depth,
                author=pseudonym(m.author_id) if m.author_id is not None else None,
                model_name=m.model_name,
                review_state=m.review_state.value,
                review_count=m.review_count,
                rank=m.rank,
                labels=labels.get(m.id, {}),
            )
        )
    for tree_id, message_id, annotator_id in session.execute(
        select(TreeMessage.tree_id, TreeReview.message_id, TreeReview.annotator_id)
        .join(TreeMessage, TreeMessage.id == TreeReview.message_id)
        .where(TreeMessage.tree_id.in_(tree_ids))
    ):
        records[tree_id].contributors.add(pseudonym(annotator_id))
        if message_id in visible:
            records[visible[message_id].tree_id].reviewers.add(pseudonym(annotator_id))
    parent = TreeMessage.__table__.alias("parent")
    for row in session.execute(
        select(
            TreeRanking.id,
            TreeRanking.parent_id,
            TreeRanking.annotator_id,
            TreeRanking.tiers,
            TreeRanking.created_at,
            parent.c.tree_id,
        )
        .join(parent, parent.c.id == TreeRanking.parent_id)
        .where(parent.c.tree_id.in_(tree_ids))
        .order_by(TreeRanking.id)
    ):
        records[row.tree_id].contributors.add(pseudonym(row.annotator_id))
        if row.parent_id in visible:
            records[row.tree_id].rankings.append(
                RankingRecord(
                    row.id,
                    row.parent_id,
                    pseudonym(row.annotator_id),
                    row.tiers,
                    _iso(row.created_at),
                )
            )
    return [records[i] for i in tree_ids]
