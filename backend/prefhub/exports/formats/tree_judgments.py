"""The raw ``judgments`` format of conversation-tree campaigns: one row per review and per
ranking, as submitted, never aggregated; of every message, hidden ones included (a review that
rejected a message is exactly what a quality study wants).

A review's ``answer`` is ``{"acceptable": bool, "labels": {question: {"values": …}}}``; a
ranking's is ``{"ranking": [[message id, …], …]}`` best first, with the sibling order the
annotator was shown in ``shown_order``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.models import TreeMessage, TreeRanking, TreeReview, TreeTask


@dataclass
class TreeJudgmentsWriter:
    campaign_slug: str
    skipped: Counter[str] = field(default_factory=Counter)
    aggregation: str = "none"

    def rows_for(
        self, session: Session, tree_ids: list[int], pseudonym: Pseudonymizer
    ) -> Iterator[dict[str, Any]]:
        """Tree by tree (in the order given), reviews then rankings, each by id."""
        found: dict[int, list[dict[str, Any]]] = {tree_id: [] for tree_id in tree_ids}
        reviews = session.execute(
            select(
                TreeReview.id,
                TreeMessage.tree_id,
                TreeReview.message_id,
                TreeReview.annotator_id,
                TreeReview.acceptable,
                TreeReview.labels,
                TreeTask.time_spent_ms,
                TreeReview.created_at,
            )
            .join(TreeMessage, TreeMessage.id == TreeReview.message_id)
            .outerjoin(TreeTask, TreeTask.id == TreeReview.task_id)
            .where(TreeMessage.tree_id.in_(tree_ids))
            .order_by(TreeReview.id)
        )
        for review_id, tree_id, message_id, annotator, acceptable, labels, spent, at in reviews:
            answer = {"acceptable": acceptable, "labels": labels}
            found[tree_id].append(
                self._row(
                    f"review-{review_id}", "review", tree_id, message_id, answer, None,
                    pseudonym(annotator), spent, at,
                )
            )  # fmt: skip
        rankings = session.execute(
            select(
                TreeRanking.id,
                TreeMessage.tree_id,
                TreeRanking.parent_id,
                TreeRanking.annotator_id,
                TreeRanking.tiers,
                TreeTask.shown_ids,
                TreeTask.time_spent_ms,
                TreeRanking.created_at,
            )
            .join(TreeMessage, TreeMessage.id == TreeRanking.parent_id)
            .outerjoin(TreeTask, TreeTask.id == TreeRanking.task_id)
            .where(TreeMessage.tree_id.in_(tree_ids))
            .order_by(TreeRanking.id)
        )
        for ranking_id, tree_id, parent_id, annotator, tiers, shown, spent, at in rankings:
            found[tree_id].append(
                self._row(
                    f"ranking-{ranking_id}", "ranking", tree_id, parent_id, {"ranking": tiers},
                    shown, pseudonym(annotator), spent, at,
                )
            )  # fmt: skip
        for tree_id in tree_ids:
            yield from found[tree_id]

    def _row(
        self,
        row_id: str,
        kind: str,
        tree_id: int,
        message_id: int,
        answer: dict[str, Any],
        shown: list[int] | None,
        annotator: str,
        spent: int | None,
        at: Any,
    ) -> dict[str, Any]:
        return {
            "id": row_id,
            "campaign": self.campaign_slug,
            "kind": kind,
            "tree_id": tree_id,
            "message_id": message_id,
            "answer": answer,
            "shown_order": shown,
            "annotator_id": annotator,
            "time_spent_ms": spent,
            "created_at": at.isoformat(timespec="seconds") + "Z",
            "metadata": {"annotator_id": annotator},
        }
