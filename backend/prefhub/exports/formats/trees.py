"""The ``trees`` format: one conversation tree per line, its messages nested in ``replies``.

Field names follow the OpenAssistant Conversations release where DESIGN.md leaves them open
(``prompt`` for the root, ``message_id``, ``synthetic``, ``labels`` as ``{name: {value,
count}}``). Deleted and rejected messages are left out with everything under them; ``rank``
is the consensus rank among the exported siblings (0 = best), null for an unranked reply.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from prefhub.exports.tree_reader import MessageRecord, TreeRecord, dense_ranks
from prefhub.kit.content import plain_text

LEFT_OUT = ("deleted", "rejected", "under_hidden_parent")


@dataclass
class TreesWriter:
    campaign_slug: str
    # When any exported message holds media, every ``content`` is its list of parts, so the
    # column keeps one type (Arrow cannot mix strings and lists); otherwise plain text.
    media: bool = False
    skipped: Counter[str] = field(default_factory=Counter)
    aggregation: str = "ranked_pairs"  # each message's ``rank`` is the consensus of rankings

    def rows(self, tree: TreeRecord) -> list[dict[str, Any]]:
        replies = tree.children()
        for reason in LEFT_OUT:
            self.skipped[f"messages_{reason}"] += tree.left_out[reason]
        if not replies[None]:
            self.skipped["trees_without_visible_prompt"] += 1
            return []
        annotators = (
            {m.author for m in tree.messages if m.author}
            | tree.reviewers
            | {r.annotator for r in tree.rankings}
        )
        return [
            {
                "id": f"t{tree.id}",
                "campaign": self.campaign_slug,
                "tree_id": tree.id,
                "state": tree.state,
                "lang": tree.lang,
                "prompt": self._node(replies[None][0], replies, {}),
                "metadata": {
                    "annotator_id": sorted(annotators),
                    "messages": len(tree.messages),
                    "rankings": len(tree.rankings),
                    "left_out": {reason: tree.left_out[reason] for reason in LEFT_OUT},
                    "created_at": tree.created_at,
                },
            }
        ]

    def _node(
        self,
        m: MessageRecord,
        replies: dict[int | None, list[MessageRecord]],
        ranks: dict[int, int],
    ) -> dict[str, Any]:
        below = dense_ranks(replies[m.id])
        return {
            "message_id": m.id,
            "parent_id": m.parent_id,
            "role": m.role,
            "content": m.content if self.media else plain_text(m.content),
            "lang": m.lang,
            "depth": m.depth,
            "author_id": m.author,
            "synthetic": m.model_name is not None,
            "model_name": m.model_name,
            "review_state": m.review_state,
            "review_count": m.review_count,
            "labels": m.labels,
            "rank": ranks.get(m.id),
            "replies": [self._node(r, replies, below) for r in replies[m.id]],
        }
